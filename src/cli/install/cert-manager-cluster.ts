// cert-manager in the cluster, as install and uninstall meet it (thin I/O around the pure parts in
// webhook-certificates.ts and cert-manager-tls.ts): whether it serves its kinds, the Secret it
// writes for the webhook (waited for, bounded), and removing the objects install made for it.
import { setTimeout as sleep } from 'node:timers/promises';
import { labelValues, labels } from '../../api/index.ts';
import { ignoreNotFound, isNotFound, undefinedIfNotFound, type KubeClient } from '../../kube/index.ts';
import { tlsPairOfSecretData } from '../../webhook/index.ts';
import { CliError } from '../cli-error.ts';
import { certManagerNames } from './cert-manager-tls.ts';
import { certManagerApiVersion, certManagerCrdNames, isCertManagerServed } from './webhook-certificates.ts';

/** Whether the cluster serves cert-manager's Certificate and Issuer kinds. */
export async function fetchCertManagerServed(kube: KubeClient): Promise<boolean> {
  const crds = [];
  for (const name of certManagerCrdNames)
    crds.push(await undefinedIfNotFound(kube.apiextensions.readCustomResourceDefinition({ name })));
  return isCertManagerServed(crds);
}

/**
 * Waits until cert-manager has written the serving Certificate's Secret (tls.crt, tls.key and
 * ca.crt, marked as that Certificate's) and returns its CA (PEM); past `timeoutMs` one sentence
 * names the Certificate to look at.
 */
export async function waitForIssuedSecret(
  kube: KubeClient,
  namespace: string,
  timeoutMs: number,
  intervalMs = 1_000,
): Promise<string> {
  const { servingCertificate: certificate, servingSecret: name } = certManagerNames;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const secret = await undefinedIfNotFound(kube.core.readNamespacedSecret({ namespace, name }));
    const contents = tlsPairOfSecretData(secret?.data);
    const ca = 'pair' in contents ? contents.caCert : undefined;
    if (ca && secret?.metadata?.annotations?.['cert-manager.io/certificate-name'] === certificate) return ca;
    if (Date.now() > deadline) {
      throw new CliError(
        'NotReady',
        `cert-manager has not issued certificate/${namespace}/${certificate} after ${Math.round(timeoutMs / 1000)}s (Secret ${namespace}/${name} ${secret ? 'is not complete' : 'does not exist'}); see kubectl describe certificate -n ${namespace} ${certificate}, and whether cert-manager runs`,
      );
    }
    await sleep(intervalMs);
  }
}

/**
 * Deletes the Certificates and Issuers install made for cert-manager (ours by label), serving
 * Certificate first; the Secrets cert-manager wrote carry our label too and go with them. Returns
 * what it deleted, as kind/name. Nothing to do where cert-manager's kinds are not served.
 */
export async function deleteCertManagerObjects(kube: KubeClient, namespace: string): Promise<string[]> {
  if (!(await fetchCertManagerServed(kube))) return [];
  const labelSelector = `${labels.partOf}=${labelValues.partOf}`;
  const deleted: string[] = [];
  for (const kind of ['Certificate', 'Issuer']) {
    const list = await kube.objects
      .list(certManagerApiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector)
      .catch((error: unknown) => (isNotFound(error) ? { items: [] } : Promise.reject(error)));
    for (const item of list.items) {
      const name = item.metadata?.name ?? '';
      await ignoreNotFound(
        kube.objects.delete({ apiVersion: certManagerApiVersion, kind, metadata: { name, namespace } }),
      );
      deleted.push(`${kind.toLowerCase()}/${name}`);
    }
  }
  const secrets = await kube.core
    .listNamespacedSecret({ namespace, labelSelector })
    .catch((error: unknown) => (isNotFound(error) ? { items: [] } : Promise.reject(error)));
  for (const secret of secrets.items) {
    const name = secret.metadata?.name ?? '';
    if (name !== certManagerNames.servingSecret && name !== certManagerNames.caSecret) continue;
    await ignoreNotFound(kube.core.deleteNamespacedSecret({ namespace, name }));
    deleted.push(`secret/${name}`);
  }
  return deleted;
}
