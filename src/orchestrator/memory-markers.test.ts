import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractMemoryMarkers, type ExtractedMemory } from './memory-markers.ts';

const cases: { name: string; output: string; want: ExtractedMemory }[] = [
  {
    name: 'no markers: the output unchanged',
    output: 'All pods are healthy.',
    want: { cleaned: 'All pods are healthy.', updates: [] },
  },
  {
    name: 'one marker on its own lines',
    output: 'Done.\n\n<!-- memory:append -->\nAlice prefers German.\n<!-- /memory -->\n\nBye.',
    want: { cleaned: 'Done.\n\nBye.', updates: ['Alice prefers German.'] },
  },
  {
    name: 'several markers, inline and multi-line, in order',
    output: [
      'Hi <!-- memory:append -->uses zsh<!-- /memory -->there.',
      '<!--memory:append-->',
      'Cluster prod-eu:',
      '- 3 nodes',
      '<!-- /memory -->',
      'End.',
    ].join('\n'),
    want: {
      cleaned: 'Hi there.\n\nEnd.',
      updates: ['uses zsh', 'Cluster prod-eu:\n- 3 nodes'],
    },
  },
  {
    name: 'empty markers propose nothing',
    output: 'Text <!-- memory:append -->  \n <!-- /memory -->',
    want: { cleaned: 'Text', updates: [] },
  },
  {
    name: 'an unclosed marker is removed and its text stays visible',
    output: 'Answer.\n<!-- memory:append -->\nhalf a thought',
    want: { cleaned: 'Answer.\n\nhalf a thought', updates: [] },
  },
  {
    name: 'a stray closing marker is removed',
    output: 'Answer. <!-- /memory -->',
    want: { cleaned: 'Answer.', updates: [] },
  },
  {
    name: 'Windows line endings inside a marker are normalised',
    output: 'x<!-- memory:append -->\r\na\r\nb\r\n<!-- /memory -->',
    want: { cleaned: 'x', updates: ['a\nb'] },
  },
];

describe('extractMemoryMarkers', () => {
  for (const c of cases) {
    it(c.name, () => assert.deepEqual(extractMemoryMarkers(c.output), c.want));
  }
});
