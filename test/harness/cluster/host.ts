// Side effects of the local cluster on this host, each with its undo: sysctls (saved and restored),
// the pod bridge, mount propagation, processes tracked by pid files, and the cleanup of what the
// kubelet, containerd, CNI and kube-proxy leave behind (mounts, network namespaces, cgroups,
// iptables chains). Every function is safe to call when there is nothing to undo.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export async function run(command: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

export async function tryRun(command: string, args: string[]): Promise<string | undefined> {
  try {
    return await run(command, args);
  } catch {
    return undefined;
  }
}

// ---- sysctls ---------------------------------------------------------------------------------

const sysctlFile = (key: string) => path.join('/proc/sys', ...key.split('.'));

export async function applySysctls(wanted: Record<string, string>, backupFile: string): Promise<void> {
  const previous: Record<string, string> = existsSync(backupFile)
    ? (JSON.parse(await readFile(backupFile, 'utf8')) as Record<string, string>)
    : {};
  for (const [key, value] of Object.entries(wanted)) {
    const file = sysctlFile(key);
    const current = (await readFile(file, 'utf8')).trim();
    previous[key] ??= current;
    if (current !== value) await writeFile(file, value);
  }
  await writeFile(backupFile, JSON.stringify(previous, null, 2));
}

export async function restoreSysctls(backupFile: string): Promise<void> {
  if (!existsSync(backupFile)) return;
  const previous = JSON.parse(await readFile(backupFile, 'utf8')) as Record<string, string>;
  for (const [key, value] of Object.entries(previous)) {
    await writeFile(sysctlFile(key), value).catch(() => undefined);
  }
}

// ---- network ---------------------------------------------------------------------------------

export async function linkExists(name: string): Promise<boolean> {
  return (await tryRun('ip', ['link', 'show', name])) !== undefined;
}

export async function ensureBridge(name: string, addressCidr: string): Promise<void> {
  if (!(await linkExists(name))) await run('ip', ['link', 'add', name, 'type', 'bridge']);
  const addresses = await run('ip', ['-o', 'addr', 'show', 'dev', name]);
  if (!addresses.includes(` ${addressCidr} `)) await run('ip', ['addr', 'add', addressCidr, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
}

export async function deleteLink(name: string): Promise<void> {
  if (await linkExists(name)) await run('ip', ['link', 'del', name]);
}

/** Network namespaces made by the CNI for pods (named cni-<uuid>). */
export async function listCniNetns(): Promise<string[]> {
  const out = (await tryRun('ip', ['netns', 'list'])) ?? '';
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith('cni-'));
}

export async function deleteCniNetns(): Promise<void> {
  for (const name of await listCniNetns()) await tryRun('ip', ['netns', 'delete', name]);
}

// ---- iptables ---------------------------------------------------------------------------------

const ownedChain = /^(KUBE-|CNI-)/;
const iptablesTables = ['filter', 'nat', 'mangle', 'raw'];

/** Chains created by the kubelet, kube-proxy and the CNI plugins, per `iptables` binary and table. */
export async function listOwnedChains(): Promise<string[]> {
  const found: string[] = [];
  for (const binary of ['iptables', 'ip6tables']) {
    for (const table of iptablesTables) {
      const rules = (await tryRun(binary, ['-w', '-t', table, '-S'])) ?? '';
      for (const line of rules.split('\n')) {
        const chain = /^-N (\S+)/.exec(line)?.[1];
        if (chain && ownedChain.test(chain)) found.push(`${binary}/${table}/${chain}`);
      }
    }
  }
  return found;
}

export async function removeOwnedChains(): Promise<void> {
  for (const binary of ['iptables', 'ip6tables']) {
    for (const table of iptablesTables) {
      const rules = ((await tryRun(binary, ['-w', '-t', table, '-S'])) ?? '').split('\n');
      // first the jumps into our chains from chains we do not own, then our chains themselves
      for (const line of rules) {
        const match = /^-A (\S+) (.*-j (\S+).*)$/.exec(line);
        if (match && !ownedChain.test(match[1] ?? '') && ownedChain.test(match[3] ?? '')) {
          await tryRun(binary, ['-w', '-t', table, '-D', match[1] ?? '', ...splitRule(match[2] ?? '')]);
        }
      }
      const chains = rules
        .map((line) => /^-N (\S+)/.exec(line)?.[1])
        .filter((c): c is string => !!c && ownedChain.test(c));
      for (const chain of chains) await tryRun(binary, ['-w', '-t', table, '-F', chain]);
      for (const chain of chains) await tryRun(binary, ['-w', '-t', table, '-X', chain]);
    }
  }
}

/** Splits an `iptables -S` rule into arguments, keeping quoted comments together. */
export function splitRule(rule: string): string[] {
  const args: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let match = pattern.exec(rule); match; match = pattern.exec(rule)) {
    args.push(match[1] !== undefined ? match[1].replace(/\\(.)/g, '$1') : (match[2] ?? ''));
  }
  return args;
}

