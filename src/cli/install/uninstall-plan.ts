// Pure decisions of `k8sclaw uninstall`: which finalizers it releases, and how it names what is
// still there when a wait runs out, so a stuck uninstall says exactly what holds it.
import { group } from '../../api/index.ts';

/** The finalizers left once K8sClaw's own are released, or undefined when it holds none. */
export function releaseOurFinalizers(finalizers: readonly string[] | undefined): string[] | undefined {
  const all = finalizers ?? [];
  const remaining = all.filter((f) => !f.startsWith(`${group}/`));
  return remaining.length === all.length ? undefined : remaining;
}

export interface RemainingObject {
  kind: string;
  namespace?: string | undefined;
  name: string;
  finalizers?: readonly string[] | undefined;
  deleting?: boolean;
}

/**
 * "2 left: ClawInstance team-a/alice (finalizers: k8sclaw.io/instance), Pod … and 3 more".
 * Names at most `limit` objects; a finalizer is what usually holds an object, so it is shown.
 */
export function describeRemaining(objects: readonly RemainingObject[], limit = 5): string {
  const shown = objects.slice(0, limit).map((o) => {
    const id = `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
    const details = [
      ...(o.deleting ? ['deleting'] : []),
      ...(o.finalizers?.length ? [`finalizers: ${o.finalizers.join(', ')}`] : []),
    ];
    return details.length > 0 ? `${id} (${details.join('; ')})` : id;
  });
  const more = objects.length > limit ? ` and ${objects.length - limit} more` : '';
  return `${objects.length} left: ${shown.join(', ')}${more}`;
}
