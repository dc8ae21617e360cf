// The provider API key, read from the one Secret key mounted as a file. Never logged, never put in
// an environment variable or an error message.
import { readFile } from 'node:fs/promises';

/** The key without the trailing newline editors and `echo` add; undefined when the file is empty. */
export async function readApiKey(file: string): Promise<string | undefined> {
  const key = (await readFile(file, 'utf8')).trim();
  return key === '' ? undefined : key;
}
