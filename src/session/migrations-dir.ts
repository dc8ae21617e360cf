// Where the schema migrations ship: `migrations/` at the package root, found from this module's
// own location both when run from source (src/session) and when built (dist/src/session).
import { fileURLToPath } from 'node:url';

export function defaultMigrationsDir(moduleUrl: string = import.meta.url): string {
  const depth = moduleUrl.includes('/dist/src/') ? '../../..' : '../..';
  return fileURLToPath(new URL(`${depth}/migrations/`, moduleUrl));
}
