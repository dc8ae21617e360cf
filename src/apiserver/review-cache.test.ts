import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessCacheKey, type Caller } from './kube-access-reviewer.ts';
import { parseBearerToken } from './bearer-token.ts';
import { ReviewCache } from './review-cache.ts';
import { hashToken } from './token-hash.ts';

describe('review cache', () => {
  it('forgets an answer once its time is up', () => {
    let now = 1_000;
    const cache = new ReviewCache<string>({ ttlMs: 100, maxEntries: 10, now: () => now });
    cache.set('k', 'allowed');
    now += 99;
    assert.equal(cache.get('k'), 'allowed');
    now += 1;
    assert.equal(cache.get('k'), undefined);
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const cache = new ReviewCache<number>({ ttlMs: 1_000, maxEntries: 2 });
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('c'), 3);
  });

  it('caches nothing with a zero TTL', () => {
    const cache = new ReviewCache<number>({ ttlMs: 0, maxEntries: 2 });
    cache.set('a', 1);
    assert.equal(cache.get('a'), undefined);
  });

  it('keys answers by a hash of the token, never the token', () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.secret-part.signature';
    const caller: Caller = { username: 'alice', groups: [], tokenHash: hashToken(token) };
    const key = accessCacheKey(caller, {
      verb: 'get',
      group: 'k8sclaw.io',
      resource: 'agentruns',
      namespace: 'a',
      name: 'r',
    });
    assert.equal(caller.tokenHash.length, 64);
    assert.equal(key.includes(token), false);
    assert.equal(key.includes('secret-part'), false);
    assert.notEqual(hashToken(token), hashToken(`${token}x`));
  });

  it('distinguishes every attribute of an access in its key', () => {
    const caller: Caller = { username: 'alice', groups: [], tokenHash: 'h' };
    const base = { verb: 'get', group: 'k8sclaw.io', resource: 'agentruns', namespace: 'a' } as const;
    const keys = new Set(
      [
        base,
        { ...base, verb: 'list' as const },
        { ...base, namespace: 'b' },
        { ...base, resource: 'clawinstances' },
        { ...base, group: '' },
        { ...base, name: 'r' },
      ].map((access) => accessCacheKey(caller, access)),
    );
    assert.equal(keys.size, 6);
  });
});

describe('bearer token', () => {
  it('takes the token of a Bearer header only', () => {
    assert.equal(parseBearerToken('Bearer abc.def'), 'abc.def');
    assert.equal(parseBearerToken('bearer abc'), 'abc');
    assert.equal(parseBearerToken('Basic YWxpY2U6cHc='), undefined);
    assert.equal(parseBearerToken('Bearer '), undefined);
    assert.equal(parseBearerToken('Bearer a b'), undefined);
    assert.equal(parseBearerToken(undefined), undefined);
  });
});