// ---- mounts and cgroups --------------------------------------------------------------------------

export async function listMountsUnder(roots: string[]): Promise<string[]> {
  const mounts = await readFile('/proc/self/mountinfo', 'utf8');
  const targets = mounts
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((target) => target.replace(/\\040/g, ' '))
    .filter((target) => roots.some((root) => target === root || target.startsWith(`${root}/`)));
  return [...new Set(targets)];
}

export async function unmountUnder(roots: string[]): Promise<void> {
  // deepest first; repeat, since one target can be mounted more than once
  for (let round = 0; round < 5; round++) {
    const targets = (await listMountsUnder(roots)).sort((a, b) => b.length - a.length);
    if (targets.length === 0) return;
    for (const target of targets) {
      if ((await tryRun('umount', [target])) === undefined) await tryRun('umount', ['-l', target]);
    }
  }
}

export async function listKubepodsCgroups(): Promise<string[]> {
  const root = '/sys/fs/cgroup';
  const entries = await readdir(root).catch(() => [] as string[]);
  const found: string[] = [];
  for (const controller of entries) {
    const dir = path.join(root, controller, 'kubepods');
    if (existsSync(dir)) found.push(dir);
  }
  if (existsSync(path.join(root, 'kubepods'))) found.push(path.join(root, 'kubepods'));
  return found;
}

async function removeCgroupTree(dir: string): Promise<void> {
  const children = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const child of children) if (child.isDirectory()) await removeCgroupTree(path.join(dir, child.name));
  await rmdir(dir).catch(() => undefined);
}

export async function removeKubepodsCgroups(): Promise<void> {
  for (const dir of await listKubepodsCgroups()) await removeCgroupTree(dir);
}

// ---- processes ---------------------------------------------------------------------------------

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). With the pid it
 * names one process for good: a pid left in a stale pid file may since belong to anything else.
 */
async function processStartTime(pid: number): Promise<string | undefined> {
  return (await readProcStat(pid))?.[19];
}

/** Fields 3 onwards of /proc/<pid>/stat (the command name, field 2, may hold spaces and brackets). */
async function readProcStat(pid: number): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const end = stat.lastIndexOf(')');
  return end < 0 ? undefined : stat.slice(end + 2).split(' ');
}

/** Records a daemon's pid with its start time, so a later `down` can tell it from a recycled pid. */
export async function writePidFile(pidDir: string, name: string, pid: number): Promise<void> {
  const startTime = await processStartTime(pid);
  await writeFile(path.join(pidDir, `${name}.pid`), `${pid} ${startTime ?? ''}`.trim());
}

/**
 * The daemons of the pid files that are still the processes recorded. A pid whose start time differs
 * (the host restarted, or the state was copied to another machine) is someone else's: never stopped.
 */
export async function readPidFiles(pidDir: string): Promise<{ name: string; pid: number }[]> {
  const files = await readdir(pidDir).catch(() => [] as string[]);
  const result: { name: string; pid: number }[] = [];
  for (const file of files.filter((f) => f.endsWith('.pid'))) {
    const [pidText, startTime] = (await readFile(path.join(pidDir, file), 'utf8')).trim().split(' ');
    const pid = Number(pidText);
    if (pid > 0 && startTime && (await processStartTime(pid)) === startTime) {
      result.push({ name: file.slice(0, -4), pid });
    }
  }
  return result;
}

/** This process and every process it descends from: never stopped by a clean-up pass. */
export async function selfAndAncestors(): Promise<Set<number>> {
  const chain = new Set<number>();
  for (let pid = process.pid; pid > 0 && !chain.has(pid);) {
    chain.add(pid);
    pid = Number((await readProcStat(pid))?.[1] ?? 0);
  }
  return chain;
}

export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
}

/** Other processes whose command line mentions one of `markers` (e.g. the cluster's containerd socket). */
export async function findProcessesMentioning(
  markers: string[],
): Promise<{ pid: number; cmdline: string }[]> {
  const found: { pid: number; cmdline: string }[] = [];
  const spared = await selfAndAncestors();
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!pid || spared.has(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const text = cmdline.replace(/\0/g, ' ').trim();
    if (text && markers.some((marker) => text.includes(marker))) found.push({ pid, cmdline: text });
  }
  return found;
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Every process still inside a kubepods cgroup (containers whose shim is gone). */
export async function listKubepodsProcesses(): Promise<number[]> {
  const pids = new Set<number>();
  const walk = async (dir: string): Promise<void> => {
    const procs = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
    for (const line of procs.split('\n')) if (Number(line) > 0) pids.add(Number(line));
    for (const child of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (child.isDirectory()) await walk(path.join(dir, child.name));
    }
  };
  for (const dir of await listKubepodsCgroups()) await walk(dir);
  const spared = await selfAndAncestors();
  return [...pids].filter((pid) => !spared.has(pid));
}
