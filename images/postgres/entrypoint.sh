#!/bin/sh
# Starts PostgreSQL on $PGDATA. On first start it initialises the cluster in a scratch directory and
# moves it into place only once complete, so a start interrupted half-way begins again from nothing:
# superuser $POSTGRES_USER with the password read from $POSTGRES_PASSWORD_FILE (never from the
# environment, never printed), password (SCRAM) authentication for every connection, and the
# database $POSTGRES_DB. Configuration is passed on the command line; the data directory keeps
# PostgreSQL's defaults.
set -eu
: "${PGDATA:?PGDATA is not set}"
password_file=${POSTGRES_PASSWORD_FILE:?POSTGRES_PASSWORD_FILE is not set}
user=${POSTGRES_USER:-k8sclaw}
database=${POSTGRES_DB:-k8sclaw}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -s "$password_file" ] || { echo "postgres: $password_file is empty or missing" >&2; exit 1; }
  scratch="$PGDATA.init"
  rm -rf "$scratch"
  initdb --pgdata="$scratch" --username="$user" --pwfile="$password_file" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 --encoding=UTF8 --locale=C --no-instructions
  printf '%s\n' 'host all all 0.0.0.0/0 scram-sha-256' 'host all all ::/0 scram-sha-256' >>"$scratch/pg_hba.conf"
  echo "CREATE DATABASE \"$database\"" | postgres --single -D "$scratch" -c jit=off postgres >/dev/null
  rm -rf "$PGDATA"
  mv "$scratch" "$PGDATA"
  echo "postgres: initialised $PGDATA (database $database, user $user)"
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp -c jit=off
