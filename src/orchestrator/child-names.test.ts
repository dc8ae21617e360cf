import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedName, dnsLabelMaxLength, subagentRunName } from './child-names.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const cases: [name: string, input: string, max: number, want: string | RegExp][] = [
  ['a short name is kept', 'agentrun-a', 63, 'agentrun-a'],
  ['a name of exactly the limit is kept', 'x'.repeat(63), 63, 'x'.repeat(63)],
  ['a longer name is cut and hashed', 'x'.repeat(64), 63, /^x{54}-[0-9a-f]{8}$/],
  ['a dash at the cut is not doubled', `${'x'.repeat(53)}-${'y'.repeat(20)}`, 63, /^x{53}-[0-9a-f]{8}$/],
];

describe('boundedName', () => {
  for (const [name, input, max, want] of cases) {
    it(name, () => {
      const bounded = boundedName(input, max);
      if (typeof want === 'string') assert.equal(bounded, want);
      else assert.match(bounded, want);
      assert.ok(bounded.length <= max);
      assert.match(bounded, dnsLabel);
    });
  }

  it('is stable and tells apart names that share the kept head', () => {
    const a = `${'x'.repeat(60)}-a`;
    const b = `${'x'.repeat(60)}-b`;
    assert.equal(boundedName(a), boundedName(a));
    assert.notEqual(boundedName(a), boundedName(b));
  });
});

describe('subagentRunName', () => {
  it('is a function of the parent and the request, within the Job name limit', () => {
    assert.equal(subagentRunName('lead', 'req-1'), subagentRunName('lead', 'req-1'));
    assert.notEqual(subagentRunName('lead', 'req-1'), subagentRunName('lead', 'req-2'));
    assert.match(subagentRunName('lead', 'req-1'), /^lead-sub-[0-9a-f]{10}$/);
    const long = 'p'.repeat(63);
    const first = subagentRunName(long, 'a');
    assert.ok(first.length <= dnsLabelMaxLength);
    assert.notEqual(first, subagentRunName(long, 'b'), "a long parent name never hides the request's part");
  });
});
