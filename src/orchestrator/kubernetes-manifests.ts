// The shapes of the Kubernetes objects the orchestrator builds, kept lean and local: only the fields
// K8sClaw sets are typed. They are plain JSON-able objects, so this folder needs no Kubernetes
// client; the kube component applies them as they are.
import type { OwnerReference } from '../api/index.ts';

export interface ManifestMetadata {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences: OwnerReference[];
}

export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface ContainerSecurityContext {
  allowPrivilegeEscalation: false;
  readOnlyRootFilesystem: true;
  runAsNonRoot: true;
  capabilities: { drop: ['ALL'] };
}

export interface PodSecurityContext {
  runAsNonRoot: true;
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  seccompProfile: { type: 'RuntimeDefault' };
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: ImagePullPolicy;
  command?: string[];
  args?: string[];
  /** Only `Always`, on init containers: a native sidecar that lives as long as the pod. */
  restartPolicy?: 'Always';
  env?: EnvVar[];
  volumeMounts?: VolumeMount[];
  resources?: ResourceRequirements;
  securityContext: ContainerSecurityContext;
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError';
  ports?: ContainerPort[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
}

export interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: 'TCP';
}

export interface Probe {
  exec?: { command: string[] };
  httpGet?: { path: string; port: string | number };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  timeoutSeconds?: number;
}

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface Volume {
  name: string;
  emptyDir?: { medium?: 'Memory'; sizeLimit?: string };
  configMap?: { name: string; items?: KeyToPath[]; defaultMode?: number };
  secret?: { secretName: string; items?: KeyToPath[]; defaultMode?: number };
  projected?: { sources: { configMap: { name: string; items: KeyToPath[] } }[]; defaultMode?: number };
}

export interface PodSpec {
  restartPolicy: 'Never' | 'Always';
  automountServiceAccountToken: false;
  enableServiceLinks: false;
  securityContext: PodSecurityContext;
  initContainers?: Container[];
  containers: Container[];
  volumes: Volume[];
}

export interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface JobManifest {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ManifestMetadata;
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    template: PodTemplate;
  };
}

export interface DeploymentManifest {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ManifestMetadata;
  spec: {
    replicas: number;
    revisionHistoryLimit: number;
    strategy: { type: 'Recreate' };
    selector: { matchLabels: Record<string, string> };
    template: PodTemplate;
  };
}

export interface ServiceManifest {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: ManifestMetadata;
  spec: {
    type: 'ClusterIP';
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: string; protocol: 'TCP' }[];
  };
}

export interface ConfigMapManifest {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ManifestMetadata;
  data: Record<string, string>;
}

export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ManifestMetadata;
  type?: string;
  stringData: Record<string, string>;
}

export interface LabelSelector {
  matchLabels: Record<string, string>;
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

export interface NetworkPolicyPort {
  protocol: 'TCP' | 'UDP';
  port: number;
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyManifest {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: ManifestMetadata;
  spec: {
    podSelector: LabelSelector;
    policyTypes: ['Ingress', 'Egress'];
    ingress: [];
    egress: NetworkPolicyEgressRule[];
  };
}
