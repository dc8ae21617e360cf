import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cronPattern, validateCronExpression, validateTimeZone } from './cron.ts';

const pattern = new RegExp(cronPattern);

describe('cron expressions', () => {
  const valid = [
    '0 9 * * *',
    '*/15 * * * *',
    '0 0 1,15 * *',
    '30 6 * * MON-FRI',
    '0 0 * JAN,JUL *',
    '@hourly',
    '@daily',
    '5 4 * * 0',
    '0 22 * * 1-5',
    '0 12 ? * *',
  ];
  for (const expression of valid) {
    it(`accepts ${expression}`, () => {
      assert.ok(pattern.test(expression), 'schema pattern');
      assert.equal(validateCronExpression(expression), undefined);
    });
  }

  const rejectedByPattern = [
    '61 * * * *',
    '* 24 * * *',
    '* * 32 * *',
    '* * * 13 *',
    '* * * * 8',
    '* * *',
    '* * * * * *',
    '@every 5m',
    '',
    'hello',
  ];
  for (const expression of rejectedByPattern) {
    it(`rejects ${JSON.stringify(expression)} in both the pattern and the validator`, () => {
      assert.ok(!pattern.test(expression), 'schema pattern');
      assert.notEqual(validateCronExpression(expression), undefined);
    });
  }

  const passesPatternOnly = ['0 0 31 2 *', '0 0 * FOO *', '0 0 * * BAR'];
  for (const expression of passesPatternOnly) {
    it(`leaves ${expression} to the exact validator`, () => {
      assert.ok(pattern.test(expression));
      assert.notEqual(validateCronExpression(expression), undefined);
    });
  }

  it('names the field count when fields are missing', () => {
    assert.match(validateCronExpression('0 9 *') ?? '', /5 fields/);
  });

  it('checks time zones by IANA name', () => {
    assert.equal(validateTimeZone('Europe/Berlin'), undefined);
    assert.equal(validateTimeZone('UTC'), undefined);
    assert.match(validateTimeZone('Mars/Olympus_Mons') ?? '', /unknown time zone/);
    assert.match(validateCronExpression('0 9 * * *', 'Nowhere/Land') ?? '', /unknown time zone/);
  });
});
