// Ages as kubectl prints them (3s, 5m12s, 4h, 2d3h, 1y20d): the time between a timestamp and an
// injected "now", so renderers stay pure and their tests need no clock.

/** How long ago `timestamp` was at `now`, or `<unknown>` when there is no parsable timestamp. */
export function formatAge(timestamp: string | undefined, now: Date): string {
  const then = timestamp ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(then)) return '<unknown>';
  return formatDuration(now.getTime() - then);
}

/** A duration in kubectl's short human form; a small negative skew (clock drift) reads as 0s. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return withRest(`${minutes}m`, seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return withRest(`${hours}h`, minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return withRest(`${Math.floor(hours / 24)}d`, hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8)
    return withRest(`${Math.floor(hours / 24 / 365)}y`, Math.floor(hours / 24) % 365, 'd');
  return `${Math.floor(hours / 24 / 365)}y`;
}

function withRest(head: string, rest: number, unit: string): string {
  return rest === 0 ? head : `${head}${rest}${unit}`;
}

/** When a future timestamp comes: `in 4m`, or the age when it has already passed. */
export function formatUntil(timestamp: string | undefined, now: Date): string {
  const then = timestamp ? Date.parse(timestamp) : Number.NaN;
  if (Number.isNaN(then)) return '<none>';
  const ms = then - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}
