// The Job that carries out one AgentRun: the agent runner, the IPC bridge as a native sidecar and,
// when the run has one, the sandbox as a second native sidecar, so the Job completes when the runner
// exits. The pod holds no Kubernetes credentials, runs hardened, and gets the provider key as a file;
// its deadline is the run's timeout. Built from the effective run only, so what runs is exactly what
// the policy allowed.
import { K8sClawError, labels, type AgentRun } from '../api/index.ts';
import { agentPodPaths } from './agent-pod-paths.ts';
import { memoryFileKey } from './build-memory-configmap.ts';
import { buildOwnerReference } from './build-owner-reference.ts';
import { buildSandboxCommand, sandboxExecDir } from './sandbox-exec.ts';
import { skillConfigMapKey } from './build-skillpack-configmap.ts';
import { agentJobName } from './child-names.ts';
import { buildContainerSecurityContext, buildPodSecurityContext } from './hardened-security-context.ts';
import type {
  Container,
  EnvVar,
  ImagePullPolicy,
  JobManifest,
  ResourceRequirements,
  Volume,
  VolumeMount,
} from './kubernetes-manifests.ts';
import { buildObjectLabels } from './object-labels.ts';
import { withDefaultResources } from './default-resources.ts';
import type { EffectiveRun, EnabledSandbox } from './resolve-effective-run.ts';

/** A SkillPack as far as mounting it goes: its name and the names of its skills. */
export interface ResolvedSkillPack {
  name: string;
  skills: readonly string[];
}

export interface BuildAgentJobOptions {
  agentImage: string;
  ipcBridgeImage: string;
  eventBusUrl: string;
  /** Every pack in `effective.skills`, read by the caller from the SkillPacks. */
  skillPacks: readonly ResolvedSkillPack[];
  imagePullPolicy?: ImagePullPolicy;
  agentResources?: ResourceRequirements;
  ipcBridgeResources?: ResourceRequirements;
  /** Size limit of the /workspace scratch volume. */
  workspaceSizeLimit?: string;
  /** Arguments for the agent image's entrypoint (none: the image's own default). */
  agentArgs?: readonly string[];
  /** Secret (key `bus.creds`) with the bridge's event bus credentials; none: the bus needs none. */
  busCredentialsSecretName?: string;
  /** Arguments for the IPC bridge image's entrypoint (none: the image's own default). */
  ipcBridgeArgs?: readonly string[];
}

export const agentContainerName = 'agent';
export const ipcBridgeContainerName = 'ipc-bridge';
export const sandboxContainerName = 'sandbox';

export const defaultAgentResources: ResourceRequirements = {
  requests: { cpu: '100m', memory: '256Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};
/** Idle most of the time, but the agent waits for its start: a low CPU limit tripled that wait. */
export const defaultIpcBridgeResources: ResourceRequirements = {
  requests: { cpu: '20m', memory: '32Mi' },
  limits: { cpu: '1', memory: '128Mi' },
};
/** What the sandbox gets when neither the run nor its policy says (a policy's maxima come first). */
export const defaultSandboxResources: Required<ResourceRequirements> = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '1', memory: '512Mi' },
};
const defaultWorkspaceSizeLimit = '1Gi';
const ipcSizeLimit = '64Mi';
const tmpSizeLimit = '256Mi';
/** Read for owner and group only: the pod's fsGroup owns the projected files. */
const readOnlyFileMode = 0o440;

const volumeNames = {
  ipc: 'ipc',
  workspace: 'workspace',
  tmp: 'tmp',
  sandboxTmp: 'sandbox-tmp',
  skills: 'skills',
  memory: 'memory',
  providerCredentials: 'provider-credentials',
  busCredentials: 'bus-credentials',
  sandboxExec: 'sandbox-exec',
} as const;

