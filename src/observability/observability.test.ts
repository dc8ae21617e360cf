import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createControllerMetrics, createLogger, startHealthServer } from './index.ts';

describe('observability', () => {
  it('logs JSON with the component and redacts secrets', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const logger = createLogger({ component: 'test', destination: out });
    logger
      .child({ namespace: 'ns' })
      .info({ token: 'sekret', run: { apiKey: 'sk-123' }, run2: 'r' }, 'run created');
    await new Promise((resolve) => setImmediate(resolve));
    const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
    assert.equal(line.component, 'test');
    assert.equal(line.namespace, 'ns');
    assert.equal(line.msg, 'run created');
    assert.equal(line.level, 'info');
    assert.equal(line.token, '[redacted]');
    assert.deepEqual(line.run, { apiKey: '[redacted]' });
    assert.doesNotMatch(chunks.join(''), /sekret|sk-123/);
  });

  it('serves healthz, readyz as the check says, and metrics', async () => {
    let ready = false;
    const metrics = createControllerMetrics();
    metrics.reconcileTotal.inc({ controller: 'agentrun', result: 'success' });
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      isReady: () => ready,
      registry: metrics.registry,
    });
    try {
      const get = async (path: string) => {
        const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
        return { status: response.status, body: await response.text() };
      };
      assert.equal((await get('/healthz')).status, 200);
      assert.equal((await get('/readyz')).status, 503);
      ready = true;
      assert.equal((await get('/readyz')).status, 200);
      const text = (await get('/metrics')).body;
      assert.match(text, /k8sclaw_reconcile_total\{controller="agentrun",result="success"\} 1/);
      assert.equal((await get('/nope')).status, 404);
    } finally {
      await server.close();
    }
  });
});
