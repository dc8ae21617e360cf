-- Conversations: sessions with their messages, the run events of the bus kept for replay, one
-- condensed transcript per run, and token totals per session and per instance.

-- Up Migration

CREATE TABLE sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  namespace text NOT NULL,
  instance text NOT NULL,
  session_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- totals of the runs recorded for this session (each run counted once, see run_transcripts)
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  runs bigint NOT NULL DEFAULT 0,
  -- also the keyset order of listing an instance's sessions
  CONSTRAINT sessions_key UNIQUE (namespace, instance, session_key)
);

CREATE TABLE session_messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  -- chosen by the writer (`<run uid>:user`, `<run uid>:assistant`) so a retried write stores nothing new
  idempotency_key text NOT NULL,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  content text NOT NULL,
  run text,
  run_uid text,
  input_tokens bigint,
  output_tokens bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT session_messages_idempotency UNIQUE (session_id, idempotency_key)
);
-- messages of a session in order (pagination) and newest first (history)
CREATE INDEX session_messages_by_session ON session_messages (session_id, id);

CREATE TABLE run_events (
  -- the bus message id (`<run uid>:<event id>`): a redelivered event is not stored again
  message_id text PRIMARY KEY,
  namespace text NOT NULL,
  instance text NOT NULL,
  run text NOT NULL,
  run_uid text NOT NULL,
  seq integer NOT NULL,
  type text NOT NULL,
  event jsonb NOT NULL,
  time timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_events_by_run ON run_events (run_uid, seq, message_id);

CREATE TABLE run_transcripts (
  -- one row per run: inserting it is what counts the run's tokens into the totals, exactly once
  run_uid text PRIMARY KEY,
  namespace text NOT NULL,
  instance text NOT NULL,
  run text NOT NULL,
  session_id bigint REFERENCES sessions (id) ON DELETE SET NULL,
  status text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  transcript jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX run_transcripts_by_session ON run_transcripts (session_id);

CREATE TABLE instance_usage (
  namespace text NOT NULL,
  instance text NOT NULL,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  runs bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, instance)
);

-- Down Migration

DROP TABLE instance_usage;
DROP TABLE run_transcripts;
DROP TABLE run_events;
DROP TABLE session_messages;
DROP TABLE sessions;
