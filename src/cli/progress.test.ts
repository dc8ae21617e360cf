import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { startProgress } from './progress.ts';

function stream(isTTY: boolean): {
  stream: PassThrough & { isTTY?: boolean; columns?: number };
  text: () => string;
} {
  const s = Object.assign(new PassThrough(), { isTTY, columns: 80 });
  const chunks: Buffer[] = [];
  s.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream: s, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('startProgress', () => {
  it('off a terminal: one plain line per change, no control characters', () => {
    const { stream: out, text } = stream(false);
    const progress = startProgress(out, 'run: Pending');
    progress.update('run: Pending');
    progress.update('run: Running');
    progress.update('run: Running');
    progress.stop('run: Succeeded');
    assert.equal(text(), 'run: Pending\nrun: Running\nrun: Succeeded\n');
  });

  it('off a terminal: the last state is not repeated at the end', () => {
    const { stream: out, text } = stream(false);
    const progress = startProgress(out, 'run: Failed');
    progress.stop('run: Failed', true);
    assert.equal(text(), 'run: Failed\n');
  });

  it('on a terminal: a spinner that redraws in place and ends with the final state', () => {
    const { stream: out, text } = stream(true);
    const progress = startProgress(out, 'run: Pending');
    progress.stop('run: Succeeded');
    assert.ok(text().includes('\u001b['), 'ANSI control sequences');
    assert.match(text(), /run: Succeeded/);
  });
});
