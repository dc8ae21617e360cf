import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuantity } from './parse-quantity.ts';

const cases: [name: string, value: string | number, parsed: number | undefined][] = [
  ['whole cores', '2', 2],
  ['millicores', '500m', 0.5],
  ['decimal cores', '1.5', 1.5],
  ['an integer', 3, 3],
  ['binary suffix', '512Mi', 512 * 2 ** 20],
  ['decimal suffix', '1G', 1e9],
  ['exponent', '1e3', 1000],
  ['upper-case exponent', '2E2', 200],
  ['exa suffix', '1E', 1e18],
  ['not a quantity', 'lots', undefined],
  ['unknown suffix', '1Xi', undefined],
];

describe('parseQuantity', () => {
  for (const [name, value, parsed] of cases) {
    it(`${name}: ${JSON.stringify(value)}`, () => assert.equal(parseQuantity(value), parsed));
  }
});
