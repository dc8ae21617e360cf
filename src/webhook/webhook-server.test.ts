import assert from 'node:assert/strict';
import https from 'node:https';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../observability/index.ts';
import type { AdmissionReads } from './admission-reads.ts';
import type { AdmissionReview } from './admission-review.ts';
import { generateServingCertificate } from './serving-certificate.ts';
import { startWebhookServer, type WebhookServer } from './webhook-server.ts';

/** Reads of a cluster that cannot be reached: every read fails. */
const unreachable: AdmissionReads = {
  instance: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
  policy: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
  run: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
  skillPackExists: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
  mayGetSecret: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
  instancesBoundTo: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6443')),
};

const review = (kind: string, object: unknown, operation = 'CREATE') => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'req-1',
    kind: { group: 'k8sclaw.io', version: 'v1alpha1', kind },
    operation,
    namespace: 'team-a',
    userInfo: { username: 'alice' },
    object,
  },
});

describe('webhook server', () => {
  let server: WebhookServer;
  let ca = '';
  const post = (path: string, body: string, method = 'POST') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = https.request(
        {
          host: '127.0.0.1',
          port: server.port,
          path,
          method,
          ca,
          headers: { 'content-type': 'application/json' },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.end(body);
    });

  before(async () => {
    const tls = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    ca = tls.caCertPem;
    server = await startWebhookServer({
      tls: { cert: tls.certPem, key: tls.keyPem },
      reads: unreachable,
      logger: createLogger({
        component: 'webhook',
        destination: new Writable({ write: (_c, _e, done) => done() }),
      }),
      port: 0,
      host: '127.0.0.1',
      maxBodyBytes: 64 * 1024,
    });
  });
  after(() => server.close());

  it('refuses a request it cannot judge because the cluster cannot be read (fail closed)', async () => {
    const run = { metadata: { name: 'r' }, spec: { instanceRef: 'alice', task: 't' } };
    const answer = await post('/validate', JSON.stringify(review('AgentRun', run)));
    assert.equal(answer.status, 200);
    const { response } = JSON.parse(answer.body) as AdmissionReview;
    assert.equal(response?.uid, 'req-1');
    assert.equal(response?.allowed, false);
    assert.equal(response?.status?.code, 500);
    assert.match(
      response?.status?.message ?? '',
      /could not read what it needs to judge this request: connect ECONNREFUSED/,
    );
  });

  it('answers a refusal with code 403 and the sentence', async () => {
    const schedule = {
      metadata: { name: 'nightly' },
      spec: { instanceRef: 'a', schedule: '0 3 * * *', timeZone: 'Mars/Olympus_Mons', task: 't' },
    };
    const { response } = JSON.parse(
      (await post('/validate', JSON.stringify(review('ClawSchedule', schedule, 'UPDATE')))).body,
    ) as AdmissionReview;
    assert.deepEqual(response, {
      uid: 'req-1',
      allowed: false,
      status: {
        code: 403,
        message:
          'ClawSchedule nightly is refused: spec.timeZone has an unknown time zone "Mars/Olympus_Mons" (use an IANA name such as Europe/Berlin).',
      },
    });
  });

  it('admits kinds it has no rules for without reading anything', async () => {
    const { response } = JSON.parse(
      (await post('/validate', JSON.stringify(review('ClawWidget', { metadata: { name: 's' }, spec: {} }))))
        .body,
    ) as AdmissionReview;
    assert.deepEqual(response, { uid: 'req-1', allowed: true });
  });

  it('rejects what is not an AdmissionReview, other methods, paths and oversized bodies', async () => {
    assert.equal((await post('/validate', 'not json')).status, 400);
    assert.equal((await post('/validate', JSON.stringify({ kind: 'AdmissionReview' }))).status, 400);
    assert.equal((await post('/validate', '', 'GET')).status, 405);
    assert.equal((await post('/elsewhere', '{}')).status, 404);
    assert.equal((await post('/validate', 'x'.repeat(65 * 1024))).status, 413);
  });

  it('answers every call on a kept-alive connection while its certificate is replaced again and again', async () => {
    const renewed = await generateServingCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: [ca, renewed.caCertPem] });
    const body = JSON.stringify(review('ClawWidget', { metadata: { name: 's' }, spec: {} }));
    const call = () =>
      new Promise<number>((resolve, reject) => {
        const request = https.request(
          { host: '127.0.0.1', port: server.port, path: '/validate', method: 'POST', agent },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode ?? 0));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    const rotations = setInterval(() => server.setTls({ cert: renewed.certPem, key: renewed.keyPem }), 1);
    const failures: string[] = [];
    try {
      for (let i = 0; i < 300; i++) {
        await call().then(
          (status) => status === 200 || failures.push(`call ${i}: status ${status}`),
          (error: Error) => failures.push(`call ${i}: ${error.message}`),
        );
      }
    } finally {
      clearInterval(rotations);
      agent.destroy();
    }
    assert.deepEqual(failures, []);
  });
});
