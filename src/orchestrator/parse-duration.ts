// Go-style durations (30s, 10m, 1h30m, 500ms, 1.5h), as Kubernetes and the AgentRun `timeout` use
// them, turned into whole seconds for `activeDeadlineSeconds` and the runner's deadline. Arithmetic
// is exact (BigInt nanoseconds) so a fraction never rounds a deadline down.
const nanosecondsPerUnit: Record<string, bigint> = {
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

// the pattern the API's duration fields are validated with
const whole = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const part = /([0-9]+)(?:\.([0-9]+))?(ms|s|m|h)/g;

/** Seconds in `text`, rounded up; undefined when it is not a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  if (!whole.test(text)) return undefined;
  let nanoseconds = 0n;
  for (const [, integer = '0', fraction = '', unit = 's'] of text.matchAll(part)) {
    const perUnit = nanosecondsPerUnit[unit] ?? 0n;
    nanoseconds += BigInt(integer) * perUnit;
    if (fraction) nanoseconds += (BigInt(fraction) * perUnit) / 10n ** BigInt(fraction.length);
  }
  return Number((nanoseconds + 999_999_999n) / 1_000_000_000n);
}
