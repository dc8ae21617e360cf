// The HTTPS edge of admission: POST /validate takes an AdmissionReview v1 and answers it with the
// verdict of reviewAdmission; POST /mutate answers with the changes of reviewMutation. A request it cannot judge (a bad body, a failed read of the cluster)
// is refused, never let through: admission fails closed here as it does when the webhook is down.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/index.ts';
import { admissionResponse, mutationResponse, type AdmissionReview } from './admission-review.ts';
import type { AdmissionReads } from './admission-reads.ts';
import { refuse } from './admission-verdict.ts';
import { reviewAdmission, reviewMutation } from './review-admission.ts';

export interface WebhookServerOptions {
  /** PEM of the serving certificate (and its chain) and its key. */
  tls: { cert: string; key: string };
  reads: AdmissionReads;
  /** The controller's user, which creates sub-agent runs (see inherited-model-override.ts). */
  controllerUsername?: string;
  logger: Logger;
  port: number;
  host?: string;
  /** Largest AdmissionReview accepted, in bytes (the apiserver sends at most a few MiB). */
  maxBodyBytes?: number;
}

export interface WebhookServer {
  port: number;
  /** Replaces the certificate for new connections (rotation); open ones keep theirs until they end. */
  setTls(tls: { cert: string; key: string }): void;
  close(): Promise<void>;
}

const defaultMaxBodyBytes = 4 * 1024 * 1024;

export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const { logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const server = https.createServer({ ...options.tls, minVersion: 'TLSv1.2' }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'admission request failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/validate' && path !== '/mutate') {
      response.writeHead(404).end();
      return;
    }
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) {
      response.writeHead(413).end();
      return;
    }
    let review: AdmissionReview;
    try {
      review = JSON.parse(body) as AdmissionReview;
    } catch {
      response.writeHead(400).end('the body is not JSON');
      return;
    }
    const admissionRequest = review.request;
    if (review.kind !== 'AdmissionReview' || !admissionRequest?.uid) {
      response.writeHead(400).end('the body is not an AdmissionReview with a request');
      return;
    }
    let answer: AdmissionReview;
    try {
      const about = {
        path,
        kind: admissionRequest.kind.kind,
        operation: admissionRequest.operation,
        namespace: admissionRequest.namespace,
        name: admissionRequest.name,
      };
      if (path === '/mutate') {
        const operations = await reviewMutation(admissionRequest, options.reads);
        answer = mutationResponse(admissionRequest.uid, operations);
        logger.info({ ...about, changes: operations.length }, 'admission reviewed');
      } else {
        const verdict = await reviewAdmission(admissionRequest, options.reads, {
          ...(options.controllerUsername ? { controllerUsername: options.controllerUsername } : {}),
        });
        answer = admissionResponse(admissionRequest.uid, verdict);
        logger.info({ ...about, allowed: verdict.allowed }, 'admission reviewed');
      }
    } catch (error) {
      logger.warn({ err: error }, 'admission could not be judged');
      const reason = error instanceof Error ? error.message : String(error);
      answer = admissionResponse(
        admissionRequest.uid,
        refuse(`the K8sClaw admission webhook could not read what it needs to judge this request: ${reason}`),
        500,
      );
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    setTls: (tls) => {
      // new connections get the new certificate; kept-alive ones end with their idle timeout. Closing
      // them here would race the apiserver's next call on them, which then fails (and is refused)
      server.setSecureContext({ ...tls, minVersion: 'TLSv1.2' });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** The body as text, or undefined when it is larger than `limit` bytes. */
async function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
