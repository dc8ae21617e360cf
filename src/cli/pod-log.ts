// Streams one container's log of a pod to a writer, following it (`-f`) until the container ends.
// The client's typed call buffers the whole body, so this asks the API server directly, with the
// kubeconfig's TLS and credentials applied by the client's own configuration.
import https from 'node:https';
import type { Writable } from 'node:stream';
import { KubeApiError, type KubeClient } from '../kube/index.ts';

export interface PodLogRequest {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  /** Ends a followed log: the request is closed and the promise resolves. */
  signal?: AbortSignal;
}

export async function streamPodLog(kube: KubeClient, request: PodLogRequest, out: Writable): Promise<void> {
  const url = new URL(
    `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/pods/${encodeURIComponent(request.pod)}/log`,
    kube.server,
  );
  url.searchParams.set('container', request.container);
  if (request.follow) url.searchParams.set('follow', 'true');
  const options: https.RequestOptions = { method: 'GET', headers: {} };
  await kube.config.applyToHTTPSOptions(options);
  await new Promise<void>((resolve, reject) => {
    const req = https.request(url, options, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        response.on('data', (chunk: Buffer) => out.write(chunk));
        response.on('end', resolve);
        response.on('error', reject);
        return;
      }
      const body: Buffer[] = [];
      response.on('data', (chunk: Buffer) => body.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(body).toString('utf8');
        let parsed: { reason?: string; message?: string } = {};
        try {
          parsed = JSON.parse(text) as typeof parsed;
        } catch {
          parsed = { message: text };
        }
        reject(new KubeApiError(status, parsed.reason ?? '', parsed.message ?? `HTTP ${status}`, undefined));
      });
    });
    req.on('error', (error) => (request.signal?.aborted ? resolve() : reject(error)));
    request.signal?.addEventListener('abort', () => req.destroy(), { once: true });
    req.end();
  });
}
