import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from './format-table.ts';

describe('formatTable', () => {
  const cases: { name: string; headers: string[]; rows: string[][]; expected: string }[] = [
    {
      name: 'pads every column but the last to its widest cell, three spaces apart',
      headers: ['Name', 'Phase', 'Age'],
      rows: [
        ['a', 'Running', '5m'],
        ['longer-name', 'Pending', '10s'],
      ],
      expected: [
        'NAME          PHASE     AGE',
        'a             Running   5m',
        'longer-name   Pending   10s',
      ].join('\n'),
    },
    {
      name: 'headers alone when there are no rows',
      headers: ['Name', 'Age'],
      rows: [],
      expected: 'NAME   AGE',
    },
    {
      name: 'counts characters, not UTF-16 units, so an ellipsis keeps columns aligned',
      headers: ['Task', 'Age'],
      rows: [
        ['do it…', '1s'],
        ['x', '2s'],
      ],
      expected: ['TASK     AGE', 'do it…   1s', 'x        2s'].join('\n'),
    },
    {
      name: 'no trailing spaces after a short last cell',
      headers: ['Name', 'Task'],
      rows: [['a', '']],
      expected: ['NAME   TASK', 'a'].join('\n'),
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(formatTable(c.headers, c.rows), c.expected));
});

describe('formatTable without its header line', () => {
  it('prints the rows only, padded as they are with the header', () => {
    const withHeader = formatTable(['Name', 'Phase'], [['a', 'Running']]);
    const rowsOnly = formatTable(['Name', 'Phase'], [['a', 'Running']], { withHeaders: false });
    assert.equal(rowsOnly, withHeader.split('\n')[1]);
    assert.equal(rowsOnly, 'a      Running');
  });
});
