// Temporary stand-ins for /workspace, /tmp and /skills, plus a directory outside them all, for the
// tests of the file tools.
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PathPolicy } from '../paths.ts';

export interface TestRoots {
  base: string;
  workspace: string;
  tmp: string;
  skills: string;
  outside: string;
  policy: PathPolicy;
  remove(): Promise<void>;
}

export async function makeTestRoots(): Promise<TestRoots> {
  const base = await realpath(await mkdtemp(path.join(tmpdir(), 'agent-tools-')));
  const workspace = path.join(base, 'workspace');
  const tmp = path.join(base, 'tmp');
  const skills = path.join(base, 'skills');
  const outside = path.join(base, 'outside');
  for (const dir of [workspace, tmp, skills, outside]) await mkdir(dir);
  return {
    base,
    workspace,
    tmp,
    skills,
    outside,
    policy: {
      workspaceDir: workspace,
      roots: [
        { path: workspace, writable: true },
        { path: tmp, writable: true },
        { path: skills, writable: false },
      ],
    },
    remove: () => rm(base, { recursive: true, force: true }),
  };
}
