import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyMemoryUpdates, type MemoryUpdateOutcome } from './apply-memory-updates.ts';

const header = '# Memory of alice\n';
/** An entry of exactly `bytes` bytes once rendered with its newline ("- " + text + "\n"). */
const entryOf = (letter: string, bytes: number) => letter.repeat(bytes - 3);

const cases: {
  name: string;
  current: string;
  updates: string[];
  maxSizeKB?: number;
  want: MemoryUpdateOutcome;
}[] = [
  {
    name: 'appends to the seeded header',
    current: header,
    updates: ['Alice prefers German.'],
    want: { content: `${header}\n- Alice prefers German.\n`, appended: 1, dropped: 0, truncated: false },
  },
  {
    name: 'appends after existing entries, in order',
    current: `${header}\n- one\n`,
    updates: ['two', 'three'],
    want: { content: `${header}\n- one\n- two\n- three\n`, appended: 2, dropped: 0, truncated: false },
  },
  {
    name: 'a multi-line update is one indented entry',
    current: header,
    updates: ['Cluster prod-eu:\n- 3 nodes\n\nregion eu-west'],
    want: {
      content: `${header}\n- Cluster prod-eu:\n  - 3 nodes\n\n  region eu-west\n`,
      appended: 1,
      dropped: 0,
      truncated: false,
    },
  },
  {
    name: 'a list-item update keeps a single bullet; duplicates and blanks are skipped',
    current: `${header}\n- one\n`,
    updates: ['- two', 'one', '   ', 'two'],
    want: { content: `${header}\n- one\n- two\n`, appended: 1, dropped: 0, truncated: false },
  },
  {
    name: 'no updates leave the document as it is',
    current: `${header}\n- one\n`,
    updates: [],
    want: { content: `${header}\n- one\n`, appended: 0, dropped: 0, truncated: false },
  },
  {
    name: 'over the limit: the oldest entries go, the header and newest stay',
    // header (18) + blank line (1) + four 256-byte entries = 1043 > 1024
    current: `${header}\n- ${entryOf('a', 256)}\n- ${entryOf('b', 256)}\n- ${entryOf('c', 256)}\n`,
    updates: [entryOf('d', 256)],
    maxSizeKB: 1,
    want: {
      content: `${header}\n- ${entryOf('b', 256)}\n- ${entryOf('c', 256)}\n- ${entryOf('d', 256)}\n`,
      appended: 1,
      dropped: 1,
      truncated: true,
    },
  },
  {
    name: 'an update that can never fit is dropped without evicting older entries',
    current: `${header}\n- old\n`,
    updates: [entryOf('x', 2048)],
    maxSizeKB: 1,
    want: { content: `${header}\n- old\n`, appended: 0, dropped: 1, truncated: true },
  },
  {
    name: 'sizes count UTF-8 bytes, not characters',
    // 330 three-byte characters (993 bytes as an entry) fit beside the header, not also beside "old"
    current: `${header}\n- ${'o'.repeat(20)}\n`,
    updates: ['€'.repeat(330)],
    maxSizeKB: 1,
    want: { content: `${header}\n- ${'€'.repeat(330)}\n`, appended: 1, dropped: 1, truncated: true },
  },
];

describe('applyMemoryUpdates', () => {
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(applyMemoryUpdates(c.current, c.updates, c.maxSizeKB ?? 256), c.want));
  }
});
