// One agent pod on the host: the Job the controller would create (buildAgentJob on the resolved
// run) is carried out the way the kubelet would, with real processes. Volumes become temporary
// directories (config maps and secrets written with the kubelet's ..data symlink layout), each
// container's env is the Job's own with pod paths mapped to those directories, the IPC bridge and
// the sandbox (the real sh loop under /bin/sh) start first, then the agent runner. Once the runner
// has exited the sidecars get SIGTERM, and what the controller would look at is collected: exit
// codes, the termination message, result.json. Completed events are read from the bus with a
// controller credential, as the controller reads them.
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AgentRun,
  ClawInstance,
  ClawPolicy,
  RunEvent,
  RunIdentity,
  RunResult,
  SkillPack,
} from '../../src/api/index.ts';
import {
  connectEventBus,
  controllerPermissions,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
  type EventBus,
} from '../../src/eventbus/index.ts';
import {
  agentContainerName,
  agentPodPaths,
  buildAgentJob,
  buildMemoryHeader,
  buildSkillPackConfigMap,
  ipcBridgeContainerName,
  memoryConfigMapName,
  memoryFileKey,
  resolveEffectiveRun,
  runBusCredentialsExpiry,
  sandboxContainerName,
  sandboxExecDir,
  skillPackConfigMapName,
  type Container,
  type EffectiveRun,
  type JobManifest,
  type Volume,
} from '../../src/orchestrator/index.ts';
import type { BridgeSummary } from '../../src/ipc/index.ts';
import { repoRoot } from './binaries.ts';
import { tailOf } from './managed-process.ts';

