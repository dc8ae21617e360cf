// The WebSocket subprotocols of the API server's event streams, shared by the server and its
// clients. Browsers cannot set headers on a WebSocket, so, as kube-apiserver does, a client may
// offer its bearer token as the subprotocol `base64url.bearer.authorization.k8s.io.<token,
// base64url without padding>` beside a real one.

/** The prefix kube-apiserver's WebSocket authenticator accepts a bearer token under. */
export const bearerProtocolPrefix = 'base64url.bearer.authorization.k8s.io.';

/** The one subprotocol the event streams speak: text frames, each one run event as JSON. */
export const eventStreamProtocol = 'v1.events.k8sclaw.io';

/** The subprotocol entry that carries `token`. */
export function buildBearerProtocol(token: string): string {
  return `${bearerProtocolPrefix}${Buffer.from(token, 'utf8').toString('base64url')}`;
}
