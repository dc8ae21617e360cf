// The local cluster's clean-up stops processes by pid file and by command line. A stale pid file (the
// state of an earlier run on another boot or machine) or a marker in a parent's command line must never
// make it stop a process that is not the cluster's.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  findProcessesMentioning,
  readPidFiles,
  selfAndAncestors,
  writePidFile,
} from '../../harness/cluster/host.ts';

describe('cluster host processes', () => {
  let dir: string;
  const sleeper = spawn('sleep', ['37.25'], { stdio: 'ignore' });

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'k8sclaw-pids-'));
  });
  after(async () => {
    sleeper.kill();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back a pid file it wrote while the process lives', async () => {
    assert.ok(sleeper.pid);
    await writePidFile(dir, 'sleeper', sleeper.pid);
    assert.deepEqual(await readPidFiles(dir), [{ name: 'sleeper', pid: sleeper.pid }]);
  });

  it('ignores a pid file whose pid now names another process, or that has no start time', async () => {
    const stale = path.join(dir, 'stale.pid');
    await writeFile(stale, `${process.ppid} 1`);
    await writeFile(path.join(dir, 'bare.pid'), String(process.ppid));
    const names = (await readPidFiles(dir)).map((entry) => entry.name);
    assert.ok(!names.includes('stale') && !names.includes('bare'), `unexpected entries: ${names.join(', ')}`);
    await rm(stale);
  });

  it('spares this process and its ancestors, and finds the others', async () => {
    const spared = await selfAndAncestors();
    assert.ok(spared.has(process.pid) && spared.has(process.ppid));
    assert.ok(sleeper.pid && !spared.has(sleeper.pid));
    const parentCmdline = (await readFile(`/proc/${process.ppid}/cmdline`, 'utf8')).split('\0')[0] ?? '';
    const found = await findProcessesMentioning([parentCmdline, '37.25']);
    assert.ok(!found.some((p) => spared.has(p.pid)), 'an ancestor was listed');
    assert.ok(
      found.some((p) => p.pid === sleeper.pid),
      'the other process was not found',
    );
  });

  it('ignores a pid file once its process has exited', async () => {
    sleeper.kill();
    await once(sleeper, 'exit');
    assert.deepEqual(
      (await readPidFiles(dir)).filter((entry) => entry.name === 'sleeper'),
      [],
    );
  });
});
