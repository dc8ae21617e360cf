// Shared by the agent pod tests: the tenant objects a run is resolved from (an instance on the
// scripted model, a policy that allows code execution, a skill pack), one bus per test file, and
// readers for what the scripted model was sent in each wire format.
import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import {
  apiVersion,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type Provider,
  type SkillPack,
} from '../../../src/api/index.ts';
import { createBusAuthority, type BusAuthority } from '../../../src/eventbus/index.ts';
import {
  startScriptedModelServer,
  type ModelScript,
  type RecordedRequest,
  type ScriptedModelServer,
} from '../../fakes/model-server/index.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';
import { watchCompletedEvents, type AgentPod, type CompletedEventLog } from '../../harness/agent-pod.ts';

export const namespace = 'agent-pod';
export const modelKey = 'sk-test-0123456789abcdef';
export const skillMarker = 'SKILL-MARKER-7f3a';

export function skillPack(): SkillPack {
  return {
    apiVersion,
    kind: 'SkillPack',
    metadata: { name: 'team-notes', namespace, uid: randomUUID() },
    spec: {
      skills: [
        {
          name: 'keep-notes',
          description: 'Keep the team notes in notes.md.',
          content: `---\nname: Keep notes\n---\n# Keep notes\nNotes live in notes.md (${skillMarker}).\n`,
        },
      ],
    },
  };
}

/** The demo policy: code execution on, everything else at its default. */
export function codePolicy(): ClawPolicy {
  return {
    apiVersion,
    kind: 'ClawPolicy',
    metadata: { name: 'code-policy', namespace, uid: randomUUID() },
    spec: { featureGates: { 'code-execution': true, 'file-access': true, 'memory-write': true } },
  };
}

export interface InstanceOptions {
  provider?: Provider;
  model?: string;
  baseURL: string;
  sandbox?: boolean;
  policy?: boolean;
  skills?: boolean;
}

export function instance(options: InstanceOptions): ClawInstance {
  return {
    apiVersion,
    kind: 'ClawInstance',
    metadata: { name: 'alice', namespace, uid: randomUUID() },
    spec: {
      agents: {
        default: {
          provider: options.provider ?? 'openai',
          model: options.model ?? 'gpt-4o-mini',
          baseURL: options.baseURL,
          authSecretRef: { name: 'alice-model', key: 'api-key' },
          ...(options.sandbox === false ? {} : { sandbox: { enabled: true, image: 'busybox' } }),
        },
      },
      ...(options.policy === false ? {} : { policyRef: 'code-policy' }),
      ...(options.skills === false ? {} : { skills: [{ skillPackRef: 'team-notes' }] }),
    },
  };
}

let runs = 0;
/** A run with its own name and uid, so its events are its own on a shared bus. */
export function agentRun(task: string, spec: Partial<AgentRun['spec']> = {}): AgentRun {
  runs++;
  return {
    apiVersion,
    kind: 'AgentRun',
    metadata: { name: `alice-run-${runs}`, namespace, uid: randomUUID() },
    spec: { instanceRef: 'alice', task, timeout: '60s', ...spec },
  };
}

export interface TestBus {
  authority: BusAuthority;
  nats: NatsServer;
  completed: CompletedEventLog;
  close(): Promise<void>;
}

/** A nats-server in operator mode and the controller's reader of completed events. */
export async function startTestBus(): Promise<TestBus> {
  const authority = await createBusAuthority();
  const nats = await startNatsServer({ authority });
  try {
    const completed = await watchCompletedEvents({ url: nats.url, authority });
    return {
      authority,
      nats,
      completed,
      close: async () => {
        try {
          await completed.close();
        } finally {
          await nats.destroy();
        }
      },
    };
  } catch (error) {
    await nats.destroy();
    throw error;
  }
}

type Json = Record<string, unknown>;
const asList = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : asList(content)
        .map((part) => (typeof part.text === 'string' ? part.text : textOf(part.content)))
        .join('');

/** The system prompt a model request carried, in any of the three formats. */
export function systemPromptOf(request: RecordedRequest): string {
  const body = request.body as Json;
  switch (request.format) {
    case 'anthropic':
      return textOf(body.system);
    case 'openai-responses':
      return typeof body.instructions === 'string'
        ? body.instructions
        : asList(body.input)
            .filter((item) => item.role === 'system' || item.role === 'developer')
            .map((item) => textOf(item.content))
            .join('\n');
    default:
      return asList(body.messages)
        .filter((message) => message.role === 'system' || message.role === 'developer')
        .map((message) => textOf(message.content))
        .join('\n');
  }
}

/** The tool results a model request carried, oldest first. */
export function toolResultsOf(request: RecordedRequest): string[] {
  const body = request.body as Json;
  switch (request.format) {
    case 'anthropic':
      return asList(body.messages)
        .flatMap((message) => asList(message.content))
        .filter((block) => block.type === 'tool_result')
        .map((block) => textOf(block.content));
    case 'openai-responses':
      return asList(body.input)
        .filter((item) => item.type === 'function_call_output')
        .map((item) => textOf(item.output));
    default:
      return asList(body.messages)
        .filter((message) => message.role === 'tool')
        .map((message) => textOf(message.content));
  }
}

/** The text of the user turns a model request carried (task and follow-ups), oldest first. */
export function userMessagesOf(request: RecordedRequest): string[] {
  const body = request.body as Json;
  const items = request.format === 'openai-responses' ? asList(body.input) : asList(body.messages);
  // tool results ride in user messages too (Anthropic): only the text parts are the user's
  const userText = (content: unknown): string =>
    typeof content === 'string'
      ? content
      : asList(content)
          .filter((part) => part.type === 'text' || part.type === 'input_text')
          .map((part) => String(part.text))
          .join('');
  return items
    .filter((item) => item.role === 'user')
    .map((item) => userText(item.content))
    .filter((text) => text !== '');
}

/** The tool names a model request offered. */
export function offeredToolsOf(request: RecordedRequest): string[] {
  return asList((request.body as Json).tools).map((tool) => {
    const fn = tool.function as Json | undefined;
    return String(fn?.name ?? tool.name);
  });
}

/** The model requests that were answered (status 200), in order. */
export function answered(requests: readonly RecordedRequest[]): RecordedRequest[] {
  return requests.filter((request) => request.status === 200);
}

/** What every agent-pod test file shares: one bus, one scripted model, and the pods it starts. */
export interface PodSuite {
  readonly bus: TestBus;
  readonly model: ScriptedModelServer;
  /** Destroys the pod when the file's tests are done. */
  track(pod: AgentPod): AgentPod;
}

export function usePodSuite(script: ModelScript): PodSuite {
  let bus: TestBus | undefined;
  let model: ScriptedModelServer | undefined;
  const pods: AgentPod[] = [];
  before(async () => {
    bus = await startTestBus();
    model = await startScriptedModelServer({ script, apiKey: modelKey });
  });
  after(async () => {
    await Promise.allSettled(pods.map((pod) => pod.destroy()));
    await model?.close();
    await bus?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the pod suite starts in before(): use it inside a test');
    return value;
  };
  return {
    get bus() {
      return started(bus);
    },
    get model() {
      return started(model);
    },
    track: (pod) => {
      pods.push(pod);
      return pod;
    },
  };
}
