// Which browser pages may open the event streams. A WebSocket is not subject to the same-origin
// policy, so a page on any site could open one with the credentials a browser attaches; the
// `Origin` header it must send is checked against an allow-list. A request without `Origin` comes
// from a client that is not a browser and is allowed (its token is its own). Pure.

/** `scheme://host[:port]`, lowercase, default port dropped; undefined for anything else. */
export function normalizeOrigin(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || url.pathname.length > 1 || url.search || url.hash) return undefined;
  return url.origin;
}

/** The allow-list from a comma-separated text; throws naming the first entry that is not an origin. */
export function parseAllowedOrigins(text: string): string[] {
  const origins: string[] = [];
  for (const entry of text.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const origin = normalizeOrigin(entry);
    if (!origin) throw new Error(`"${entry}" is not an origin (scheme://host[:port])`);
    origins.push(origin);
  }
  return origins;
}

/** A request may upgrade when it has no Origin, or one on the (normalised) allow-list. */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  const normalized = normalizeOrigin(origin);
  return normalized !== undefined && allowed.includes(normalized);
}
