// Every object in the cluster, namespaced or cluster-scoped, that carries K8sClaw's part-of label,
// with its resourceVersion: what install created, and what uninstall must leave none of.
import { kubectl } from './kubectl.ts';

export async function listLabelledObjects(kubeconfig: string): Promise<string[]> {
  const resources = (await kubectl(kubeconfig, 'api-resources', '--verbs=list', '-o', 'name'))
    .trim()
    .split('\n');
  const out = await kubectl(
    kubeconfig,
    'get',
    resources.join(','),
    '--all-namespaces',
    '-l',
    'app.kubernetes.io/part-of=k8sclaw',
    '-o',
    'jsonpath={range .items[*]}{.kind}/{.metadata.namespace}/{.metadata.name} {.metadata.resourceVersion}{"\\n"}{end}',
  );
  return out
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .sort();
}
