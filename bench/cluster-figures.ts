// Benchmark: warm `hack/cluster up` time, then the idle memory of the running cluster (RSS of each
// component and the sum, after a settling period), then `down` time. Needs root.
// Usage: node bench/cluster-figures.ts [settleSeconds]
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { clusterDown, clusterUp } from '../test/harness/cluster/cluster.ts';
import { defaultClusterPaths } from '../test/harness/cluster/cluster-layout.ts';
import { readPidFiles } from '../test/harness/cluster/host.ts';

const settleSeconds = Number(process.argv[2] ?? 30);
const quiet = () => undefined;

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kib / 1024;
}

await clusterDown(defaultClusterPaths, quiet);
let begin = performance.now();
await clusterUp(defaultClusterPaths, quiet);
console.log(`cluster up (warm binaries, clean host)   ${((performance.now() - begin) / 1000).toFixed(1)} s`);

await sleep(settleSeconds * 1000);
let total = 0;
for (const { name, pid } of await readPidFiles(defaultClusterPaths.pidDir)) {
  const rss = await rssMiB(pid);
  total += rss;
  console.log(`  idle RSS ${name.padEnd(26)} ${rss.toFixed(0).padStart(5)} MiB`);
}
console.log(`idle RSS of the cluster (no workloads)   ${total.toFixed(0)} MiB after ${settleSeconds} s`);

begin = performance.now();
await clusterDown(defaultClusterPaths, quiet);
console.log(`cluster down                             ${((performance.now() - begin) / 1000).toFixed(1)} s`);
