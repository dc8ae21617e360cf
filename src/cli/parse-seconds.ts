// A flag given in seconds (--timeout): a positive number, or a usage error naming the flag.
import { UsageError } from './usage-error.ts';

export function parseSeconds(flag: string, value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`${flag} must be a positive number of seconds, not "${value}"`);
  return seconds * 1000;
}
