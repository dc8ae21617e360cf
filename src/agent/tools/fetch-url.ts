// fetch_url: one HTTP(S) GET or HEAD to a public address. Every host name is resolved once, every
// address it resolves to is vetted, and the connection goes to the vetted address (the check sits
// in the socket's own lookup, so a second, different DNS answer cannot slip in between). Redirects
// are followed by hand, each hop vetted again. Host rules of the run's egress policy apply on top.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkHostName, classifyAddress, type AddressCheck } from './address-policy.ts';
import { toolError, toolOk, type Tool, type ToolResult } from './tool.ts';

export interface EgressPolicy {
  /** Only `allowedHosts` are reachable. */
  denyAll: boolean;
  allowedHosts: readonly { host: string; port?: number | undefined }[];
}

export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

export interface FetchUrlOptions {
  egressPolicy: EgressPolicy;
  /** Replaces the address check (tests reach a loopback server through it). */
  checkAddress?: AddressCheck;
  /** Replaces DNS resolution. */
  resolveHost?: ResolveHost;
  timeoutMs?: number;
  maxRedirects?: number;
  /** Upper bound of max_bytes, and its default. */
  maxBytesLimit?: number;
  defaultMaxBytes?: number;
}

export interface FetchUrlArgs {
  url: string;
  method?: 'GET' | 'HEAD';
  max_bytes?: number;
}

export const defaultFetchTimeoutMs = 30_000;
export const defaultFetchMaxBytes = 20_000;
export const defaultFetchMaxBytesLimit = 28_000;
const defaultMaxRedirects = 5;
/** Past max_bytes the body is still counted (not kept) up to this, for the truncation note. */
const countLimitBytes = 4 * 1024 * 1024;
const shownHeaders = ['content-type', 'content-length', 'last-modified', 'location'];

/** A refusal of this tool's own policy: the message is for the model as is. */
class FetchRefused extends Error {
  override name = 'FetchRefused';
}

const systemResolve: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    );
  });

export function createFetchUrlTool(options: FetchUrlOptions): Tool<FetchUrlArgs> {
  const maxBytesLimit = options.maxBytesLimit ?? defaultFetchMaxBytesLimit;
  const defaultMaxBytes = Math.min(options.defaultMaxBytes ?? defaultFetchMaxBytes, maxBytesLimit);
  const timeoutMs = options.timeoutMs ?? defaultFetchTimeoutMs;
  const maxRedirects = options.maxRedirects ?? defaultMaxRedirects;
  return {
    spec: {
      name: 'fetch_url',
      description:
        'Fetch a public http(s) URL with GET or HEAD and return the status, the main headers and the ' +
        `body as text (at most max_bytes, default ${defaultMaxBytes}). Private, cluster and cloud ` +
        'metadata addresses are refused.',
      parameters: {
        type: 'object',
        properties: {
          url: { type: 'string', minLength: 1, maxLength: 8192, description: 'An http:// or https:// URL.' },
          method: { type: 'string', enum: ['GET', 'HEAD'], description: 'GET (default) or HEAD.' },
          max_bytes: {
            type: 'integer',
            minimum: 1,
            maximum: maxBytesLimit,
            description: 'Most bytes of the body to return.',
          },
        },
        required: ['url'],
        additionalProperties: false,
      },
    },
    async run(args, context) {
      const method = args.method ?? 'GET';
      const maxBytes = args.max_bytes ?? defaultMaxBytes;
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = AbortSignal.any([context.signal, timeout]);
      const hops: string[] = [];
      try {
        let url = parseUrl(args.url);
        for (let redirects = 0; ; redirects++) {
          vetUrl(url, options);
          hops.push(url.href);
          const response = await send(url, method, signal, options);
          const location = response.headers.location;
          if (isRedirect(response.statusCode) && location) {
            response.destroy();
            if (redirects >= maxRedirects) {
              return toolError(`too many redirects (more than ${maxRedirects}): ${hops.join(' -> ')}`);
            }
            url = parseUrl(location, url);
            continue;
          }
          const body = method === 'HEAD' ? undefined : await readBody(response, maxBytes);
          return render(method, url, hops, response, body, maxBytes);
        }
      } catch (error) {
        if (error instanceof FetchRefused) return toolError(error.message);
        if (context.signal.aborted) return toolError('the run was cancelled while fetching');
        const last = hops.at(-1) ?? args.url;
        if (timeout.aborted) return toolError(`timed out after ${timeoutMs / 1000} seconds fetching ${last}`);
        return toolError(describeNetworkError(error, last));
      }
    },
  };
}

