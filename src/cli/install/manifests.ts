// What `k8sclaw install` applies, in order: the namespace, the CRDs (built from src/api), then the
// YAML under config/ for each component that exists, and last the admission webhook configurations
// (held back until the webhook serves, then given its caBundle). Pure transforms adapt them to a
// profile and a version; reading the files is the only I/O here.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { buildCustomResourceDefinition, kinds, labelValues, labels } from '../../api/index.ts';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export const installNamespace = 'k8sclaw-system';

/** Folders of config/ applied after the CRDs, in this order. */
export const componentFolders = [
  'rbac',
  'nats',
  'postgres',
  'manager',
  'apiserver',
  'webhook',
  'network',
] as const;

/** The Secret the webhook keeps its CA and serving certificate in (see src/webhook). */
export const webhookTlsSecret = 'k8sclaw-webhook-tls';
const admissionKinds = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

/**
 * The admission webhook configurations apart from everything else: they fail closed, so they are
 * applied only once the webhook serves, or the apiserver would refuse writes in the meantime.
 */
export function splitAdmission(manifests: Manifest[]): { workloads: Manifest[]; admission: Manifest[] } {
  return {
    workloads: manifests.filter((m) => !admissionKinds.has(m.kind)),
    admission: manifests.filter((m) => admissionKinds.has(m.kind)),
  };
}

/** The admission configurations with `caBundle` (PEM) on every webhook; others unchanged. */
export function withCaBundle(manifests: Manifest[], caBundle: string): Manifest[] {
  const value = Buffer.from(caBundle, 'utf8').toString('base64');
  return manifests.map((original) => {
    if (!admissionKinds.has(original.kind)) return original;
    const manifest = structuredClone(original);
    for (const webhook of (manifest.webhooks ?? []) as { clientConfig?: Record<string, unknown> }[])
      webhook.clientConfig = { ...webhook.clientConfig, caBundle: value };
    return manifest;
  });
}

export interface Profile {
  /** Image repository → replacement repository (the tag is kept). */
  images: Record<string, string>;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

export const defaultProfile: Profile = { images: {} };
/** Our own images are published under this repository prefix, tagged with the release version. */
export const releaseImagePrefix = 'ghcr.io/k8sclaw/';

async function readYamlFolder(dir: string): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const manifests: Manifest[] = [];
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(path.join(dir, file), 'utf8'))) {
      const value = document.toJS() as Manifest | null;
      if (value) manifests.push(value);
    }
  }
  return manifests;
}

export async function loadManifests(configDir: string): Promise<Manifest[]> {
  const namespace = await readYamlFolder(path.join(configDir, 'namespace'));
  const crds = kinds.map((kind) => buildCustomResourceDefinition(kind) as unknown as Manifest);
  const components: Manifest[] = [];
  for (const folder of componentFolders)
    components.push(...(await readYamlFolder(path.join(configDir, folder))));
  return [...namespace, ...crds, ...components];
}

export async function loadProfile(configDir: string, name: string | undefined): Promise<Profile> {
  if (!name || name === 'default') return defaultProfile;
  const file = path.join(configDir, 'profiles', `${name}.yaml`);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`unknown profile "${name}" (no ${path.relative(process.cwd(), file)})`);
  });
  const profile = parse(text) as Partial<Profile>;
  return {
    images: profile.images ?? {},
    ...(profile.imagePullPolicy ? { imagePullPolicy: profile.imagePullPolicy } : {}),
  };
}

/** Splits `repo[:tag]` (a registry port is part of the repo). */
export function splitImage(image: string): { repository: string; tag: string | undefined } {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash
    ? { repository: image.slice(0, colon), tag: image.slice(colon + 1) }
    : { repository: image, tag: undefined };
}

/** A profile maps repositories exactly, or every repository under a prefix ending in '/'. */
export function resolveImage(image: string, profile: Profile, version: string): string {
  const { repository, tag } = splitImage(image);
  const ourTag = repository.startsWith(releaseImagePrefix) ? version : tag;
  const prefix = Object.keys(profile.images).find((key) => key.endsWith('/') && repository.startsWith(key));
  const target =
    profile.images[repository] ??
    (prefix ? `${profile.images[prefix]}${repository.slice(prefix.length)}` : repository);
  return ourTag ? `${target}:${ourTag}` : target;
}

interface ContainerLike {
  image?: string;
  imagePullPolicy?: string;
  env?: { name: string; value?: string }[];
}

interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
}

function podSpecOf(manifest: Manifest): PodSpecLike | undefined {
  const spec = manifest.spec as
    | { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } }
    | undefined;
  return spec?.template?.spec ?? spec?.jobTemplate?.spec?.template?.spec;
}

/** Images and pull policy of the profile, our images at `version`, and our labels on everything. */
export function applyProfile(manifests: Manifest[], profile: Profile, version: string): Manifest[] {
  return manifests.map((original) => {
    const manifest = structuredClone(original);
    manifest.metadata.labels = { ...manifest.metadata.labels, [labels.partOf]: labelValues.partOf };
    const podSpec = podSpecOf(manifest);
    for (const container of [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])]) {
      if (container.image) container.image = resolveImage(container.image, profile, version);
      if (profile.imagePullPolicy) container.imagePullPolicy = profile.imagePullPolicy;
      // images a component starts itself (agent pods) are passed as *_IMAGE variables
      for (const variable of container.env ?? []) {
        if (variable.name.endsWith('_IMAGE') && variable.value)
          variable.value = resolveImage(variable.value, profile, version);
      }
      if (profile.imagePullPolicy && container.env?.some((v) => v.name.endsWith('_IMAGE'))) {
        container.env = [
          ...container.env.filter((v) => v.name !== 'K8SCLAW_IMAGE_PULL_POLICY'),
          { name: 'K8SCLAW_IMAGE_PULL_POLICY', value: profile.imagePullPolicy },
        ];
      }
    }
    return manifest;
  });
}

export function describeManifest(manifest: Manifest): string {
  const namespace = manifest.metadata.namespace ? `${manifest.metadata.namespace}/` : '';
  return `${manifest.kind.toLowerCase()}/${namespace}${manifest.metadata.name}`;
}
