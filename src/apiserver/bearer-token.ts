// The caller's bearer token from the Authorization header, or undefined when there is none in the
// `Bearer <token>` form. The token is only ever passed on to TokenReview and hashed, never logged.
export function parseBearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +([^\s]+) *$/i.exec(header ?? '');
  return match?.[1];
}