export interface AgentPodSpec {
  run: AgentRun;
  instance: ClawInstance;
  policy?: ClawPolicy;
  /** The packs the run mounts, as the SkillPack objects hold them. */
  skillPacks?: readonly SkillPack[];
  /** MEMORY.md in the instance's memory ConfigMap; default the header a new instance starts with. */
  memory?: string;
  /** The value of the provider key Secret, when the run names one. */
  providerKey?: string;
  /** The bridge's bus: its URL and the authority that signs the run's credentials. */
  bus: { url: string; authority: BusAuthority };
  /** Added to or replacing the runner's env (e.g. K8SCLAW_MAX_TOOL_ITERATIONS). */
  agentEnv?: Record<string, string>;
  /** Added to or replacing the bridge's env (e.g. K8SCLAW_DRAIN_TIMEOUT_SECONDS). */
  bridgeEnv?: Record<string, string>;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AgentPodOutcome {
  runner: ExitStatus;
  bridge: ExitStatus;
  /** What the kubelet would report as the agent container's termination message. */
  terminationMessage: string | undefined;
  /** /ipc/output/result.json, parsed. */
  result: RunResult | undefined;
  /** What the bridge logged when it stopped (its BridgeSummary), when it got that far. */
  bridgeSummary: BridgeSummary | undefined;
}

/** Host directories standing in for the pod's mounts. */
export interface AgentPodPaths {
  root: string;
  ipc: string;
  workspace: string;
  tmp: string;
  /** Present when the run has a sandbox. */
  execDir: string | undefined;
  terminationMessage: string;
  runnerLog: string;
  bridgeLog: string;
  sandboxLog: string;
}

export interface AgentPod {
  identity: RunIdentity;
  effective: EffectiveRun;
  job: JobManifest;
  paths: AgentPodPaths;
  /** Resolves when the runner exits; killed (code null) when it runs past `timeoutMs`. */
  waitForRunner(timeoutMs?: number): Promise<ExitStatus>;
  /** SIGTERM to the sidecars (once), as after the runner's exit; resolves with the bridge's exit. */
  stopSidecars(graceMs?: number): Promise<ExitStatus>;
  /** waitForRunner, stopSidecars, then the files the controller and the kubelet read. */
  finish(options?: { runnerTimeoutMs?: number }): Promise<AgentPodOutcome>;
  /** The tails of the containers' logs, for assertion messages. */
  logs(): string;
  /** Kills whatever still runs and removes the pod's directories. */
  destroy(): Promise<void>;
}

/** The Job asks for something the harness cannot give it. */
class AgentPodError extends Error {
  override name = 'AgentPodError';
}

/** Children of every pod, killed if the test process goes away first. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) killTree(child, 'SIGKILL');
  });
}

function killTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // each container is its own process group, so commands the sandbox started go with it
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

class PodProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitStatus>;

  constructor(
    command: string,
    args: readonly string[],
    options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string },
  ) {
    installExitHook();
    const fd = openSync(options.logFile, 'a');
    try {
      this.child = spawn(command, args, {
        stdio: ['ignore', fd, fd],
        env: options.env,
        cwd: options.cwd,
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const child = this.child;
    liveChildren.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        liveChildren.delete(child);
        resolve({ code, signal });
      });
      child.once('error', () => {
        liveChildren.delete(child);
        resolve({ code: null, signal: null });
      });
    });
  }

  signal(signal: NodeJS.Signals): void {
    killTree(this.child, signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs` (the pod's termination grace period). */
  async stop(graceMs: number): Promise<ExitStatus> {
    this.signal('SIGTERM');
    const timer = new AbortController();
    const outcome = await Promise.race([
      this.exited,
      sleep(graceMs, undefined, { signal: timer.signal }).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    timer.abort();
    if (outcome) return outcome;
    this.signal('SIGKILL');
    return await this.exited;
  }
}

/** The kubelet's atomic-writer layout: files under ..<timestamp>/, reached through ..data. */
async function writeProjectedFiles(
  dir: string,
  files: readonly { path: string; content: string }[],
  mode: number | undefined,
): Promise<void> {
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}`;
  await mkdir(path.join(dir, stamp), { recursive: true });
  for (const file of files) {
    const target = path.join(dir, stamp, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.content);
    if (mode !== undefined) await chmod(target, mode);
  }
  await symlink(stamp, path.join(dir, '..data'));
  const topLevel = new Set(files.map((file) => file.path.split('/')[0] ?? file.path));
  for (const name of topLevel) await symlink(path.join('..data', name), path.join(dir, name));
}

interface VolumeSources {
  configMaps: Map<string, Record<string, string>>;
  secrets: Map<string, Record<string, string>>;
}

async function materializeVolume(volume: Volume, dir: string, sources: VolumeSources): Promise<void> {
  await mkdir(dir, { recursive: true });
  const pick = (kind: string, data: Record<string, string> | undefined, name: string, key: string) => {
    const content = data?.[key];
    if (content === undefined) throw new AgentPodError(`${kind} ${name} has no key ${key} for the pod`);
    return content;
  };
  if (volume.configMap) {
    const { name, items = [] } = volume.configMap;
    const data = sources.configMaps.get(name);
    const files = items.map((item) => ({
      path: item.path,
      content: pick('ConfigMap', data, name, item.key),
    }));
    await writeProjectedFiles(dir, files, volume.configMap.defaultMode);
  } else if (volume.secret) {
    const { secretName, items = [] } = volume.secret;
    const data = sources.secrets.get(secretName);
    const files = items.map((item) => ({
      path: item.path,
      content: pick('Secret', data, secretName, item.key),
    }));
    await writeProjectedFiles(dir, files, volume.secret.defaultMode);
  } else if (volume.projected) {
    const files = volume.projected.sources.flatMap(({ configMap }) =>
      configMap.items.map((item) => ({
        path: item.path,
        content: pick('ConfigMap', sources.configMaps.get(configMap.name), configMap.name, item.key),
      })),
    );
    await writeProjectedFiles(dir, files, volume.projected.defaultMode);
  }
}

/** The container's view of a pod path, as a host path: the longest mount that holds it. */
function hostPathOf(
  container: Container,
  volumeDirs: Map<string, string>,
  podPath: string,
): string | undefined {
  let best: { mountPath: string; dir: string } | undefined;
  for (const mount of container.volumeMounts ?? []) {
    const inside = podPath === mount.mountPath || podPath.startsWith(`${mount.mountPath}/`);
    if (!inside || (best && best.mountPath.length >= mount.mountPath.length)) continue;
    const dir = volumeDirs.get(mount.name);
    if (dir) best = { mountPath: mount.mountPath, dir };
  }
  return best ? path.join(best.dir, podPath.slice(best.mountPath.length)) : undefined;
}

/** The container's env from the Job, with every path setting pointed at the host directories. */
function containerEnv(container: Container, volumeDirs: Map<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value === undefined) {
      throw new AgentPodError(`${container.name} env ${variable.name} is not a plain value`);
    }
    const isPath = /_(DIR|FILE)$/.test(variable.name) && variable.value.startsWith('/');
    env[variable.name] = isPath
      ? (hostPathOf(container, volumeDirs, variable.value) ?? variable.value)
      : variable.value;
  }
  return env;
}

function findContainer(job: JobManifest, name: string): Container | undefined {
  const spec = job.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers].find((container) => container.name === name);
}

function mountedDir(container: Container, volumeDirs: Map<string, string>, podPath: string): string {
  const dir = hostPathOf(container, volumeDirs, podPath);
  if (!dir) throw new AgentPodError(`${container.name} does not mount ${podPath}`);
  return dir;
}

/**
 * Runs the container's startup probe as the kubelet would, until it passes: its exec command with
 * pod paths in quoted arguments mapped to the host (`node` is this Node). Polled faster than its
 * period, within the period times the failure threshold.
 */
async function waitForStartup(
  container: Container,
  started: PodProcess,
  volumeDirs: Map<string, string>,
  cwd: string,
  logFile: string,
): Promise<void> {
  const probe = container.startupProbe;
  if (!probe) return;
  const [program, ...args] = probe.exec?.command ?? [];
  if (!program) throw new AgentPodError(`${container.name} has a startup probe that is not an exec command`);
  const command = program === 'node' ? process.execPath : program;
  const mapped = args.map((arg) =>
    arg.replace(/"(\/[^"]*)"/g, (quoted, podPath: string) => {
      const hostPath = hostPathOf(container, volumeDirs, podPath);
      return hostPath ? JSON.stringify(hostPath) : quoted;
    }),
  );
  const deadline = Date.now() + (probe.periodSeconds ?? 10) * (probe.failureThreshold ?? 3) * 1000;
  while (Date.now() < deadline) {
    const exited = await Promise.race([started.exited, sleep(100).then(() => undefined)]);
    if (exited) {
      throw new AgentPodError(
        `${container.name} exited (code ${exited.code}) before it was ready\n${tailOf(logFile)}`,
      );
    }
    const passed = await new Promise<boolean>((resolve) => {
      const child = spawn(command, mapped, {
        cwd,
        stdio: 'ignore',
        timeout: (probe.timeoutSeconds ?? 1) * 1000,
      });
      child.once('exit', (code) => resolve(code === 0));
      child.once('error', () => resolve(false));
    });
    if (passed) return;
  }
  throw new AgentPodError(`the startup probe of ${container.name} did not pass\n${tailOf(logFile)}`);
}

export async function startAgentPod(spec: AgentPodSpec): Promise<AgentPod> {
  const resolved = resolveEffectiveRun(spec.run, spec.instance, spec.policy);
  if (!resolved.ok) throw new AgentPodError(`the run is refused: ${resolved.reason}: ${resolved.message}`);
  const effective = resolved.effective;
  const runUid = spec.run.metadata.uid;
  if (!runUid) throw new AgentPodError('the run needs a metadata.uid (the bridge names events by it)');
  const identity: RunIdentity = {
    namespace: spec.run.metadata.namespace,
    instance: effective.instanceName,
    run: spec.run.metadata.name,
    runUid,
  };
  const busSecretName = `${spec.run.metadata.name}-bus-credentials`;
  const job = buildAgentJob(spec.run, effective, {
    agentImage: 'host/agent-runner',
    ipcBridgeImage: 'host/ipc-bridge',
    eventBusUrl: spec.bus.url,
    busCredentialsSecretName: busSecretName,
    skillPacks: (spec.skillPacks ?? []).map((pack) => ({
      name: pack.metadata.name,
      skills: pack.spec.skills.map((skill) => skill.name),
    })),
  });

  const credentials = await issueUserCredentials(spec.bus.authority, {
    name: `bridge/${identity.namespace}/${identity.run}`,
    permissions: runBridgePermissions(identity),
    expiresAt: runBusCredentialsExpiry(new Date(), effective.timeoutSeconds),
  });
  const sources: VolumeSources = { configMaps: new Map(), secrets: new Map() };
  for (const pack of spec.skillPacks ?? []) {
    sources.configMaps.set(skillPackConfigMapName(pack.metadata.name), buildSkillPackConfigMap(pack).data);
  }
  sources.configMaps.set(memoryConfigMapName(effective.instanceName), {
    [memoryFileKey]: spec.memory ?? buildMemoryHeader(effective.instanceName),
  });
  sources.secrets.set(busSecretName, { [agentPodPaths.busCredentialsFile]: credentials });
  if (effective.authSecretRef && spec.providerKey !== undefined) {
    sources.secrets.set(effective.authSecretRef.name, { [effective.authSecretRef.key]: spec.providerKey });
  }

  const root = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-pod-'));
  const processes: PodProcess[] = [];
  try {
    const volumeDirs = new Map<string, string>();
    for (const volume of job.spec.template.spec.volumes) {
      const dir = path.join(root, 'volumes', volume.name);
      await materializeVolume(volume, dir, sources);
      volumeDirs.set(volume.name, dir);
    }
    const agent = findContainer(job, agentContainerName);
    const bridge = findContainer(job, ipcBridgeContainerName);
    if (!agent || !bridge) throw new AgentPodError('the Job lacks the agent or the ipc-bridge container');
    const sandbox = findContainer(job, sandboxContainerName);

    const paths: AgentPodPaths = {
      root,
      ipc: mountedDir(agent, volumeDirs, agentPodPaths.ipc),
      workspace: mountedDir(agent, volumeDirs, agentPodPaths.workspace),
      tmp: mountedDir(agent, volumeDirs, agentPodPaths.tmp),
      execDir: sandbox ? mountedDir(sandbox, volumeDirs, sandboxExecDir) : undefined,
      // the kubelet's terminationMessagePath, /dev/termination-log
      terminationMessage: path.join(root, 'termination-log'),
      runnerLog: path.join(root, `${agentContainerName}.log`),
      bridgeLog: path.join(root, `${ipcBridgeContainerName}.log`),
      sandboxLog: path.join(root, `${sandboxContainerName}.log`),
    };
    // a pod's containers see only their own env, not the test process's
    const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
    const node = (entry: string) => [path.join(repoRoot, 'src', 'cmd', entry)];

    // native sidecars start first, in order, each after its startup probe passed, then the agent
    const bridgeProcess = new PodProcess(process.execPath, node('ipc-bridge.ts'), {
      env: { ...baseEnv, ...containerEnv(bridge, volumeDirs), ...spec.bridgeEnv },
      cwd: root,
      logFile: paths.bridgeLog,
    });
    processes.push(bridgeProcess);
    await waitForStartup(bridge, bridgeProcess, volumeDirs, root, paths.bridgeLog);
    if (sandbox) {
      const [program = '/bin/sh', ...commandArgs] = sandbox.command ?? [];
      const args = (sandbox.args ?? []).map((arg) =>
        arg.startsWith('/') ? (hostPathOf(sandbox, volumeDirs, arg) ?? arg) : arg,
      );
      const sandboxTmp = mountedDir(sandbox, volumeDirs, agentPodPaths.tmp);
      const sandboxStarted = new PodProcess(program, [...commandArgs, ...args], {
        env: { ...baseEnv, HOME: sandboxTmp, TMPDIR: sandboxTmp },
        cwd: mountedDir(sandbox, volumeDirs, agentPodPaths.workspace),
        logFile: paths.sandboxLog,
      });
      processes.push(sandboxStarted);
      await waitForStartup(sandbox, sandboxStarted, volumeDirs, root, paths.sandboxLog);
    }
    const runnerEnv = {
      ...baseEnv,
      ...containerEnv(agent, volumeDirs),
      K8SCLAW_TMP_DIR: paths.tmp,
      K8SCLAW_TERMINATION_MESSAGE_FILE: paths.terminationMessage,
      ...spec.agentEnv,
    };
    const runner = new PodProcess(process.execPath, node('agent-runner.ts'), {
      env: runnerEnv,
      cwd: root,
      logFile: paths.runnerLog,
    });
    processes.push(runner);
    const sandboxProcess = sandbox ? processes[1] : undefined;

    const defaultRunnerTimeoutMs = (effective.timeoutSeconds + 10) * 1000;

    const waitForRunner = async (timeoutMs = defaultRunnerTimeoutMs): Promise<ExitStatus> => {
      const timer = new AbortController();
      const exited = await Promise.race([
        runner.exited,
        sleep(timeoutMs, undefined, { signal: timer.signal }).then(
          () => undefined,
          () => undefined,
        ),
      ]);
      timer.abort();
      return exited ?? (await runner.stop(0));
    };
    // once only: a second SIGTERM would kill the bridge mid-drain; the pod's default
    // terminationGracePeriodSeconds (30) bounds the drain, as the kubelet's SIGKILL would
    let sidecarsStopped: Promise<ExitStatus> | undefined;
    const stopSidecars = (graceMs = 30_000): Promise<ExitStatus> =>
      (sidecarsStopped ??= (async () => {
        const sandboxStopped = sandboxProcess?.stop(5_000);
        const bridgeStopped = await bridgeProcess.stop(graceMs);
        await sandboxStopped;
        return bridgeStopped;
      })());
    const readOptional = (file: string) => readFile(file, 'utf8').catch(() => undefined);

    return {
      identity,
      effective,
      job,
      paths,
      waitForRunner,
      stopSidecars,
      async finish(options = {}) {
        const runnerExit = await waitForRunner(options.runnerTimeoutMs);
        const bridgeExit = await stopSidecars();
        const resultText = await readOptional(path.join(paths.ipc, 'output', 'result.json'));
        return {
          runner: runnerExit,
          bridge: bridgeExit,
          terminationMessage: await readOptional(paths.terminationMessage),
          result: resultText === undefined ? undefined : (JSON.parse(resultText) as RunResult),
          bridgeSummary: await readBridgeSummary(paths.bridgeLog),
        };
      },
      logs: () =>
        [
          `runner log ${paths.runnerLog}:\n${tailOf(paths.runnerLog, 40)}`,
          `bridge log ${paths.bridgeLog}:\n${tailOf(paths.bridgeLog, 40)}`,
          ...(sandbox ? [`sandbox log ${paths.sandboxLog}:\n${tailOf(paths.sandboxLog, 10)}`] : []),
        ].join('\n'),
      async destroy() {
        for (const child of processes) child.signal('SIGKILL');
        await Promise.all(processes.map((child) => child.exited));
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const child of processes) child.signal('SIGKILL');
    await Promise.all(processes.map((child) => child.exited));
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}

/** The bridge's last log line says what it published and whether it drained. */
async function readBridgeSummary(logFile: string): Promise<BridgeSummary | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  for (const line of text.trimEnd().split('\n').reverse()) {
    try {
      const entry = JSON.parse(line) as { msg?: string } & BridgeSummary;
      if (entry.msg === 'ipc bridge stopped') {
        const { published, duplicates, rejected, completedPublished, inputsDelivered, drained } = entry;
        return { published, duplicates, rejected, completedPublished, inputsDelivered, drained };
      }
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

export interface CompletedEventLog {
  /** Every completed event handled, redeliveries included, in arrival order. */
  events: RunEvent[];
  /** The completed events of one run so far. */
  of(runUid: string): RunEvent[];
  /** Waits for the first completed event of a run. */
  waitFor(runUid: string, timeoutMs?: number): Promise<RunEvent>;
  close(): Promise<void>;
}

/**
 * Reads completed events as the controller does: a controller credential, the streams ensured,
 * one durable consumer. The bus API offers no reader for the other event types.
 */
export async function watchCompletedEvents(bus: {
  url: string;
  authority: BusAuthority;
}): Promise<CompletedEventLog> {
  const credentials = await issueUserCredentials(bus.authority, {
    name: 'controller',
    permissions: controllerPermissions(),
  });
  const connection: EventBus = await connectEventBus({
    url: bus.url,
    name: 'test-controller',
    credentials,
    connectTimeoutMs: 10_000,
  });
  await connection.ensureStreams({ timeoutMs: 10_000 });
  const events: RunEvent[] = [];
  const stop = new AbortController();
  const consuming = connection.consumeCompletedEvents(
    `agent-pod-test-${randomUUID().slice(0, 8)}`,
    async (event) => {
      events.push(event);
    },
    { signal: stop.signal, retryDelayMs: 100, maxRetryDelayMs: 500 },
  );
  consuming.catch(() => undefined);
  const of = (runUid: string) => events.filter((event) => event.identity.runUid === runUid);
  return {
    events,
    of,
    async waitFor(runUid, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = of(runUid)[0];
        if (found) return found;
        await sleep(50);
      }
      throw new Error(`no completed event of run ${runUid} on the bus within ${timeoutMs} ms`);
    },
    async close() {
      stop.abort();
      await consuming.catch(() => undefined);
      await connection.close();
    },
  };
}
