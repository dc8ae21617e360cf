import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caBundleOf, planCertificates, servingValidityMs, type TlsSecretFacts } from './certificate-plan.ts';

const day = 24 * 60 * 60 * 1000;
const now = new Date('2026-11-30T12:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * day);
const names = ['wh.ns.svc', 'wh'];
/** A certificate issued `issuedDaysAgo` ago that lives `lifetimeDays`. */
const cert = (issuedDaysAgo: number, lifetimeDays: number, certNames = names) => ({
  notBefore: at(-issuedDaysAgo),
  notAfter: at(lifetimeDays - issuedDaysAgo),
  names: certNames,
});
const healthyCa = cert(100, 1000);
const healthyServing = { ...cert(10, 90), signedByCa: true };

describe('planCertificates', () => {
  const cases: [string, TlsSecretFacts, string][] = [
    ['an empty Secret gets a CA', {}, 'new-ca'],
    ['a serving certificate without a CA gets a CA', { serving: healthyServing }, 'new-ca'],
    ['an expired CA is replaced', { ca: cert(1001, 1000), serving: healthyServing }, 'new-ca'],
    [
      'a CA with less than a third of its life left is replaced',
      { ca: cert(700, 1000), serving: healthyServing },
      'new-ca',
    ],
    ['a CA with just over a third left is kept', { ca: cert(660, 1000), serving: healthyServing }, 'keep'],
    ['a CA without a serving certificate gets one', { ca: healthyCa }, 'issue-serving'],
    [
      'a serving certificate another CA signed is replaced',
      { ca: healthyCa, serving: { ...healthyServing, signedByCa: false } },
      'issue-serving',
    ],
    [
      'a serving certificate missing a name is replaced',
      { ca: healthyCa, serving: { ...cert(10, 90, ['wh']), signedByCa: true } },
      'issue-serving',
    ],
    [
      'a serving certificate with extra names is kept',
      { ca: healthyCa, serving: { ...cert(10, 90, [...names, '127.0.0.1']), signedByCa: true } },
      'keep',
    ],
    [
      'an expired serving certificate is replaced',
      { ca: healthyCa, serving: { ...cert(91, 90), signedByCa: true } },
      'issue-serving',
    ],
    [
      'a serving certificate inside its renewal window is replaced',
      { ca: healthyCa, serving: { ...cert(61, 90), signedByCa: true } },
      'issue-serving',
    ],
    ['a current pair is kept', { ca: healthyCa, serving: healthyServing }, 'keep'],
  ];
  for (const [name, facts, action] of cases) {
    it(name, () => assert.equal(planCertificates(facts, names, now).action, action));
  }

  it('says why it renews', () => {
    const plan = planCertificates(
      { ca: healthyCa, serving: { ...cert(10, 90, ['wh']), signedByCa: true } },
      names,
      now,
    );
    assert.deepEqual(plan, {
      action: 'issue-serving',
      reason: 'the serving certificate is not valid for wh.ns.svc',
    });
  });
});

describe('servingValidityMs', () => {
  it('never outlives the CA', () => {
    assert.equal(servingValidityMs(90 * day, at(30), now), 30 * day);
    assert.equal(servingValidityMs(90 * day, at(300), now), 90 * day);
  });
});

describe('caBundleOf', () => {
  it('holds the current CA, and the previous one until it expires', () => {
    assert.equal(caBundleOf('NEW', undefined, now), 'NEW\n');
    assert.equal(caBundleOf('NEW\n', { pem: 'OLD\n', notAfter: at(1) }, now), 'NEW\nOLD\n');
    assert.equal(caBundleOf('NEW\n', { pem: 'OLD\n', notAfter: at(-1) }, now), 'NEW\n');
    assert.equal(caBundleOf('SAME\n', { pem: 'SAME\n', notAfter: at(1) }, now), 'SAME\n');
  });
});
