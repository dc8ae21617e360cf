import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ClawInstance, ClawPolicy } from '../api/index.ts';
import { buildAgentJob, type BuildAgentJobOptions } from './build-agent-job.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  withPolicy,
  type Modifier,
} from '../../test/fixtures/k8sclaw-objects.ts';
import type { Container, JobManifest } from './kubernetes-manifests.ts';
import { resolveEffectiveRun } from './resolve-effective-run.ts';

const options: BuildAgentJobOptions = {
  agentImage: 'localhost/k8sclaw/agent-runner:0.1.0',
  ipcBridgeImage: 'localhost/k8sclaw/ipc-bridge:0.1.0',
  eventBusUrl: 'nats://k8sclaw-nats.k8sclaw-system.svc:4222',
  skillPacks: [
    { name: 'k8s-ops', skills: ['triage-alerts', 'write-standup'] },
    { name: 'common', skills: ['search'] },
  ],
};

interface Setup {
  run?: Modifier<AgentRun>[];
  instance?: Modifier<ClawInstance>[];
  policy?: Modifier<ClawPolicy>[];
  options?: Partial<BuildAgentJobOptions>;
}

function jobFor(setup: Setup = {}): JobManifest {
  const run = runFixture(...(setup.run ?? []));
  const policy = setup.policy ? policyFixture(...setup.policy) : undefined;
  const instance = instanceFixture(...(policy ? [withPolicy] : []), ...(setup.instance ?? []));
  const result = resolveEffectiveRun(run, instance, policy);
  assert.ok(result.ok, result.ok ? '' : result.message);
  return buildAgentJob(run, result.effective, { ...options, ...setup.options });
}

const allContainers = (job: JobManifest): Container[] => [
  ...(job.spec.template.spec.initContainers ?? []),
  ...job.spec.template.spec.containers,
];
const container = (job: JobManifest, name: string): Container => {
  const found = allContainers(job).find((c) => c.name === name);
  assert.ok(found, `container ${name}`);
  return found;
};
const env = (c: Container): Record<string, string | undefined> =>
  Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
const mounts = (c: Container): Record<string, string> =>
  Object.fromEntries((c.volumeMounts ?? []).map((m) => [m.mountPath, `${m.name}${m.readOnly ? ':ro' : ''}`]));
const volume = (job: JobManifest, name: string) =>
  job.spec.template.spec.volumes.find((v) => v.name === name);

const withSandbox: Modifier<ClawInstance> = (i) =>
  void (i.spec.agents.default.sandbox = {
    enabled: true,
    image: 'localhost/k8sclaw/sandbox:0.1.0',
    resources: { limits: { cpu: '1', memory: '512Mi' } },
  });
const longName = 'a'.repeat(40) + '-' + 'b'.repeat(22);

