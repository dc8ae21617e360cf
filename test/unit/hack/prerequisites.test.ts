// The set-up scripts check what they need before starting work: run with a PATH that lacks a tool
// (and an empty cache, so they would have to build or fetch), each exits 1 with one sentence
// naming what is missing and how to get it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../../harness/binaries.ts';

const tools = ['bash', 'sed', 'sort', 'head', 'uname', 'mktemp', 'dirname', 'cat', 'grep', 'printf', 'id'];

describe('set-up script prerequisites', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'k8sclaw-prereq-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A bin directory with the basic tools and the given stand-in commands (name → shell script body). */
  function binWith(name: string, standIns: Record<string, string> = {}): string {
    const bin = path.join(work, name);
    spawnSync('mkdir', ['-p', bin]);
    // a replaced tool is never linked: writing its stand-in through a link would change the real one
    for (const tool of tools.filter((t) => !(t in standIns))) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      if (found) symlinkSync(found, path.join(bin, tool));
    }
    for (const [command, body] of Object.entries(standIns)) {
      writeFileSync(path.join(bin, command), `#!/bin/sh\n${body}\n`, { flag: 'wx' });
      chmodSync(path.join(bin, command), 0o755);
    }
    return bin;
  }

  function runScript(script: string, bin: string) {
    const result = spawnSync('bash', [path.join(repoRoot, script)], {
      env: { PATH: bin, HOME: work, K8SCLAW_CACHE: path.join(work, 'cache') },
      encoding: 'utf8',
    });
    return { code: result.status, stderr: result.stderr };
  }

  it('hack/node.sh without npm', () => {
    const result = runScript('hack/node.sh', binWith('no-npm'));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^hack\/node\.sh: npm is missing \(it fetches Node\.js [0-9.]+ from the npm registry\); install npm \(e\.g\. apt-get install npm\)\.\n$/,
    );
  });

  it('hack/go-tools.sh and hack/k8s/build.sh without Go, or with one too old', () => {
    const none = binWith('no-go');
    assert.deepEqual(runScript('hack/go-tools.sh', none), {
      code: 1,
      stderr:
        'hack/go-tools.sh: go is missing (it builds upstream servers from Go modules); install Go 1.25.0 or newer from https://go.dev/dl and put it on PATH.\n',
    });
    const build = runScript('hack/k8s/build.sh', none);
    assert.equal(build.code, 1);
    assert.match(build.stderr, /^hack\/k8s\/build\.sh: go is missing .*; install Go 1\.\d+\.\d+ or newer/);
    const old = binWith('old-go', { go: 'echo go1.22.1' });
    assert.deepEqual(runScript('hack/go-tools.sh', old), {
      code: 1,
      stderr:
        'hack/go-tools.sh: Go 1.22.1 is too old (it needs Go 1.25.0 or newer); install a newer one from https://go.dev/dl.\n',
    });
  });

  it('hack/install-deps.sh off Debian, and without root or sudo', () => {
    const result = runScript('hack/install-deps.sh', binWith('no-dpkg'));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^hack\/install-deps\.sh: dpkg-query is missing \(it installs Debian packages\)/,
    );
    // every package missing, a user who is not root, and no sudo: apt-get must not run
    const user = binWith('not-root', {
      'dpkg-query': 'exit 1',
      'apt-get': 'echo apt-get ran; exit 0',
      id: 'echo 1000',
    });
    const denied = runScript('hack/install-deps.sh', user);
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /^hack\/install-deps\.sh: installing containerd .* needs root: run it as root or install sudo\.\n$/,
    );
  });
});
