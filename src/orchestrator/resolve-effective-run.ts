// What a run will actually get: the instance's defaults overlaid with the run's overrides, then
// narrowed by the bound ClawPolicy (feature gates, tool gating, sandbox, sub-agent and network
// rules). The admission webhook and the controller both call this, so policy is enforced by the same
// code twice; a run the policy forbids is a refusal value with a PascalCase reason, never a throw.
import {
  featureGateDefaults,
  featureGateNames,
  providersNeedingBaseUrl,
  providersNeedingKey,
  reasons,
  type AgentRun,
  type ClawInstance,
  type ChannelType,
  type ClawPolicy,
  type FeatureGate,
  type Provider,
  type ThinkingLevel,
  type ToolAction,
} from '../api/index.ts';
import { agentTools, toolFeatureGates, type AgentTool } from './agent-tools.ts';
import { memoryConfigMapName, skillPackConfigMapName } from './child-names.ts';
import type { ResourceRequirements } from './kubernetes-manifests.ts';
import { parseDurationSeconds } from './parse-duration.ts';
import { parseQuantity } from './parse-quantity.ts';

export interface EnabledSandbox {
  enabled: true;
  image: string;
  resources?: ResourceRequirements;
}

export type EffectiveSandbox = { enabled: false } | EnabledSandbox;

export interface EffectiveSkillPack {
  name: string;
  configMapName: string;
}

export interface EffectiveMemory {
  enabled: boolean;
  configMapName: string;
  maxSizeKB: number;
}

export interface SubagentLimits {
  maxDepth: number;
  maxConcurrent: number;
  maxChildrenPerAgent: number;
}

export interface EgressRule {
  host?: string;
  cidr?: string;
  port: number;
}

export interface EffectiveNetwork {
  denyAll: boolean;
  allowDNS: boolean;
  allowEventBus: boolean;
  allowedEgress: EgressRule[];
}

/** Chats of one channel a run may post to: the channel's `accessControl.allowedChats`. */
export interface ChannelTarget {
  channel: ChannelType;
  chats: string[];
}

export interface EffectiveRun {
  instanceName: string;
  policyName?: string;
  provider: Provider;
  model: string;
  baseURL?: string;
  thinking: ThinkingLevel;
  authSecretRef?: { name: string; key: string };
  timeoutSeconds: number;
  sandbox: EffectiveSandbox;
  featureGates: Record<FeatureGate, boolean>;
  /** Tools the agent may call, including those that need approval first. */
  tools: AgentTool[];
  /** The subset of `tools` the policy marks `ask`. */
  toolsNeedingApproval: AgentTool[];
  skills: EffectiveSkillPack[];
  memory: EffectiveMemory;
  systemPrompt?: string;
  sessionKey?: string;
  agentId: string;
  spawnDepth: number;
  subagents: SubagentLimits;
  network: EffectiveNetwork;
  /** Where send_channel_message may post; only channels that name their chats. */
  channelTargets: ChannelTarget[];
}

export type RefusalReason =
  typeof reasons.invalidSpec | typeof reasons.policyNotFound | typeof reasons.policyViolation;

export interface RunRefusal {
  ok: false;
  reason: RefusalReason;
  message: string;
}

export type EffectiveRunResult = { ok: true; effective: EffectiveRun } | RunRefusal;

export interface ResolveEffectiveRunOptions {
  /** Timeout when neither the run nor the instance sets one. */
  defaultTimeout?: string;
  /**
   * False when the instance's memory ConfigMap exists but belongs to someone else: the run then
   * gets no memory (no mount, no update_memory), as the instance's MemoryReady condition says.
   */
  memoryConfigMapOwned?: boolean;
}

export const defaultRunTimeout = '10m';
export const defaultAgentId = 'primary';
const defaultMemoryMaxSizeKB = 256;
const instanceSubagentDefaults = { maxDepth: 2, maxConcurrent: 5, maxChildrenPerAgent: 3 };
const policySubagentDefaults = { maxDepth: 3, maxConcurrent: 5 };

function refuse(reason: RefusalReason, message: string): RunRefusal {
  return { ok: false, reason, message };
}

function isRefusal(value: object): value is RunRefusal {
  return (value as Partial<RunRefusal>).ok === false;
}

