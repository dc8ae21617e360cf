import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDurationSeconds } from './parse-duration.ts';

const cases: [name: string, text: string, seconds: number | undefined][] = [
  ['seconds', '30s', 30],
  ['minutes', '10m', 600],
  ['hours and minutes', '1h30m', 5400],
  ['milliseconds round up', '500ms', 1],
  ['a fraction of a second rounds up', '1.001s', 2],
  ['fractional hours', '1.5h', 5400],
  ['whole milliseconds stay exact', '2000ms', 2],
  ['zero', '0s', 0],
  ['no unit', '10', undefined],
  ['unknown unit', '1d', undefined],
  ['empty', '', undefined],
  ['negative', '-1s', undefined],
];

describe('parseDurationSeconds', () => {
  for (const [name, text, seconds] of cases) {
    it(`${name}: ${JSON.stringify(text)}`, () => assert.equal(parseDurationSeconds(text), seconds));
  }
});