export function buildAgentJob(
  run: AgentRun,
  effective: EffectiveRun,
  options: BuildAgentJobOptions,
): JobManifest {
  const runName = run.metadata.name;
  const objectLabels = buildObjectLabels('agent-run', {
    [labels.instance]: effective.instanceName,
    [labels.run]: runName,
  });
  const skillItems = skillProjection(effective, options.skillPacks);
  const volumes = buildVolumes(effective, skillItems, options);

  const initContainers = [buildIpcBridge(run, effective, options)];
  if (effective.sandbox.enabled) initContainers.push(buildSandbox(effective.sandbox, options));

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: agentJobName(runName),
      namespace: run.metadata.namespace,
      labels: objectLabels,
      ownerReferences: [buildOwnerReference(run)],
    },
    spec: {
      // a failed run is reported, not retried: a retry would repeat its side effects
      backoffLimit: 0,
      activeDeadlineSeconds: effective.timeoutSeconds,
      template: {
        metadata: {
          labels: { ...objectLabels },
          annotations: { 'kubectl.kubernetes.io/default-container': agentContainerName },
        },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: buildPodSecurityContext(),
          initContainers,
          containers: [buildAgent(run, effective, skillItems.length > 0, options)],
          volumes,
        },
      },
    },
  };
}

interface SkillSource {
  configMapName: string;
  items: { key: string; path: string }[];
}

/** One projected source per pack, each skill at <pack>/<skill>/SKILL.md. */
function skillProjection(effective: EffectiveRun, packs: readonly ResolvedSkillPack[]): SkillSource[] {
  const sources: SkillSource[] = [];
  for (const pack of effective.skills) {
    const resolved = packs.find((candidate) => candidate.name === pack.name);
    if (!resolved) {
      throw new K8sClawError(
        'SkillPackNotResolved',
        `SkillPack ${pack.name} of the run was not passed to buildAgentJob: resolve every pack first`,
      );
    }
    if (resolved.skills.length === 0) continue;
    sources.push({
      configMapName: pack.configMapName,
      items: resolved.skills.map((skill) => ({
        key: skillConfigMapKey(skill),
        path: `${pack.name}/${skill}/SKILL.md`,
      })),
    });
  }
  return sources;
}

function buildVolumes(
  effective: EffectiveRun,
  skills: readonly SkillSource[],
  options: BuildAgentJobOptions,
): Volume[] {
  const volumes: Volume[] = [
    { name: volumeNames.ipc, emptyDir: { medium: 'Memory', sizeLimit: ipcSizeLimit } },
    {
      name: volumeNames.workspace,
      emptyDir: { sizeLimit: options.workspaceSizeLimit ?? defaultWorkspaceSizeLimit },
    },
    { name: volumeNames.tmp, emptyDir: { sizeLimit: tmpSizeLimit } },
  ];
  if (effective.sandbox.enabled) {
    volumes.push(
      { name: volumeNames.sandboxTmp, emptyDir: { sizeLimit: tmpSizeLimit } },
      // command requests and their outputs, between the runner and the sandbox only
      { name: volumeNames.sandboxExec, emptyDir: { medium: 'Memory', sizeLimit: ipcSizeLimit } },
    );
  }
  if (skills.length > 0) {
    volumes.push({
      name: volumeNames.skills,
      projected: {
        sources: skills.map((source) => ({
          configMap: { name: source.configMapName, items: source.items },
        })),
        defaultMode: readOnlyFileMode,
      },
    });
  }
  if (effective.memory.enabled) {
    volumes.push({
      name: volumeNames.memory,
      configMap: {
        name: effective.memory.configMapName,
        items: [{ key: memoryFileKey, path: memoryFileKey }],
        defaultMode: readOnlyFileMode,
      },
    });
  }
  if (options.busCredentialsSecretName) {
    volumes.push({
      name: volumeNames.busCredentials,
      secret: {
        secretName: options.busCredentialsSecretName,
        items: [{ key: agentPodPaths.busCredentialsFile, path: agentPodPaths.busCredentialsFile }],
        defaultMode: readOnlyFileMode,
      },
    });
  }
  if (effective.authSecretRef) {
    volumes.push({
      name: volumeNames.providerCredentials,
      secret: {
        secretName: effective.authSecretRef.name,
        items: [{ key: effective.authSecretRef.key, path: agentPodPaths.providerKeyFile }],
        defaultMode: readOnlyFileMode,
      },
    });
  }
  return volumes;
}

