import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bearerProtocolPrefix,
  buildBearerProtocol,
  eventStreamProtocol,
  parseWebSocketProtocols,
  selectProtocol,
} from './websocket-protocols.ts';

describe('WebSocket subprotocols', () => {
  const token = 'eyJhbGciOiJSUzI1NiJ9.payload.signature';

  it('takes the bearer token out of the Kubernetes subprotocol and keeps the others', () => {
    const header = `${buildBearerProtocol(token)}, ${eventStreamProtocol}`;
    assert.deepEqual(parseWebSocketProtocols(header), { ok: true, token, protocols: [eventStreamProtocol] });
  });

  it('encodes as kube-apiserver expects: unpadded base64url', () => {
    // "a?" is YT8 in base64: the padding goes and nothing else changes
    assert.equal(buildBearerProtocol('a?'), `${bearerProtocolPrefix}YT8`);
    assert.equal(buildBearerProtocol('>>>?'), `${bearerProtocolPrefix}Pj4-Pw`);
    const parsed = parseWebSocketProtocols([`${bearerProtocolPrefix}Pj4-Pw`, eventStreamProtocol]);
    assert.deepEqual(parsed, { ok: true, token: '>>>?', protocols: [eventStreamProtocol] });
  });

  it('has no token when none is offered', () => {
    assert.deepEqual(parseWebSocketProtocols(undefined), { ok: true, protocols: [] });
    assert.deepEqual(parseWebSocketProtocols(` ${eventStreamProtocol} ,x`), {
      ok: true,
      protocols: [eventStreamProtocol, 'x'],
    });
  });

  const refusals: [string, string | string[], RegExp][] = [
    ['a token without another subprotocol', buildBearerProtocol(token), /needs another subprotocol/],
    [
      'two tokens',
      [`${buildBearerProtocol(token)}, ${eventStreamProtocol}`, buildBearerProtocol('other')],
      /more than one/,
    ],
    ['padding', `${bearerProtocolPrefix}YT8=, ${eventStreamProtocol}`, /not base64url/],
    ['standard base64 characters', `${bearerProtocolPrefix}Pj4+Pw, ${eventStreamProtocol}`, /not base64url/],
    ['an impossible length', `${bearerProtocolPrefix}abcde, ${eventStreamProtocol}`, /not base64url/],
    ['an empty token', `${bearerProtocolPrefix}, ${eventStreamProtocol}`, /not base64url/],
    ['bytes that are not UTF-8', `${bearerProtocolPrefix}_w, ${eventStreamProtocol}`, /not base64url/],
  ];
  for (const [name, header, reason] of refusals) {
    it(`refuses ${name}`, () => {
      const parsed = parseWebSocketProtocols(header);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.reason, reason);
    });
  }

  it('selects the event stream protocol, none when none was offered, and refuses others', () => {
    assert.equal(selectProtocol(['other', eventStreamProtocol]), eventStreamProtocol);
    assert.equal(selectProtocol([]), undefined);
    assert.equal(selectProtocol(['v4.channel.k8s.io']), false);
  });
});