export function resolveEffectiveRun(
  run: AgentRun,
  instance: ClawInstance,
  policy: ClawPolicy | undefined,
  options: ResolveEffectiveRunOptions = {},
): EffectiveRunResult {
  const outcome = resolve(run, instance, policy, options);
  return isRefusal(outcome) ? outcome : { ok: true, effective: outcome };
}

function resolve(
  run: AgentRun,
  instance: ClawInstance,
  policy: ClawPolicy | undefined,
  options: ResolveEffectiveRunOptions,
): EffectiveRun | RunRefusal {
  const instanceName = instance.metadata.name;
  if (run.spec.instanceRef !== instanceName) {
    return refuse(
      reasons.invalidSpec,
      `run ${run.metadata.name} belongs to instance ${run.spec.instanceRef}, not ${instanceName}`,
    );
  }
  // fail closed: an instance bound to a policy never runs without it
  const policyRef = instance.spec.policyRef;
  if (policyRef !== undefined && policy?.metadata.name !== policyRef) {
    return refuse(reasons.policyNotFound, `ClawPolicy ${policyRef} of instance ${instanceName} not found`);
  }

  const model = resolveModel(run, instance, policy);
  if (isRefusal(model)) return model;

  const timeout =
    run.spec.timeout ?? instance.spec.agents.default.timeout ?? options.defaultTimeout ?? defaultRunTimeout;
  const timeoutSeconds = parseDurationSeconds(timeout);
  if (timeoutSeconds === undefined || timeoutSeconds <= 0) {
    return refuse(reasons.invalidSpec, `timeout ${timeout} is not a positive duration`);
  }

  const featureGates = resolveFeatureGates(policy);
  const spawnDepth = run.spec.parent?.spawnDepth ?? 0;
  const subagents = resolveSubagentLimits(instance, policy);
  if (run.spec.parent && !featureGates['sub-agents']) {
    return refuse(
      reasons.policyViolation,
      `run ${run.metadata.name} is a sub-agent run and the sub-agents feature gate is off`,
    );
  }
  if (spawnDepth > subagents.maxDepth) {
    return refuse(
      reasons.policyViolation,
      `spawn depth ${spawnDepth} exceeds the allowed maximum depth ${subagents.maxDepth}`,
    );
  }

  const sandbox = resolveSandbox(run, instance, policy);
  if (isRefusal(sandbox)) return sandbox;

  const memorySpec = instance.spec.memory;
  const memory: EffectiveMemory = {
    enabled: (memorySpec?.enabled ?? true) && options.memoryConfigMapOwned !== false,
    configMapName: memoryConfigMapName(instanceName),
    maxSizeKB: memorySpec?.maxSizeKB ?? defaultMemoryMaxSizeKB,
  };
  const channelTargets = resolveChannelTargets(instance);
  const { tools, toolsNeedingApproval } = resolveTools({
    run,
    policy,
    featureGates,
    sandboxEnabled: sandbox.enabled,
    memoryEnabled: memory.enabled,
    canSpawn: spawnDepth < subagents.maxDepth,
    hasChannelTargets: channelTargets.length > 0,
  });

  const packNames = [
    ...(instance.spec.skills ?? []).map((s) => s.skillPackRef),
    ...stringsOf(run.spec.skills),
  ];
  const skills = [...new Set(packNames)].map((name) => ({
    name,
    configMapName: skillPackConfigMapName(name),
  }));

  return {
    instanceName,
    ...(policy ? { policyName: policy.metadata.name } : {}),
    ...model,
    timeoutSeconds,
    sandbox,
    featureGates,
    tools,
    toolsNeedingApproval,
    skills,
    memory,
    ...optional('systemPrompt', run.spec.systemPrompt ?? memorySpec?.systemPrompt),
    ...optional('sessionKey', run.spec.sessionKey),
    agentId: run.spec.agentId ?? defaultAgentId,
    spawnDepth,
    subagents,
    network: resolveNetwork(policy),
    channelTargets,
  };
}

/** Unfinished sub-agent runs that count against the limits: of one parent, and of its whole instance. */
export interface SubagentCounts {
  parentName: string;
  instanceName: string;
  childrenOfParent: number;
  subagentsOfInstance: number;
}