function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new FetchRefused(`${base ? 'the redirect target ' : ''}${text} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchRefused(`${url.protocol} URLs are not supported: only http and https`);
  }
  return url;
}

function effectivePort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function bareHost(url: URL): string {
  return url.hostname
    .replace(/^\[|\]$/g, '')
    .toLowerCase()
    .replace(/\.+$/, '');
}

/** What can be decided before connecting: the egress policy, blocked names and literal addresses. */
function vetUrl(url: URL, options: FetchUrlOptions): void {
  const host = bareHost(url);
  const port = effectivePort(url);
  const { egressPolicy } = options;
  if (egressPolicy.denyAll) {
    const allowed = egressPolicy.allowedHosts.some(
      (rule) =>
        rule.host.toLowerCase().replace(/\.+$/, '') === host &&
        (rule.port === undefined || rule.port === port),
    );
    if (!allowed) {
      const list = egressPolicy.allowedHosts.map((rule) =>
        rule.port ? `${rule.host}:${rule.port}` : rule.host,
      );
      throw new FetchRefused(
        `${host}:${port} is not allowed by the run's network policy; ` +
          (list.length > 0 ? `reachable hosts: ${list.join(', ')}` : 'it allows no outside hosts'),
      );
    }
  }
  const named = checkHostName(host);
  if (named) throw new FetchRefused(`${host} is refused: it is ${named}`);
  if (isIP(host)) {
    const reason = (options.checkAddress ?? classifyAddress)(host);
    if (reason)
      throw new FetchRefused(`${host} is refused: it is ${reason}; only public addresses may be fetched`);
  }
}

/** The socket's lookup: resolve once, refuse if any answer is not allowed, connect to the vetted answers. */
function vettedLookup(options: FetchUrlOptions): LookupFunction {
  const check = options.checkAddress ?? classifyAddress;
  const resolve = options.resolveHost ?? systemResolve;
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (found) => {
        for (const answer of found) {
          const reason = check(answer.address);
          if (reason) {
            const error = new FetchRefused(
              `${hostname} is refused: it resolves to ${answer.address}, ${reason}; only public addresses may be fetched`,
            );
            callback(error, '', 0);
            return;
          }
        }
        const family =
          lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family;
        const usable = family ? found.filter((answer) => answer.family === family) : found;
        const first = usable[0];
        if (!first) {
          const error = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          callback(error, '', 0);
        } else if (lookupOptions.all) {
          callback(null, usable);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function send(
  url: URL,
  method: string,
  signal: AbortSignal,
  options: FetchUrlOptions,
): Promise<IncomingMessage> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method,
      signal,
      // a pooled socket could have been opened for another host's vetted address
      agent: false,
      lookup: vettedLookup(options),
      headers: {
        'user-agent': 'k8sclaw-agent',
        accept: '*/*',
        // the body is shown as text: no decompression to do, no decompression bomb to defuse
        'accept-encoding': 'identity',
      },
    });
    outgoing.once('response', resolve);
    outgoing.once('error', reject);
    outgoing.end();
  });
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

interface Body {
  data: Buffer;
  /** Bytes received in all, counting stopped at `countLimitBytes`. */
  total: number;
  complete: boolean;
}

async function readBody(response: IncomingMessage, maxBytes: number): Promise<Body> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  let complete = true;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (keptBytes < maxBytes) {
      const piece = chunk.subarray(0, maxBytes - keptBytes);
      kept.push(piece);
      keptBytes += piece.length;
    }
    if (total > maxBytes && total >= countLimitBytes) {
      complete = false;
      response.destroy();
      break;
    }
  }
  return { data: Buffer.concat(kept), total, complete };
}

function render(
  method: string,
  url: URL,
  hops: readonly string[],
  response: IncomingMessage,
  body: Body | undefined,
  maxBytes: number,
): ToolResult {
  const lines = [
    `${method} ${url.href} -> ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trimEnd(),
  ];
  if (hops.length > 1) lines.push(`redirected: ${hops.join(' -> ')}`);
  for (const name of shownHeaders) {
    const value = response.headers[name];
    if (value !== undefined) lines.push(`${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
  }
  const status = response.statusCode ?? 0;
  const result = status >= 400 ? toolError : toolOk;
  if (!body) return result(lines.join('\n'));
  const contentType = String(response.headers['content-type'] ?? '');
  lines.push('');
  if (body.total === 0) {
    lines.push('(empty body)');
  } else if (isBinary(contentType, body.data)) {
    lines.push(
      `(binary content, ${body.complete ? body.total : `more than ${body.total}`} bytes, not shown)`,
    );
  } else {
    lines.push(decode(body.data, contentType));
    if (body.total > maxBytes) {
      const length = Number(response.headers['content-length']);
      const omitted = body.complete
        ? `${body.total - maxBytes} of ${body.total} bytes`
        : Number.isFinite(length) && length > maxBytes
          ? `${length - maxBytes} of ${length} bytes`
          : `more than ${body.total - maxBytes} bytes`;
      lines.push(`[truncated: showed the first ${maxBytes} bytes; ${omitted} omitted]`);
    }
  }
  return result(lines.join('\n'));
}

const textTypes =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml|toml|graphql|x-sh|sql)\b)/i;

function isBinary(contentType: string, data: Buffer): boolean {
  if (textTypes.test(contentType)) return false;
  return (
    data.subarray(0, 8192).includes(0) ||
    /^(image|audio|video|font)\/|octet-stream|pdf|zip|gzip/i.test(contentType)
  );
}

function decode(data: Buffer, contentType: string): string {
  const charset = /charset="?([\w.:-]+)"?/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(data);
  } catch {
    return new TextDecoder('utf-8').decode(data);
  }
}

function describeNetworkError(error: unknown, url: string): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const host = URL.canParse(url) ? new URL(url).host : url;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `could not resolve ${host}`;
    case 'ECONNREFUSED':
      return `${host} refused the connection`;
    case 'ECONNRESET':
      return `${host} closed the connection`;
    case 'ETIMEDOUT':
      return `connecting to ${host} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${host} is unreachable from here`;
    default:
      return `fetching ${url} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
