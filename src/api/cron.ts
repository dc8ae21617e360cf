// Cron expressions of ClawSchedule: five fields (minute hour day-of-month month day-of-week) or one
// of the @-macros, as CronJob accepts them. The schema pattern lets the apiserver reject most bad
// expressions; `validateCronExpression` is exact (ranges, names, impossible dates) and is shared by
// the webhook and the controller.
import { CronExpressionParser } from 'cron-parser';

export const cronMacros = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
] as const;

const field = (value: string) => `(\\*|${value}(-${value})?)(/[0-9]+)?`;
const list = (value: string) => `${field(value)}(,${field(value)})*`;
const minute = '[0-5]?[0-9]';
const hour = '([01]?[0-9]|2[0-3])';
const dayOfMonth = '(0?[1-9]|[12][0-9]|3[01]|\\?)';
const month = '(0?[1-9]|1[0-2]|[A-Za-z]{3})';
const dayOfWeek = '([0-7]|[A-Za-z]{3}|\\?)';

/** Structural check the apiserver can run: field count, characters and numeric ranges. */
export const cronPattern =
  `^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|` +
  [minute, hour, dayOfMonth, month, dayOfWeek].map(list).join('[ \\t]+') +
  ')$';

/** Returns a problem description, or undefined when `expression` is a valid schedule. */
export function validateCronExpression(expression: string, timeZone?: string): string | undefined {
  const trimmed = expression.trim();
  if (!(cronMacros as readonly string[]).includes(trimmed) && trimmed.split(/\s+/).length !== 5) {
    return `must have 5 fields (minute hour day-of-month month day-of-week) or be one of ${cronMacros.join(', ')}`;
  }
  const zoneProblem = timeZone === undefined ? undefined : validateTimeZone(timeZone);
  if (zoneProblem) return zoneProblem;
  try {
    CronExpressionParser.parse(trimmed, { tz: timeZone ?? 'UTC' });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** IANA time zone names as the runtime knows them (plus UTC). */
export function validateTimeZone(timeZone: string): string | undefined {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return `unknown time zone "${timeZone}" (use an IANA name such as Europe/Berlin)`;
  }
}