/**
 * Why one more sub-agent run may not run now (maxChildrenPerAgent of the parent, maxConcurrent of
 * the instance), or undefined when it may. The one copy of these rules: the controller refuses a
 * spawn request with it, and the run planner holds back an admitted child with it.
 */
export function subagentCapacityRefusal(limits: SubagentLimits, counts: SubagentCounts): string | undefined {
  if (counts.childrenOfParent >= limits.maxChildrenPerAgent) {
    return `parent run ${counts.parentName} has ${counts.childrenOfParent} of at most ${limits.maxChildrenPerAgent} sub-agent runs running`;
  }
  if (counts.subagentsOfInstance >= limits.maxConcurrent) {
    return `instance ${counts.instanceName} runs ${counts.subagentsOfInstance} of at most ${limits.maxConcurrent} sub-agent runs`;
  }
  return undefined;
}

/**
 * The chats the instance names: a channel without allowedChats accepts anyone's chat, so none of
 * them is a chat the instance chose, and a run cannot post there.
 */
export function resolveChannelTargets(instance: ClawInstance): ChannelTarget[] {
  const targets: ChannelTarget[] = [];
  for (const channel of instance.spec.channels ?? []) {
    const chats = stringsOf(channel.accessControl?.allowedChats);
    if (chats.length > 0) targets.push({ channel: channel.type, chats });
  }
  return targets;
}

type ModelSettings = Pick<EffectiveRun, 'provider' | 'model' | 'baseURL' | 'thinking' | 'authSecretRef'>;

/** Why something a run asks for is not allowed: its policy says no, or it has no policy to say yes. */
function notAllowedBy(instance: ClawInstance, policy: ClawPolicy | undefined): string {
  return policy
    ? `ClawPolicy ${policy.metadata.name} does not allow that`
    : `instance ${instance.metadata.name} has no ClawPolicy to allow that`;
}

/**
 * Each field the run sets replaces the instance's; the result must still name a usable endpoint. A
 * run that points the model elsewhere, or at other credentials, needs its policy's runOverrides.model
 * (whether the requester may read those credentials is the admission webhook's question).
 */
function resolveModel(
  run: AgentRun,
  instance: ClawInstance,
  policy: ClawPolicy | undefined,
): ModelSettings | RunRefusal {
  const defaults = instance.spec.agents.default;
  const overrides = run.spec.model ?? {};
  // a run that repeats the instance's own endpoint or key redirects nothing
  const redirected = (['baseURL', 'authSecretRef'] as const).find(
    (field) =>
      overrides[field] !== undefined && JSON.stringify(overrides[field]) !== JSON.stringify(defaults[field]),
  );
  if (redirected && policy?.spec.runOverrides?.model !== true) {
    return refuse(
      reasons.policyViolation,
      `spec.model.${redirected} overrides the instance's model ${redirected === 'baseURL' ? 'endpoint' : 'credentials'}, and ${notAllowedBy(instance, policy)} (spec.runOverrides.model)`,
    );
  }
  const provider = overrides.provider ?? defaults.provider;
  const baseURL = overrides.baseURL ?? defaults.baseURL;
  const authSecretRef = overrides.authSecretRef ?? defaults.authSecretRef;
  if (!authSecretRef && (providersNeedingKey as readonly string[]).includes(provider)) {
    return refuse(reasons.invalidSpec, `provider ${provider} needs an authSecretRef`);
  }
  if (!baseURL && (providersNeedingBaseUrl as readonly string[]).includes(provider)) {
    return refuse(reasons.invalidSpec, `provider ${provider} needs a baseURL`);
  }
  return {
    provider,
    model: overrides.model ?? defaults.model,
    ...optional('baseURL', baseURL),
    thinking: overrides.thinking ?? defaults.thinking ?? 'off',
    ...(authSecretRef ? { authSecretRef: { name: authSecretRef.name, key: authSecretRef.key } } : {}),
  };
}

function resolveFeatureGates(policy: ClawPolicy | undefined): Record<FeatureGate, boolean> {
  const gates = { ...featureGateDefaults };
  const set = policy?.spec.featureGates ?? {};
  for (const name of featureGateNames) {
    const value = set[name];
    if (value !== undefined) gates[name] = value;
  }
  return gates;
}