function buildAgent(
  run: AgentRun,
  effective: EffectiveRun,
  hasSkills: boolean,
  options: BuildAgentJobOptions,
): Container {
  const mounts: VolumeMount[] = [
    { name: volumeNames.ipc, mountPath: agentPodPaths.ipc },
    { name: volumeNames.workspace, mountPath: agentPodPaths.workspace },
    { name: volumeNames.tmp, mountPath: agentPodPaths.tmp },
  ];
  if (hasSkills) mounts.push({ name: volumeNames.skills, mountPath: agentPodPaths.skills, readOnly: true });
  if (effective.sandbox.enabled) mounts.push({ name: volumeNames.sandboxExec, mountPath: sandboxExecDir });
  if (effective.memory.enabled) {
    mounts.push({ name: volumeNames.memory, mountPath: agentPodPaths.memory, readOnly: true });
  }
  if (effective.authSecretRef) {
    mounts.push({
      name: volumeNames.providerCredentials,
      mountPath: agentPodPaths.providerCredentials,
      readOnly: true,
    });
  }
  return {
    name: agentContainerName,
    image: options.agentImage,
    ...(options.agentArgs ? { args: [...options.agentArgs] } : {}),
    ...pullPolicy(options),
    env: buildAgentEnv(run, effective, hasSkills),
    volumeMounts: mounts,
    resources: options.agentResources ?? defaultAgentResources,
    securityContext: buildContainerSecurityContext(),
    // the runner writes a short summary there; its logs are the fallback when it crashes first
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/**
 * The runner's configuration. Lists of tool names are comma-separated (names are [a-z0-9_]);
 * structured values are JSON. The API key is only ever named by its file path.
 */
function buildAgentEnv(run: AgentRun, effective: EffectiveRun, hasSkills: boolean): EnvVar[] {
  const env: EnvVar[] = [
    ...runIdentityEnv(run, effective),
    value('K8SCLAW_AGENT_ID', effective.agentId),
    value('K8SCLAW_TASK', run.spec.task),
    value('K8SCLAW_PROVIDER', effective.provider),
    value('K8SCLAW_MODEL', effective.model),
    value('K8SCLAW_THINKING', effective.thinking),
    value('K8SCLAW_TIMEOUT_SECONDS', String(effective.timeoutSeconds)),
    value('K8SCLAW_TOOLS', effective.tools.join(',')),
    value('K8SCLAW_TOOLS_NEEDING_APPROVAL', effective.toolsNeedingApproval.join(',')),
    value('K8SCLAW_FEATURE_GATES', JSON.stringify(effective.featureGates)),
    value('K8SCLAW_SANDBOX_ENABLED', String(effective.sandbox.enabled)),
    value('K8SCLAW_SPAWN_DEPTH', String(effective.spawnDepth)),
    value('K8SCLAW_SUBAGENT_LIMITS', JSON.stringify(effective.subagents)),
    // host rules cannot be expressed in a NetworkPolicy, so the runner enforces them
    value(
      'K8SCLAW_EGRESS_POLICY',
      JSON.stringify({
        denyAll: effective.network.denyAll,
        allowedHosts: effective.network.allowedEgress
          .filter((rule) => rule.host !== undefined)
          .map((rule) => ({ host: rule.host, port: rule.port })),
      }),
    ),
    value('MEMORY_ENABLED', String(effective.memory.enabled)),
    value('K8SCLAW_IPC_DIR', agentPodPaths.ipc),
    value('K8SCLAW_WORKSPACE_DIR', agentPodPaths.workspace),
  ];
  if (effective.baseURL) env.push(value('K8SCLAW_BASE_URL', effective.baseURL));
  if (effective.authSecretRef) {
    env.push(
      value(
        'K8SCLAW_PROVIDER_KEY_FILE',
        `${agentPodPaths.providerCredentials}/${agentPodPaths.providerKeyFile}`,
      ),
    );
  }
  if (effective.systemPrompt) env.push(value('K8SCLAW_SYSTEM_PROMPT', effective.systemPrompt));
  if (effective.sandbox.enabled) env.push(value('K8SCLAW_EXEC_DIR', sandboxExecDir));
  if (run.spec.parent) env.push(value('K8SCLAW_PARENT_RUN', run.spec.parent.runName));
  if (hasSkills) env.push(value('K8SCLAW_SKILLS_DIR', agentPodPaths.skills));
  if (effective.memory.enabled) {
    env.push(value('K8SCLAW_MEMORY_FILE', `${agentPodPaths.memory}/${memoryFileKey}`));
  }
  // only a run that may post learns where it could
  if (effective.tools.includes('send_channel_message') && effective.channelTargets.length > 0) {
    env.push(value('K8SCLAW_CHANNEL_TARGETS', JSON.stringify(effective.channelTargets)));
  }
  return env;
}

/** What both the runner and the bridge need to name the run in files and event subjects. */
function runIdentityEnv(run: AgentRun, effective: EffectiveRun): EnvVar[] {
  const env = [
    value('K8SCLAW_RUN_NAME', run.metadata.name),
    value('K8SCLAW_NAMESPACE', run.metadata.namespace),
    value('INSTANCE_NAME', effective.instanceName),
  ];
  if (run.metadata.uid) env.push(value('K8SCLAW_RUN_UID', run.metadata.uid));
  if (effective.sessionKey) env.push(value('K8SCLAW_SESSION_KEY', effective.sessionKey));
  return env;
}

function buildIpcBridge(run: AgentRun, effective: EffectiveRun, options: BuildAgentJobOptions): Container {
  const env = [
    ...runIdentityEnv(run, effective),
    value('EVENT_BUS_URL', options.eventBusUrl),
    value('K8SCLAW_IPC_DIR', agentPodPaths.ipc),
    value('K8SCLAW_BRIDGE_READY_FILE', agentPodPaths.bridgeReadyFile),
  ];
  const volumeMounts: VolumeMount[] = [{ name: volumeNames.ipc, mountPath: agentPodPaths.ipc }];
  if (options.busCredentialsSecretName) {
    env.push(
      value(
        'K8SCLAW_BUS_CREDENTIALS_FILE',
        `${agentPodPaths.busCredentials}/${agentPodPaths.busCredentialsFile}`,
      ),
    );
    volumeMounts.push({
      name: volumeNames.busCredentials,
      mountPath: agentPodPaths.busCredentials,
      readOnly: true,
    });
  }
  return {
    name: ipcBridgeContainerName,
    image: options.ipcBridgeImage,
    ...(options.ipcBridgeArgs ? { args: [...options.ipcBridgeArgs] } : {}),
    ...pullPolicy(options),
    restartPolicy: 'Always',
    env,
    volumeMounts,
    // the kubelet starts the agent only once this passes, so nothing the agent writes or a SIGTERM
    // can reach a bridge that is still loading
    startupProbe: {
      exec: { command: ['node', '-e', `fs.accessSync(${JSON.stringify(agentPodPaths.bridgeReadyFile)})`] },
      periodSeconds: 1,
      timeoutSeconds: 5,
      failureThreshold: 120,
    },
    resources: options.ipcBridgeResources ?? defaultIpcBridgeResources,
    securityContext: buildContainerSecurityContext(),
  };
}

/**
 * The sandbox runs the command loop of sandbox-exec.ts in place of its image's entrypoint (any
 * image with /bin/sh works): it runs the runner's command requests in /workspace.
 */
function buildSandbox(sandbox: EnabledSandbox, options: BuildAgentJobOptions): Container {
  const { resources } = sandbox;
  return {
    name: sandboxContainerName,
    image: sandbox.image,
    ...buildSandboxCommand({ execDir: sandboxExecDir, workspaceDir: agentPodPaths.workspace }),
    ...pullPolicy(options),
    restartPolicy: 'Always',
    volumeMounts: [
      { name: volumeNames.workspace, mountPath: agentPodPaths.workspace },
      { name: volumeNames.sandboxTmp, mountPath: agentPodPaths.tmp },
      { name: volumeNames.sandboxExec, mountPath: sandboxExecDir },
    ],
    // commands run here: never without limits
    resources: withDefaultResources(resources, defaultSandboxResources),
    securityContext: buildContainerSecurityContext(),
  };
}

function pullPolicy(options: BuildAgentJobOptions): { imagePullPolicy?: ImagePullPolicy } {
  return options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {};
}

function value(name: string, text: string): EnvVar {
  return { name, value: text };
}
