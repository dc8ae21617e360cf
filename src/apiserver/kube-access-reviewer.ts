// Who is calling and what they may do, asked of the Kubernetes apiserver itself: a TokenReview
// turns a bearer token into a user, a SubjectAccessReview asks whether that user may perform one
// ResourceAccess. Answers are cached briefly, keyed by the token's hash (never the token). Errors
// of the reviews are not cached and surface as 503: an unverifiable caller is never let through.
import { toKubeError, type KubeClient } from '../kube/index.ts';
import { ApiError, apiErrorCodes } from './api-error.ts';
import type { ResourceAccess } from './resource-access.ts';
import { ReviewCache } from './review-cache.ts';
import { hashToken } from './token-hash.ts';

export interface Caller {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
  /** SHA-256 of the bearer token: the key of cached answers. */
  tokenHash: string;
}

export interface AccessDecision {
  allowed: boolean;
  /** The authorizer's reason, when it gave one (RBAC usually gives none for a denial). */
  reason?: string;
}

export interface AccessReviewer {
  /** The token's user, or undefined when the token is not valid. */
  authenticate(token: string): Promise<Caller | undefined>;
  authorize(caller: Caller, access: ResourceAccess): Promise<AccessDecision>;
}

export interface KubeAccessReviewerOptions {
  /** How long answers are reused (default 10 s; 0 disables the cache). */
  cacheTtlMs?: number;
  maxCacheEntries?: number;
  /** Audiences the token must be issued for (default: the apiserver's own). */
  audiences?: string[];
  now?: () => number;
}

const reviewUnavailable = (what: string, cause: unknown) =>
  new ApiError(
    503,
    {
      code: apiErrorCodes.unavailable,
      message: `cannot ${what} now: the Kubernetes API refused or did not answer the review`,
    },
    { cause: toKubeError(cause) },
  );

export function accessCacheKey(caller: Caller, access: ResourceAccess): string {
  return [
    caller.tokenHash,
    access.verb,
    access.group,
    access.resource,
    access.namespace,
    access.name ?? '',
  ].join('\u0000');
}

export function createKubeAccessReviewer(
  kube: KubeClient,
  { cacheTtlMs = 10_000, maxCacheEntries = 10_000, audiences, now }: KubeAccessReviewerOptions = {},
): AccessReviewer {
  const cacheOptions = { ttlMs: cacheTtlMs, maxEntries: maxCacheEntries, ...(now ? { now } : {}) };
  const callers = new ReviewCache<Caller | null>(cacheOptions);
  const decisions = new ReviewCache<AccessDecision>(cacheOptions);
  return {
    async authenticate(token) {
      const tokenHash = hashToken(token);
      const cached = callers.get(tokenHash);
      if (cached !== undefined) return cached ?? undefined;
      let review;
      try {
        review = await kube.authentication.createTokenReview({
          body: { spec: { token, ...(audiences ? { audiences } : {}) } },
        });
      } catch (error) {
        throw reviewUnavailable('verify the token', error);
      }
      const user = review.status?.user;
      const caller: Caller | null =
        review.status?.authenticated && user?.username
          ? {
              username: user.username,
              ...(user.uid ? { uid: user.uid } : {}),
              groups: user.groups ?? [],
              ...(user.extra ? { extra: user.extra } : {}),
              tokenHash,
            }
          : null;
      callers.set(tokenHash, caller);
      return caller ?? undefined;
    },

    async authorize(caller, access) {
      const key = accessCacheKey(caller, access);
      const cached = decisions.get(key);
      if (cached) return cached;
      let review;
      try {
        review = await kube.authorization.createSubjectAccessReview({
          body: {
            spec: {
              user: caller.username,
              ...(caller.uid ? { uid: caller.uid } : {}),
              groups: caller.groups,
              ...(caller.extra ? { extra: caller.extra } : {}),
              resourceAttributes: {
                verb: access.verb,
                group: access.group,
                resource: access.resource,
                namespace: access.namespace,
                ...(access.name !== undefined ? { name: access.name } : {}),
              },
            },
          },
        });
      } catch (error) {
        throw reviewUnavailable('check permissions', error);
      }
      const allowed = review.status?.allowed === true && review.status.denied !== true;
      const reason = review.status?.reason;
      const decision: AccessDecision = { allowed, ...(reason ? { reason } : {}) };
      decisions.set(key, decision);
      return decision;
    },
  };
}