/** The tighter of the instance's and the policy's limits; maxChildrenPerAgent is the instance's. */
function resolveSubagentLimits(instance: ClawInstance, policy: ClawPolicy | undefined): SubagentLimits {
  const own = instance.spec.agents.default.subagents ?? {};
  const limits: SubagentLimits = {
    maxDepth: own.maxDepth ?? instanceSubagentDefaults.maxDepth,
    maxConcurrent: own.maxConcurrent ?? instanceSubagentDefaults.maxConcurrent,
    maxChildrenPerAgent: own.maxChildrenPerAgent ?? instanceSubagentDefaults.maxChildrenPerAgent,
  };
  if (!policy) return limits;
  const policyLimits = policy.spec.subagentPolicy ?? {};
  return {
    ...limits,
    maxDepth: Math.min(limits.maxDepth, policyLimits.maxDepth ?? policySubagentDefaults.maxDepth),
    maxConcurrent: Math.min(
      limits.maxConcurrent,
      policyLimits.maxConcurrent ?? policySubagentDefaults.maxConcurrent,
    ),
  };
}

/**
 * The run's sandbox fields replace the instance's one by one. A policy that requires a sandbox turns
 * it on with its default image (or refuses), and its maxCPU/maxMemory cap the sandbox: a request or
 * limit above them is refused, a missing limit is set to them.
 */
function resolveSandbox(
  run: AgentRun,
  instance: ClawInstance,
  policy: ClawPolicy | undefined,
): EffectiveSandbox | RunRefusal {
  const own = instance.spec.agents.default.sandbox ?? {};
  const overrides = run.spec.sandbox ?? {};
  const sandboxPolicy = policy?.spec.sandboxPolicy ?? {};
  let enabled = overrides.enabled ?? own.enabled ?? false;
  let image = overrides.image ?? own.image;
  const resources = overrides.resources ?? own.resources;

  if (!enabled && sandboxPolicy.required) {
    if (!sandboxPolicy.defaultImage) {
      return refuse(
        reasons.policyViolation,
        `ClawPolicy ${policy?.metadata.name} requires a sandbox and the run has none (the policy sets no defaultImage)`,
      );
    }
    enabled = true;
    image = sandboxPolicy.defaultImage;
  }
  if (!enabled) return { enabled: false };
  image ??= sandboxPolicy.defaultImage;
  if (!image) return refuse(reasons.invalidSpec, 'the sandbox is enabled but no image is set');
  // the image the run would get without its own (the mutating webhook writes that one into the run)
  const ownImage = own.image ?? sandboxPolicy.defaultImage;
  if (
    overrides.image !== undefined &&
    overrides.image !== ownImage &&
    policy?.spec.runOverrides?.sandboxImage !== true
  ) {
    return refuse(
      reasons.policyViolation,
      `spec.sandbox.image overrides the instance's sandbox image with ${overrides.image}, and ${notAllowedBy(instance, policy)} (spec.runOverrides.sandboxImage)`,
    );
  }
  if (sandboxPolicy.allowedImages && !isImageAllowed(image, sandboxPolicy.allowedImages)) {
    return refuse(
      reasons.policyViolation,
      `sandbox image ${image} is not in the allowed images of ClawPolicy ${policy?.metadata.name} (spec.sandboxPolicy.allowedImages)`,
    );
  }

  const capped = capResources(resources, { cpu: sandboxPolicy.maxCPU, memory: sandboxPolicy.maxMemory });
  if (capped && isRefusal(capped)) return capped;
  return { enabled: true, image, ...(capped ? { resources: capped } : {}) };
}

/** An exact reference, or a prefix ending in `*`. */
export function isImageAllowed(image: string, allowedImages: readonly string[]): boolean {
  return allowedImages.some((allowed) =>
    allowed.endsWith('*') ? image.startsWith(allowed.slice(0, -1)) : image === allowed,
  );
}

