import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../observability/index.ts';
import type { AdmissionReads } from './admission-reads.ts';
import { generateServingCertificate, type ServingCertificate } from './serving-certificate.ts';
import { readTlsFiles, watchTlsFiles, type TlsFileWatch } from './tls-files.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

const noReads: AdmissionReads = {
  instance: () => Promise.reject(new Error('not used')),
  policy: () => Promise.reject(new Error('not used')),
  run: () => Promise.reject(new Error('not used')),
  skillPackExists: () => Promise.reject(new Error('not used')),
  mayGetSecret: () => Promise.reject(new Error('not used')),
  instancesBoundTo: () => Promise.reject(new Error('not used')),
};

/**
 * Writes the pair as the kubelet updates a Secret volume: into a fresh directory, then one atomic
 * rename of the `..data` symlink the files point through.
 */
async function writePair(dir: string, tls: ServingCertificate, version: string): Promise<void> {
  const data = path.join(dir, `..${version}`);
  await mkdir(data);
  await writeFile(path.join(data, 'tls.crt'), tls.certPem);
  await writeFile(path.join(data, 'tls.key'), tls.keyPem);
  await symlink(`..${version}`, path.join(dir, '..data_tmp'));
  await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const file of ['tls.crt', 'tls.key']) {
    await symlink(path.join('..data', file), path.join(dir, file)).catch(() => undefined);
  }
}

/** Whether a new TLS connection to the server verifies with `ca`. */
function connectsWith(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = https.get(
      { host: '127.0.0.1', port, path: '/elsewhere', ca, agent: false },
      (response) => {
        response.resume();
        resolve(true);
      },
    );
    request.on('error', () => resolve(false));
  });
}

describe('rotating the serving certificate from its files', () => {
  let dir = '';
  let server: WebhookServer;
  let watch: TlsFileWatch;
  let first: ServingCertificate;
  let second: ServingCertificate;
  const errors: unknown[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-webhook-tls-'));
    const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
    [first, second] = await Promise.all([
      generateServingCertificate(names),
      generateServingCertificate(names),
    ]);
    await writePair(dir, first, 'v1');
    const tls = await readTlsFiles(dir);
    server = await startWebhookServer({
      tls,
      reads: noReads,
      logger: createLogger({
        component: 'webhook',
        destination: new Writable({ write: (_c, _e, done) => done() }),
      }),
      port: 0,
      host: '127.0.0.1',
    });
    watch = watchTlsFiles({
      dir,
      current: tls,
      intervalMs: 50,
      onChange: (pair) => server.setTls(pair),
      onError: (error) => errors.push(error),
    });
  });
  after(async () => {
    watch.stop();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves the new certificate to new connections once the files change', async () => {
    assert.equal(await connectsWith(server.port, first.caCertPem), true);
    assert.equal(await connectsWith(server.port, second.caCertPem), false);

    await writePair(dir, second, 'v2');
    let rotated = false;
    for (let attempt = 0; attempt < 100 && !rotated; attempt += 1) {
      rotated = await connectsWith(server.port, second.caCertPem);
      if (!rotated) await sleep(50);
    }
    assert.equal(rotated, true, 'the new certificate was never served');
    assert.equal(await connectsWith(server.port, first.caCertPem), false);
    assert.deepEqual(errors, []);
  });
});
