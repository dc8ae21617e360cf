// Confinement of the file tools to a few directories. A path the model gives is resolved against
// the workspace, must stay inside an allowed root lexically (no `..` escape) and again after every
// symbolic link is resolved, and is re-checked after it is opened: the sandbox shares /workspace
// and could swap a directory for a symbolic link between the check and the use.
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface PathRoot {
  path: string;
  writable: boolean;
}

export interface PathPolicy {
  /** Relative paths are resolved against this directory. */
  workspaceDir: string;
  roots: readonly PathRoot[];
}

export const defaultPathRoots: readonly PathRoot[] = [
  { path: '/workspace', writable: true },
  { path: '/tmp', writable: true },
  { path: '/skills', writable: false },
];

export type PathAccess = 'read' | 'write';

/** A failure the model can read and act on. */
export class PathError extends Error {
  override name = 'PathError';
}

export interface ResolvedPath {
  /** The absolute path as asked for, for messages. */
  display: string;
  /** The path with every symbolic link resolved: what the tools open. */
  realPath: string;
  exists: boolean;
  root: PathRoot;
  /** The root's own real path. */
  rootRealPath: string;
}

export function describeRoots(policy: PathPolicy): string {
  return policy.roots
    .map((root) => `${root.path} (${root.writable ? 'read-write' : 'read-only'})`)
    .join(', ');
}

export async function resolveToolPath(
  policy: PathPolicy,
  input: string,
  access: PathAccess,
): Promise<ResolvedPath> {
  if (input.includes('\0')) throw new PathError('the path contains a NUL character');
  if (input.trim() === '') throw new PathError('the path is empty');
  const display = path.resolve(policy.workspaceDir, input);
  const lexicalRoot = containingRoot(
    policy.roots.map((root) => ({ root, at: path.resolve(root.path) })),
    display,
  );
  if (!lexicalRoot) {
    throw new PathError(
      `${input === display ? display : `${input} (${display})`} is outside the directories you may access: ${describeRoots(policy)}`,
    );
  }

  const { real, exists } = await realTarget(display);
  const realRoots = await realRootPaths(policy);
  const found = containingRoot(realRoots, real);
  if (!found) {
    // no link involved: the root itself is missing (no skills mounted, say)
    if (!exists && real === display) throw new PathError(`${display} does not exist`);
    throw new PathError(
      `${display} leads through a symbolic link to ${real}, which is outside the directories you may access: ${describeRoots(policy)}`,
    );
  }
  if (access === 'write' && !found.root.writable) {
    throw new PathError(`${display} is in ${found.root.path}, which is read-only`);
  }
  return { display, realPath: real, exists, root: found.root, rootRealPath: found.at };
}

/** Opens a resolved file for reading without following a symbolic link, then proves where it is. */
export async function openConfinedForRead(policy: PathPolicy, resolved: ResolvedPath): Promise<FileHandle> {
  const handle = await openNoFollow(resolved, constants.O_RDONLY);
  return verifyOpened(policy, resolved, handle, 'read');
}

/**
 * Opens a resolved file for writing (created when missing, never truncated here), creating its
 * missing parent directories one by one so none of them can be a symbolic link.
 */