function capResources(
  resources: ResourceRequirements | undefined,
  maxima: Record<'cpu' | 'memory', string | undefined>,
): ResourceRequirements | undefined | RunRefusal {
  const requests = resources?.requests ? { ...resources.requests } : undefined;
  const limits = resources?.limits ? { ...resources.limits } : undefined;
  let cappedLimits = limits;
  for (const resource of ['cpu', 'memory'] as const) {
    const max = maxima[resource];
    if (max === undefined) continue;
    const maxValue = parseQuantity(max);
    if (maxValue === undefined) {
      return refuse(reasons.invalidSpec, `the policy's ${resource} maximum ${max} is not a quantity`);
    }
    for (const [kind, values] of [
      ['requests', requests],
      ['limits', limits],
    ] as const) {
      const requested = values?.[resource];
      if (requested === undefined) continue;
      const value = parseQuantity(requested);
      if (value === undefined) {
        return refuse(reasons.invalidSpec, `sandbox ${kind}.${resource} ${requested} is not a quantity`);
      }
      if (value > maxValue) {
        return refuse(
          reasons.policyViolation,
          `sandbox ${kind}.${resource} ${requested} exceeds the policy's maximum ${max}`,
        );
      }
    }
    if (limits?.[resource] === undefined) cappedLimits = { ...cappedLimits, [resource]: max };
  }
  if (!requests && !cappedLimits) return undefined;
  return { ...(requests ? { requests } : {}), ...(cappedLimits ? { limits: cappedLimits } : {}) };
}

interface ToolInputs {
  run: AgentRun;
  policy: ClawPolicy | undefined;
  featureGates: Record<FeatureGate, boolean>;
  sandboxEnabled: boolean;
  memoryEnabled: boolean;
  canSpawn: boolean;
  hasChannelTargets: boolean;
}

/**
 * The full tool list, narrowed in order by: feature gates; what the pod can serve (commands need the
 * sandbox, memory updates need memory, spawning needs depth left, channel messages need chats the
 * instance names); the policy's tool gating (`ask` keeps the tool but needs approval); and the
 * run's own allow list (intersection) and deny list.
 */
function resolveTools(inputs: ToolInputs): Pick<EffectiveRun, 'tools' | 'toolsNeedingApproval'> {
  const { run, policy, featureGates } = inputs;
  const servable: Partial<Record<AgentTool, boolean>> = {
    execute_command: inputs.sandboxEnabled,
    update_memory: inputs.memoryEnabled,
    spawn_subagent: inputs.canSpawn,
    send_channel_message: inputs.hasChannelTargets,
  };
  const allowList = run.spec.toolPolicy?.allow;
  const allow = allowList ? new Set(stringsOf(allowList)) : undefined;
  const deny = new Set(stringsOf(run.spec.toolPolicy?.deny));

  const tools: AgentTool[] = [];
  const toolsNeedingApproval: AgentTool[] = [];
  for (const tool of agentTools) {
    if (!featureGates[toolFeatureGates[tool]] || servable[tool] === false) continue;
    const action = toolGatingAction(policy, tool);
    if (action === 'deny') continue;
    if (allow && !allow.has(tool)) continue;
    if (deny.has(tool)) continue;
    tools.push(tool);
    if (action === 'ask') toolsNeedingApproval.push(tool);
  }
  return { tools, toolsNeedingApproval };
}

/** What the policy's tool gating says of one tool: its rule, else the default action, else allow. */
export function toolGatingAction(policy: ClawPolicy | undefined, tool: string): ToolAction {
  const gating = policy?.spec.toolGating ?? {};
  return gating.rules?.find((rule) => rule.tool === tool)?.action ?? gating.defaultAction ?? 'allow';
}

function resolveNetwork(policy: ClawPolicy | undefined): EffectiveNetwork {
  const network = policy?.spec.networkPolicy ?? {};
  return {
    denyAll: network.denyAll ?? true,
    allowDNS: network.allowDNS ?? true,
    allowEventBus: network.allowEventBus ?? true,
    allowedEgress: (network.allowedEgress ?? []).map((rule) => ({ ...rule })),
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** The schema types string sets loosely (unknown[]); the apiserver has checked they hold strings. */
function stringsOf(values: readonly unknown[] | undefined): string[] {
  return (values ?? []).filter((value): value is string => typeof value === 'string');
}
