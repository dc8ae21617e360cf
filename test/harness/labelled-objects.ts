// Every object in the cluster, namespaced or cluster-scoped, that carries K8sClaw's part-of label:
// what install created (directly or through controllers), and what uninstall must leave none of.
import { kubectl } from './kubectl.ts';

export interface LabelledObject {
  /** Kind/namespace/name */
  id: string;
  kind: string;
  /** Spec version: metadata.generation where the kind has one, else the resourceVersion. */
  specVersion: string;
}

interface ListedItem {
  kind: string;
  metadata: { namespace?: string; name: string; generation?: number; resourceVersion: string };
}

export async function listLabelledObjects(kubeconfig: string): Promise<LabelledObject[]> {
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
    'json',
  );
  const items = (JSON.parse(out) as { items: ListedItem[] }).items;
  return items
    .map((item) => ({
      id: `${item.kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`,
      kind: item.kind,
      specVersion: String(item.metadata.generation ?? item.metadata.resourceVersion),
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
