// Readiness probes for the servers the harness starts: an HTTP(S) GET that must answer 200 (and,
// when given, a body check), and a TCP connect. Each attempt is bounded by a short timeout.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface TlsClientOptions {
  ca?: string;
  cert?: string;
  key?: string;
  /** Components that self-sign their serving certificate are probed without verifying it. */
  rejectUnauthorized?: boolean;
}

export async function httpGet(
  url: string,
  tls: TlsClientOptions = {},
  timeoutMs = 2_000,
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return await new Promise((resolve, reject) => {
    const request = transport.get(target, { ...tls, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

export function httpOkProbe(url: string, tls: TlsClientOptions = {}): () => Promise<boolean> {
  return async () => (await httpGet(url, tls)).status === 200;
}

export function tcpProbe(host: string, port: number, timeoutMs = 1_000): () => Promise<boolean> {
  return async () =>
    await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (ok: boolean) => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
}
