// Benchmark: how long the integration harness takes to start (etcd + kube-apiserver, with and
// without kube-controller-manager), and NATS and PostgreSQL launchers. Prints one line per figure.
// Usage: node bench/harness-start.ts [runs]
import { startControlPlane } from '../test/harness/control-plane.ts';
import { startNatsServer } from '../test/harness/nats-server.ts';
import { startPostgres } from '../test/harness/postgres.ts';

const runs = Number(process.argv[2] ?? 5);

async function measure(name: string, start: () => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const begin = performance.now();
    const server = await start();
    samples.push(performance.now() - begin);
    await server.stop();
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? 0;
  const max = samples[samples.length - 1] ?? 0;
  console.log(
    `${name.padEnd(44)} median ${(median / 1000).toFixed(2)} s   max ${(max / 1000).toFixed(2)} s   (${runs} runs)`,
  );
}

await measure('etcd + kube-apiserver', () => startControlPlane());
await measure('etcd + kube-apiserver + kube-controller-manager', () =>
  startControlPlane({ controllerManager: true }),
);
await measure('nats-server (JetStream)', async () => {
  const nats = await startNatsServer();
  return { stop: () => nats.destroy() };
});
await measure('PostgreSQL (initdb + start)', () => startPostgres());
