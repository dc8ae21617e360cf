// Deploys the scripted model server (test/fakes/model-server/deployment.yaml) into a namespace of
// the local cluster, with a script and a random API key, and waits until it serves. Agents of that
// namespace reach it at `baseURL` with the key in the Secret `keySecret`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { ModelScript, TranscriptMessage } from '../fakes/model-server/index.ts';
import { repoRoot } from './binaries.ts';
import { kubectl } from './kubectl.ts';

export interface ScriptedModelInCluster {
  baseURL: string;
  keySecret: { name: string; key: string };
  /** Replaces the script and restarts the server, which reads it at start. */
  setScript(script: ModelScript): Promise<void>;
}

const manifest = path.join(repoRoot, 'test', 'fakes', 'model-server', 'deployment.yaml');

export async function deployScriptedModel(
  kubeconfig: string,
  namespace: string,
  script: ModelScript,
): Promise<ScriptedModelInCluster> {
  const k = (...args: string[]) => kubectl(kubeconfig, '-n', namespace, ...args);
  /** Applies a Secret or ConfigMap holding one file, through a temporary file (never argv). */
  const applyOneFile = async (kind: 'secret' | 'configmap', name: string, key: string, text: string) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-model-'));
    try {
      const file = path.join(dir, key);
      await writeFile(file, text, { mode: 0o600 });
      const create = kind === 'secret' ? ['create', 'secret', 'generic'] : ['create', 'configmap'];
      const yaml = await k(...create, name, `--from-file=${key}=${file}`, '--dry-run=client', '-o', 'yaml');
      await writeFile(path.join(dir, 'object.yaml'), yaml, { mode: 0o600 });
      await k('apply', '-f', path.join(dir, 'object.yaml'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  await applyOneFile('secret', 'model-api-key', 'api-key', randomBytes(16).toString('hex'));
  await applyOneFile('configmap', 'model-script', 'script.yaml', stringify(script));
  await k('apply', '-f', manifest);
  await k('rollout', 'status', 'deployment/model', '--timeout=120s');
  return {
    baseURL: `http://model.${namespace}.svc/v1`,
    keySecret: { name: 'model-api-key', key: 'api-key' },
    setScript: async (next) => {
      await applyOneFile('configmap', 'model-script', 'script.yaml', stringify(next));
      await k('rollout', 'restart', 'deployment/model');
      await k('rollout', 'status', 'deployment/model', '--timeout=120s');
    },
  };
}

/** The conversation of each model request in the namespace, from the scripted model's log lines. */
export async function modelPrompts(kubeconfig: string, namespace: string): Promise<TranscriptMessage[][]> {
  const log = await kubectl(kubeconfig, 'logs', '-n', namespace, 'deployment/model');
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { messages?: TranscriptMessage[] })
    .flatMap((entry) => (entry.messages ? [entry.messages] : []));
}
