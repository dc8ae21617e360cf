// Runs last in `make e2e`: `hack/cluster down` must stop the cluster and leave no processes,
// mounts, network interfaces or namespaces, iptables chains, cgroups or state directories behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { repoRoot } from '../harness/binaries.ts';
import { findLeftovers, readCreatedHostPaths } from '../harness/cluster/cluster.ts';

const run = promisify(execFile);

describe('hack/cluster down', () => {
  it('stops the cluster and leaves nothing behind', async () => {
    const before = await findLeftovers();
    assert.ok(before.length > 0, 'the cluster must be up before this test (it runs after the e2e tier)');
    const createdHostPaths = await readCreatedHostPaths();
    await run(path.join(repoRoot, 'hack', 'cluster'), ['down'], { maxBuffer: 16 * 1024 * 1024 });
    assert.deepEqual(await findLeftovers(undefined, createdHostPaths), []);
  });

  it('is idempotent: a second down on a clean host succeeds', async () => {
    await run(path.join(repoRoot, 'hack', 'cluster'), ['down']);
    assert.deepEqual(await findLeftovers(), []);
  });
});
