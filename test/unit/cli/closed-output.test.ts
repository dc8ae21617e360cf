// The k8sclaw command whose reader stops early (`k8sclaw runs list | head`): its output pipe is
// closed before it writes, and it stops quietly instead of crashing with a stack trace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../../harness/binaries.ts';

describe('k8sclaw with its output closed by the reader', () => {
  it('exits 0 and prints nothing on stderr', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'src', 'cmd', 'k8sclaw.ts'), '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // the only reader goes away before the CLI has started, so its first write finds no reader
    child.stdout.destroy();
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(errors, '');
    assert.equal(code, 0);
  });
});
