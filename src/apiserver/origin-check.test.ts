import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isOriginAllowed, normalizeOrigin, parseAllowedOrigins } from './origin-check.ts';

describe('origin check', () => {
  it('allows requests without Origin (clients that are not browsers), even with an empty list', () => {
    assert.equal(isOriginAllowed(undefined, []), true);
  });

  it('refuses every browser origin by default', () => {
    assert.equal(isOriginAllowed('https://console.example.com', []), false);
    assert.equal(isOriginAllowed('null', []), false);
  });

  it('allows exactly the listed origins, compared normalised', () => {
    const allowed = parseAllowedOrigins(' https://Console.Example.com:443 ,http://localhost:3000,');
    assert.deepEqual(allowed, ['https://console.example.com', 'http://localhost:3000']);
    assert.equal(isOriginAllowed('https://console.example.com', allowed), true);
    assert.equal(isOriginAllowed('HTTPS://CONSOLE.EXAMPLE.COM', allowed), true);
    assert.equal(isOriginAllowed('http://localhost:3000', allowed), true);
    for (const other of [
      'http://console.example.com',
      'https://console.example.com:8443',
      'https://console.example.com.evil.test',
      'https://evil.test',
      'http://localhost:3001',
      'null',
      '',
    ]) {
      assert.equal(isOriginAllowed(other, allowed), false, other);
    }
  });

  it('refuses allow-list entries that are not origins, naming them', () => {
    assert.throws(() => parseAllowedOrigins('https://a.example, *'), /"\*" is not an origin/);
    assert.throws(() => parseAllowedOrigins('https://a.example/app'), /is not an origin/);
    assert.throws(() => parseAllowedOrigins('ftp://a.example'), /is not an origin/);
    assert.equal(normalizeOrigin('https://user@a.example'), undefined);
  });
});
