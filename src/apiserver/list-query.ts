// Pagination of every list: `limit` (1–500, default 100) and `continue`, the Kubernetes apiserver's
// own continue token passed through untouched (it is opaque, bound to the list it came from and
// expires with etcd's compaction: an expired one is answered 410). Unknown query parameters are
// refused by name, as unknown body fields are.
import type { FieldError } from '../api/index.ts';
import { invalidRequest } from './api-error.ts';

export const defaultListLimit = 100;
export const maxListLimit = 500;
const maxContinueLength = 4096;

export interface ListQuery {
  limit: number;
  continueToken?: string;
}

export interface ListPage<T> {
  items: T[];
  /** Present when more items follow: pass it back as `continue`. */
  continue?: string;
  /** The apiserver's estimate of the items after this page, when it gives one. */
  remainingItemCount?: number;
}

export function checkQueryParameters(query: Record<string, string>, allowed: readonly string[]): void {
  const unknown = Object.keys(query).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw invalidRequest(unknown.map((field) => ({ field, message: 'is not a known query parameter' })));
  }
}

export function parseListQuery(query: Record<string, string>): ListQuery {
  checkQueryParameters(query, ['limit', 'continue']);
  const errors: FieldError[] = [];
  let limit = defaultListLimit;
  if (query.limit !== undefined) {
    limit = /^[0-9]{1,4}$/.test(query.limit) ? Number(query.limit) : Number.NaN;
    if (!(limit >= 1 && limit <= maxListLimit)) {
      errors.push({ field: 'limit', message: `must be an integer from 1 to ${maxListLimit}` });
    }
  }
  const continueToken = query.continue;
  if (
    continueToken !== undefined &&
    (continueToken.length === 0 || continueToken.length > maxContinueLength)
  ) {
    errors.push({ field: 'continue', message: `must be a token from a previous page` });
  }
  if (errors.length > 0) throw invalidRequest(errors);
  return { limit, ...(continueToken !== undefined ? { continueToken } : {}) };
}

interface KubeList<T> {
  items: T[];
  metadata?: { continue?: string; remainingItemCount?: number };
}

export function toListPage<T>(list: KubeList<T>, present: (item: T) => T): ListPage<T> {
  const next = list.metadata?.continue;
  const remaining = list.metadata?.remainingItemCount;
  return {
    items: list.items.map(present),
    ...(next ? { continue: next } : {}),
    ...(remaining !== undefined && remaining !== null ? { remainingItemCount: remaining } : {}),
  };
}
