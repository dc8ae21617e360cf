// Command line of the local cluster (called by hack/cluster): up | down | status | kubeconfig.
import { adminKubeconfigPath, clusterDown, clusterStatus, clusterUp } from './cluster.ts';

const usage = 'usage: hack/cluster up|down|status|kubeconfig';

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up':
      await clusterUp();
      return 0;
    case 'down':
      await clusterDown();
      return 0;
    case 'status':
      return (await clusterStatus()) ? 0 : 1;
    case 'kubeconfig':
      console.log(adminKubeconfigPath());
      return 0;
    default:
      console.error(usage);
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv[2]);
} catch (error) {
  console.error(
    `hack/cluster ${process.argv[2] ?? ''}: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exitCode = 1;
}
