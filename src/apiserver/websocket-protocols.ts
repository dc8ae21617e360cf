// The WebSocket subprotocols of the event streams, and the bearer token carried in one of them.
// Browsers cannot set headers on a WebSocket, so, as kube-apiserver does, a client may offer its
// token as the subprotocol `base64url.bearer.authorization.k8s.io.<token, base64url without
// padding>` beside a real one; that entry is never selected (so never echoed back) and a client
// offering it must offer another. Pure. The protocol names themselves are part of the API (src/api).
import { bearerProtocolPrefix, eventStreamProtocol } from '../api/index.ts';

export { bearerProtocolPrefix, buildBearerProtocol, eventStreamProtocol } from '../api/index.ts';

export type ParsedProtocols =
  { ok: true; token?: string; protocols: string[] } | { ok: false; reason: string };

const base64UrlPattern = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeToken(encoded: string): string | undefined {
  // unpadded base64url: a length of 1 modulo 4 cannot be produced by any input
  if (!base64UrlPattern.test(encoded) || encoded.length % 4 === 1) return undefined;
  try {
    return utf8.decode(Buffer.from(encoded, 'base64url'));
  } catch {
    return undefined;
  }
}

/** Splits `Sec-WebSocket-Protocol` into the bearer token (if offered) and the other subprotocols. */
export function parseWebSocketProtocols(header: string | readonly string[] | undefined): ParsedProtocols {
  const values = typeof header === 'string' ? [header] : (header ?? []);
  const protocols: string[] = [];
  let token: string | undefined;
  for (const value of values) {
    for (const raw of value.split(',')) {
      const protocol = raw.trim();
      if (protocol === '') continue;
      if (!protocol.startsWith(bearerProtocolPrefix)) {
        protocols.push(protocol);
        continue;
      }
      if (token !== undefined) return { ok: false, reason: 'more than one bearer token subprotocol' };
      token = decodeToken(protocol.slice(bearerProtocolPrefix.length));
      if (!token) return { ok: false, reason: 'the bearer token subprotocol is not base64url of a token' };
    }
  }
  if (token !== undefined && protocols.length === 0) {
    return {
      ok: false,
      reason: `a bearer token subprotocol needs another subprotocol (${eventStreamProtocol})`,
    };
  }
  return { ok: true, ...(token !== undefined ? { token } : {}), protocols };
}

/** The subprotocol to select: ours when offered; none when the client offered none at all. */
export function selectProtocol(offered: readonly string[]): string | false | undefined {
  if (offered.length === 0) return undefined;
  return offered.includes(eventStreamProtocol) ? eventStreamProtocol : false;
}
