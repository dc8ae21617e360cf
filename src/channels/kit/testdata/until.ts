// Bounded waiting for the adapters' tests against their services' fakes: polls a synchronous look at
// what the fake or the adapter recorded until it gives a value. Test-only (testdata/ is left out of
// the build, and only tests may import it).

/** Polls `probe` every 25 ms until it gives a value; fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  for (let i = 0; i < timeoutMs / 25; i += 1) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