const cases: { name: string; setup?: Setup; check: (job: JobManifest) => void }[] = [
  {
    name: 'deterministic name, run labels and a controller owner reference to the run',
    check: (job) => {
      assert.equal(job.apiVersion, 'batch/v1');
      assert.equal(job.metadata.name, 'agentrun-alice-hello');
      assert.equal(job.metadata.namespace, 'team-a');
      assert.deepEqual(job.metadata.labels, {
        'app.kubernetes.io/managed-by': 'k8sclaw',
        'app.kubernetes.io/part-of': 'k8sclaw',
        'app.kubernetes.io/component': 'agent-run',
        'k8sclaw.io/instance': 'alice',
        'k8sclaw.io/run': 'alice-hello',
      });
      assert.deepEqual(job.spec.template.metadata.labels, job.metadata.labels);
      assert.deepEqual(job.metadata.ownerReferences, [
        {
          apiVersion: 'k8sclaw.io/v1alpha1',
          kind: 'AgentRun',
          name: 'alice-hello',
          uid: 'uid-run-alice-hello',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    },
  },
  {
    name: 'a 63-character run name gives a hashed Job name of at most 63 characters',
    setup: { run: [(r) => void (r.metadata.name = longName)] },
    check: (job) => {
      assert.equal(longName.length, 63);
      assert.equal(job.metadata.name.length, 63);
      // the head of the full name, then 8 hex digits of its hash: still a DNS label
      assert.match(job.metadata.name, /^agentrun-a{40}-b{4}-[0-9a-f]{8}$/);
      assert.equal(job.metadata.labels['k8sclaw.io/run'], longName);
    },
  },
  {
    name: 'one attempt with the run timeout as deadline',
    setup: { run: [(r) => void (r.spec.timeout = '15m')] },
    check: (job) => {
      assert.equal(job.spec.backoffLimit, 0);
      assert.equal(job.spec.activeDeadlineSeconds, 900);
    },
  },
  {
    name: 'the pod holds no Kubernetes credentials and runs non-root with seccomp',
    check: (job) => {
      const pod = job.spec.template.spec;
      assert.equal(pod.restartPolicy, 'Never');
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.enableServiceLinks, false);
      assert.deepEqual(pod.securityContext, {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
    },
  },
  {
    name: 'every container is hardened, the sandbox included',
    setup: { instance: [withSandbox] },
    check: (job) => {
      assert.deepEqual(
        allContainers(job).map((c) => c.name),
        ['ipc-bridge', 'sandbox', 'agent'],
      );
      for (const c of allContainers(job)) {
        assert.deepEqual(
          c.securityContext,
          {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ['ALL'] },
          },
          c.name,
        );
      }
    },
  },
  {
    name: 'the IPC bridge is a native sidecar on the event bus sharing /ipc',
    check: (job) => {
      const bridge = container(job, 'ipc-bridge');
      assert.equal(bridge.restartPolicy, 'Always');
      assert.equal(bridge.image, options.ipcBridgeImage);
      assert.equal(env(bridge).EVENT_BUS_URL, options.eventBusUrl);
      assert.equal(env(bridge).K8SCLAW_RUN_NAME, 'alice-hello');
      assert.deepEqual(mounts(bridge), { '/ipc': 'ipc' });
      assert.deepEqual(volume(job, 'ipc'), {
        name: 'ipc',
        emptyDir: { medium: 'Memory', sizeLimit: '64Mi' },
      });
      assert.ok(bridge.resources?.limits);
    },
  },
  {
    name: 'the agent runs the runner with its settings and scratch volumes',
    setup: {
      run: [
        (r) =>
          Object.assign(r.spec, {
            sessionKey: 'telegram:alice',
            systemPrompt: 'Be brief.',
            model: { thinking: 'low' },
          }),
      ],
    },
    check: (job) => {
      const agent = container(job, 'agent');
      assert.equal(agent.image, options.agentImage);
      assert.equal(agent.restartPolicy, undefined);
      assert.equal(agent.terminationMessagePolicy, 'FallbackToLogsOnError');
      const vars = env(agent);
      assert.equal(vars.K8SCLAW_RUN_NAME, 'alice-hello');
      assert.equal(vars.K8SCLAW_NAMESPACE, 'team-a');
      assert.equal(vars.INSTANCE_NAME, 'alice');
      assert.equal(vars.MEMORY_ENABLED, 'true');
      assert.equal(vars.K8SCLAW_TASK, 'Say hello.');
      assert.equal(vars.K8SCLAW_PROVIDER, 'openai');
      assert.equal(vars.K8SCLAW_MODEL, 'gpt-4o-mini');
      assert.equal(vars.K8SCLAW_THINKING, 'low');
      assert.equal(vars.K8SCLAW_TIMEOUT_SECONDS, '600');
      assert.equal(vars.K8SCLAW_SESSION_KEY, 'telegram:alice');
      assert.equal(vars.K8SCLAW_SYSTEM_PROMPT, 'Be brief.');
      assert.equal(vars.K8SCLAW_TOOLS, 'read_file,write_file,edit_file,list_directory,update_memory');
      assert.equal(vars.K8SCLAW_SANDBOX_ENABLED, 'false');
      assert.equal(vars.K8SCLAW_BASE_URL, undefined);
      assert.deepEqual(mounts(agent), {
        '/ipc': 'ipc',
        '/workspace': 'workspace',
        '/tmp': 'tmp',
        '/memory': 'memory:ro',
        '/var/run/k8sclaw/provider': 'provider-credentials:ro',
      });
      assert.ok(agent.resources?.requests && agent.resources.limits);
    },
  },
  {
    name: 'the API key is a read-only file of the single key, never an environment variable',
    check: (job) => {
      assert.deepEqual(volume(job, 'provider-credentials'), {
        name: 'provider-credentials',
        secret: {
          secretName: 'alice-openai',
          items: [{ key: 'api-key', path: 'api-key' }],
          defaultMode: 0o440,
        },
      });
      const agent = container(job, 'agent');
      assert.equal(env(agent).K8SCLAW_PROVIDER_KEY_FILE, '/var/run/k8sclaw/provider/api-key');
      for (const c of allContainers(job)) {
        assert.ok(!(c.env ?? []).some((e) => e.valueFrom), `${c.name} reads no secret into its environment`);
      }
    },
  },
  {
    name: 'a keyless provider gets no credentials volume',
    setup: {
      instance: [
        (i) =>
          void (i.spec.agents.default = {
            provider: 'ollama',
            model: 'llama3',
            baseURL: 'http://ollama:11434/v1',
          }),
      ],
    },
    check: (job) => {
      assert.equal(volume(job, 'provider-credentials'), undefined);
      const vars = env(container(job, 'agent'));
      assert.equal(vars.K8SCLAW_PROVIDER_KEY_FILE, undefined);
      assert.equal(vars.K8SCLAW_BASE_URL, 'http://ollama:11434/v1');
    },
  },
  {
    name: 'every container has CPU and memory limits, the sandbox too when nothing sets them',
    setup: {
      instance: [
        (i) =>
          void (i.spec.agents.default.sandbox = { enabled: true, image: 'localhost/k8sclaw/sandbox:0.1.0' }),
      ],
    },
    check: (job) => {
      const containers = [
        ...(job.spec.template.spec.initContainers ?? []),
        ...job.spec.template.spec.containers,
      ];
      assert.deepEqual(containers.map((c) => c.name).sort(), ['agent', 'ipc-bridge', 'sandbox']);
      for (const c of containers) {
        assert.ok(c.resources?.limits?.cpu && c.resources.limits.memory, `${c.name} has limits`);
        assert.ok(c.resources.requests?.cpu && c.resources.requests.memory, `${c.name} has requests`);
      }
      assert.deepEqual(container(job, 'sandbox').resources, {
        requests: { cpu: '50m', memory: '64Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      });
    },
  },
  {
    name: 'the sandbox is a native sidecar with its image, resources and the shared workspace',
    setup: { instance: [withSandbox] },
    check: (job) => {
      const sandbox = container(job, 'sandbox');
      assert.equal(sandbox.restartPolicy, 'Always');
      assert.equal(sandbox.image, 'localhost/k8sclaw/sandbox:0.1.0');
      // its limits as given, and requests from the defaults
      assert.deepEqual(sandbox.resources, {
        requests: { cpu: '50m', memory: '64Mi' },
        limits: { cpu: '1', memory: '512Mi' },
      });
      // the image's entrypoint is replaced by the command loop, which any /bin/sh runs
      assert.deepEqual(sandbox.command?.slice(0, 2), ['/bin/sh', '-c']);
      assert.deepEqual(sandbox.args, ['k8sclaw-sandbox', '/var/run/k8sclaw/exec', '/workspace']);
      assert.deepEqual(mounts(sandbox), {
        '/workspace': 'workspace',
        '/tmp': 'sandbox-tmp',
        '/var/run/k8sclaw/exec': 'sandbox-exec',
      });
      assert.equal(mounts(container(job, 'agent'))['/var/run/k8sclaw/exec'], 'sandbox-exec');
      assert.equal(volume(job, 'sandbox-exec')?.emptyDir?.medium, 'Memory');
      const vars = env(container(job, 'agent'));
      assert.equal(vars.K8SCLAW_SANDBOX_ENABLED, 'true');
      assert.equal(vars.K8SCLAW_EXEC_DIR, '/var/run/k8sclaw/exec');
    },
  },
  {
    name: 'no sandbox container or volume without a sandbox',
    check: (job) => {
      assert.deepEqual(
        allContainers(job).map((c) => c.name),
        ['ipc-bridge', 'agent'],
      );
      assert.equal(volume(job, 'sandbox-tmp'), undefined);
    },
  },
  {
    name: 'skills are projected to /skills/<pack>/<skill>/SKILL.md, read-only',
    setup: {
      instance: [(i) => void (i.spec.skills = [{ skillPackRef: 'k8s-ops' }])],
      run: [(r) => void (r.spec.skills = ['common'])],
    },
    check: (job) => {
      assert.deepEqual(volume(job, 'skills')?.projected, {
        sources: [
          {
            configMap: {
              name: 'skillpack-k8s-ops',
              items: [
                { key: 'triage-alerts.md', path: 'k8s-ops/triage-alerts/SKILL.md' },
                { key: 'write-standup.md', path: 'k8s-ops/write-standup/SKILL.md' },
              ],
            },
          },
          {
            configMap: {
              name: 'skillpack-common',
              items: [{ key: 'search.md', path: 'common/search/SKILL.md' }],
            },
          },
        ],
        defaultMode: 0o440,
      });
      const agent = container(job, 'agent');
      assert.equal(mounts(agent)['/skills'], 'skills:ro');
      assert.equal(env(agent).K8SCLAW_SKILLS_DIR, '/skills');
    },
  },
  {
    name: 'no skills volume without skill packs',
    check: (job) => {
      assert.equal(volume(job, 'skills'), undefined);
      assert.equal(mounts(container(job, 'agent'))['/skills'], undefined);
    },
  },
  {
    name: 'memory ConfigMap mounted read-only at /memory when enabled',
    check: (job) => {
      assert.deepEqual(volume(job, 'memory')?.configMap, {
        name: 'alice-memory',
        items: [{ key: 'MEMORY.md', path: 'MEMORY.md' }],
        defaultMode: 0o440,
      });
      assert.equal(env(container(job, 'agent')).K8SCLAW_MEMORY_FILE, '/memory/MEMORY.md');
    },
  },
  {
    name: 'no memory volume when memory is disabled',
    setup: { instance: [(i) => void (i.spec.memory = { enabled: false })] },
    check: (job) => {
      assert.equal(volume(job, 'memory'), undefined);
      assert.equal(env(container(job, 'agent')).MEMORY_ENABLED, 'false');
    },
  },
  {
    name: 'a run that may post to chats gets the chats the instance names',
    setup: {
      instance: [
        (i) =>
          void (i.spec.channels = [
            { type: 'telegram', secretRef: { name: 'tg' }, accessControl: { allowedChats: ['-1001'] } },
            { type: 'slack', secretRef: { name: 'slack' } },
          ]),
      ],
    },
    check: (job) => {
      const vars = env(container(job, 'agent'));
      assert.match(vars.K8SCLAW_TOOLS ?? '', /(^|,)send_channel_message(,|$)/);
      assert.deepEqual(JSON.parse(vars.K8SCLAW_CHANNEL_TARGETS ?? ''), [
        { channel: 'telegram', chats: ['-1001'] },
      ]);
      // the bridge publishes what the runner emits; it needs no targets
      assert.equal(env(container(job, 'ipc-bridge')).K8SCLAW_CHANNEL_TARGETS, undefined);
    },
  },
  {
    name: 'a run that may not post learns no chats',
    setup: {
      instance: [
        (i) =>
          void (i.spec.channels = [
            { type: 'telegram', secretRef: { name: 'tg' }, accessControl: { allowedChats: ['-1001'] } },
          ]),
      ],
      policy: [(p) => void (p.spec.featureGates = { 'channel-send': false })],
    },
    check: (job) => {
      const vars = env(container(job, 'agent'));
      assert.doesNotMatch(vars.K8SCLAW_TOOLS ?? '', /send_channel_message/);
      assert.equal(vars.K8SCLAW_CHANNEL_TARGETS, undefined);
    },
  },
  {
    name: 'sub-agent runs name their parent and depth',
    setup: {
      policy: [(p) => void (p.spec.featureGates = { 'sub-agents': true })],
      run: [(r) => void (r.spec.parent = { runName: 'alice-parent', spawnDepth: 1 })],
    },
    check: (job) => {
      const vars = env(container(job, 'agent'));
      assert.equal(vars.K8SCLAW_PARENT_RUN, 'alice-parent');
      assert.equal(vars.K8SCLAW_SPAWN_DEPTH, '1');
      assert.deepEqual(JSON.parse(vars.K8SCLAW_SUBAGENT_LIMITS ?? ''), {
        maxDepth: 2,
        maxConcurrent: 5,
        maxChildrenPerAgent: 3,
      });
    },
  },
  {
    name: 'host egress rules are handed to the runner',
    setup: {
      policy: [
        (p) =>
          void (p.spec.networkPolicy = {
            allowedEgress: [
              { host: 'api.github.com', port: 443 },
              { cidr: '10.0.0.0/8', port: 5432 },
            ],
          }),
      ],
    },
    check: (job) => {
      assert.deepEqual(JSON.parse(env(container(job, 'agent')).K8SCLAW_EGRESS_POLICY ?? ''), {
        denyAll: true,
        allowedHosts: [{ host: 'api.github.com', port: 443 }],
      });
    },
  },
  {
    name: "the bridge alone mounts the run's bus credentials, and both containers know the run uid",
    setup: { options: { busCredentialsSecretName: 'agentrun-alice-hello-bus' } },
    check: (job) => {
      assert.deepEqual(volume(job, 'bus-credentials')?.secret, {
        secretName: 'agentrun-alice-hello-bus',
        items: [{ key: 'bus.creds', path: 'bus.creds' }],
        defaultMode: 0o440,
      });
      const bridge = container(job, 'ipc-bridge');
      assert.equal(mounts(bridge)['/var/run/k8sclaw/bus'], 'bus-credentials:ro');
      assert.equal(env(bridge).K8SCLAW_BUS_CREDENTIALS_FILE, '/var/run/k8sclaw/bus/bus.creds');
      // the agent starts only once the bridge wrote its ready file
      assert.equal(env(bridge).K8SCLAW_BRIDGE_READY_FILE, '/ipc/.bridge-ready');
      assert.deepEqual(bridge.startupProbe?.exec?.command, [
        'node',
        '-e',
        'fs.accessSync("/ipc/.bridge-ready")',
      ]);
      assert.equal(mounts(container(job, 'agent'))['/var/run/k8sclaw/bus'], undefined);
      const uid = runFixture().metadata.uid;
      assert.equal(env(bridge).K8SCLAW_RUN_UID, uid);
      assert.equal(env(container(job, 'agent')).K8SCLAW_RUN_UID, uid);
    },
  },
  {
    name: 'no bus credentials volume when the bus needs none',
    check: (job) => {
      assert.equal(volume(job, 'bus-credentials'), undefined);
      assert.equal(env(container(job, 'ipc-bridge')).K8SCLAW_BUS_CREDENTIALS_FILE, undefined);
    },
  },
  {
    name: 'image pull policy and resources from the options',
    setup: {
      options: { imagePullPolicy: 'IfNotPresent', agentResources: { limits: { memory: '2Gi' } } },
    },
    check: (job) => {
      for (const c of allContainers(job)) assert.equal(c.imagePullPolicy, 'IfNotPresent', c.name);
      assert.deepEqual(container(job, 'agent').resources, { limits: { memory: '2Gi' } });
    },
  },
];

describe('buildAgentJob', () => {
  for (const c of cases) it(c.name, () => c.check(jobFor(c.setup)));

  it('builds the same Job from the same inputs', () => {
    assert.deepEqual(jobFor({ instance: [withSandbox] }), jobFor({ instance: [withSandbox] }));
  });

  it('keeps hashed names distinct for runs that share a long prefix', () => {
    const other = longName.slice(0, -1) + 'c';
    const a = jobFor({ run: [(r) => void (r.metadata.name = longName)] }).metadata.name;
    const b = jobFor({ run: [(r) => void (r.metadata.name = other)] }).metadata.name;
    assert.notEqual(a, b);
  });

  it('refuses to build without the run uid (owner reference)', () => {
    assert.throws(() => jobFor({ run: [(r) => void delete r.metadata.uid] }), { code: 'MissingUid' });
  });

  it('refuses to build when a skill pack of the run was not resolved', () => {
    assert.throws(() => jobFor({ run: [(r) => void (r.spec.skills = ['unknown'])] }), {
      code: 'SkillPackNotResolved',
    });
  });
});