export async function openConfinedForWrite(
  policy: PathPolicy,
  resolved: ResolvedPath,
): Promise<{ handle: FileHandle; created: boolean }> {
  await makeParents(resolved);
  let created = true;
  let handle: FileHandle;
  try {
    handle = await openNoFollow(resolved, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
    created = false;
    handle = await openNoFollow(resolved, constants.O_WRONLY);
  }
  return { handle: await verifyOpened(policy, resolved, handle, 'write'), created };
}

/** A readable sentence for a file system error about `display`. */
export function describeFsError(error: unknown, display: string): string {
  if (error instanceof PathError) return error.message;
  switch (errorCode(error)) {
    case 'ENOENT':
      return `${display} does not exist`;
    case 'EISDIR':
      return `${display} is a directory`;
    case 'ENOTDIR':
      return `${display}: a part of the path is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `${display}: permission denied`;
    case 'ELOOP':
      return `${display} is a symbolic link, which is not followed here`;
    case 'EROFS':
      return `${display} is on a read-only file system`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left to write ${display}`;
    case 'EEXIST':
      return `${display} already exists`;
    default:
      return `${display}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function isInside(parent: string, child: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/** The innermost root holding `target`. */
function containingRoot<T extends { at: string }>(roots: readonly T[], target: string): T | undefined {
  let best: T | undefined;
  for (const candidate of roots) {
    if (isInside(candidate.at, target) && (!best || candidate.at.length > best.at.length)) best = candidate;
  }
  return best;
}

async function realRootPaths(policy: PathPolicy): Promise<{ root: PathRoot; at: string }[]> {
  const found: { root: PathRoot; at: string }[] = [];
  for (const root of policy.roots) {
    try {
      found.push({ root, at: await realpath(root.path) });
    } catch {
      // a root that does not exist (no skills mounted) holds nothing
    }
  }
  return found;
}

/** The real path of `target`, or of its nearest existing ancestor joined with the missing rest. */
async function realTarget(target: string): Promise<{ real: string; exists: boolean }> {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    let info: Stats;
    try {
      info = await lstat(current);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOTDIR') throw new PathError(`${target}: a part of the path is not a directory`);
      if (code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) throw new PathError(`${target}: no part of the path exists`);
      missing.unshift(path.basename(current));
      current = parent;
      continue;
    }
    let real: string;
    try {
      real = await realpath(current);
    } catch (error) {
      const code = errorCode(error);
      if (info.isSymbolicLink() && (code === 'ENOENT' || code === 'ELOOP')) {
        throw new PathError(
          `${current} is a symbolic link to a missing target or a loop, which is not followed`,
        );
      }
      throw error;
    }
    if (missing.length > 0 && !(await stat(real)).isDirectory()) {
      throw new PathError(`${target}: ${current} is not a directory`);
    }
    return { real: path.join(real, ...missing), exists: missing.length === 0 };
  }
}

async function openNoFollow(resolved: ResolvedPath, flags: number): Promise<FileHandle> {
  // O_NONBLOCK: a FIFO planted in the workspace must not hang the runner; no effect on files
  return open(resolved.realPath, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644);
}

/**
 * The opened file must be a regular file that is, right now, at a real path inside an allowed root:
 * if a directory on the way was swapped for a symbolic link, the inode at the checked path differs.
 */
async function verifyOpened(
  policy: PathPolicy,
  resolved: ResolvedPath,
  handle: FileHandle,
  access: PathAccess,
): Promise<FileHandle> {
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw new PathError(`${resolved.display} is not a regular file`);
    const real = await realpath(resolved.realPath);
    const found = containingRoot(await realRootPaths(policy), real);
    if (!found || (access === 'write' && !found.root.writable)) {
      throw new PathError(`${resolved.display} changed while it was being opened; try again`);
    }
    const atPath = await stat(real);
    if (atPath.dev !== opened.dev || atPath.ino !== opened.ino) {
      throw new PathError(`${resolved.display} changed while it was being opened; try again`);
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function makeParents(resolved: ResolvedPath): Promise<void> {
  const parent = path.dirname(resolved.realPath);
  const relative = path.relative(resolved.rootRealPath, parent);
  if (relative === '') return;
  let current = resolved.rootRealPath;
  for (const part of relative.split(path.sep)) {
    current = path.join(current, part);
    try {
      await mkdir(current);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const info = await lstat(current);
    if (!info.isDirectory()) {
      throw new PathError(
        `${resolved.display}: ${current} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}`,
      );
    }
  }
  if ((await realpath(parent)) !== parent) {
    throw new PathError(`${resolved.display} changed while it was being created; try again`);
  }
}
