import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classifyAddress, type AddressCheck } from './address-policy.ts';
import {
  createFetchUrlTool,
  type EgressPolicy,
  type FetchUrlArgs,
  type FetchUrlOptions,
} from './fetch-url.ts';
import type { ToolResult } from './tool.ts';

const open: EgressPolicy = { denyAll: false, allowedHosts: [] };
/** The default check, except for the loopback test server. */
const allowLoopback: AddressCheck = (address) =>
  address === '127.0.0.1' ? undefined : classifyAddress(address);

let server: Server;
let port = 0;
let base = '';
const seen: string[] = [];

before(async () => {
  server = createServer((request, response) => {
    const url = request.url ?? '/';
    seen.push(url);
    const redirect = (status: number, location: string) => response.writeHead(status, { location }).end();
    switch (url) {
      case '/hello':
        response
          .writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 11 })
          .end('hello world');
        return;
      case '/big':
        response
          .writeHead(200, { 'content-type': 'text/plain', 'content-length': 100_000 })
          .end('a'.repeat(100_000));
        return;
      case '/chunked':
        response.writeHead(200, { 'content-type': 'text/plain' });
        for (let i = 0; i < 10; i++) response.write('b'.repeat(10_000));
        response.end();
        return;
      case '/binary':
        response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50, 0, 1, 2]));
        return;
      case '/missing':
        response.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
        return;
      case '/redirect':
        return redirect(302, '/hello');
      case '/redirect-twice':
        return redirect(301, `${base}/redirect`);
      case '/to-private':
        return redirect(302, 'http://10.0.0.1/admin');
      case '/to-metadata':
        return redirect(307, 'http://169.254.169.254/latest/meta-data/');
      case '/to-localhost':
        return redirect(302, `http://localhost:${port}/hello`);
      case '/to-file':
        return redirect(302, 'file:///etc/passwd');
      case '/to-other-host':
        return redirect(302, 'http://example.com/');
      case '/loop':
        return redirect(302, '/loop');
      case '/slow':
        return; // never answers
      default:
        response.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetchWith = (
  options: Partial<FetchUrlOptions>,
  args: FetchUrlArgs,
  signal = new AbortController().signal,
) => createFetchUrlTool({ egressPolicy: open, ...options }).run(args, { signal });
const ok = (result: ToolResult) => {
  assert.equal(result.isError, false, result.content);
  return result.content;
};
const failed = (result: ToolResult) => {
  assert.equal(result.isError, true, result.content);
  return result.content;
};

describe('fetch_url with the default address check', () => {
  it('refuses the loopback test server and never connects to it', async () => {
    const before = seen.length;
    assert.match(
      failed(await fetchWith({}, { url: `${base}/hello` })),
      /127\.0\.0\.1 is refused: it is a loopback address/,
    );
    assert.equal(seen.length, before);
  });

  it('refuses every blocked address class, in any spelling', async () => {
    const cases: [string, RegExp][] = [
      [`http://2130706433:${port}/`, /loopback/],
      [`http://0177.0.0.1:${port}/`, /loopback/],
      [`http://0x7f.1:${port}/`, /loopback/],
      [`http://[::1]:${port}/`, /loopback/],
      [`http://[::ffff:127.0.0.1]:${port}/`, /loopback address \(as an IPv4-mapped/],
      ['http://0.0.0.0/', /unspecified/],
      ['http://[::]/', /unspecified/],
      ['http://10.1.2.3/', /private/],
      ['http://192.168.0.1/', /private/],
      ['http://100.64.0.1/', /carrier-grade NAT/],
      ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
      ['http://[fd00:ec2::254]/', /cloud metadata/],
      ['http://[fe80::1]/', /link-local/],
      ['http://[fd00::1]/', /unique-local/],
      ['http://224.0.0.1/', /multicast/],
      ['http://metadata.google.internal/computeMetadata/v1/', /cloud metadata service/],
      ['http://METADATA.GOOGLE.INTERNAL./', /cloud metadata service/],
      [`http://localhost:${port}/hello`, /the local host/],
    ];
    for (const [url, reason] of cases) assert.match(failed(await fetchWith({}, { url })), reason, url);
  });

  it('refuses a host name that resolves to a private address, naming it', async () => {
    const resolveHost = async () => [{ address: '10.0.0.7', family: 4 }];
    assert.match(
      failed(await fetchWith({ resolveHost }, { url: 'http://internal.example/' })),
      /internal\.example is refused: it resolves to 10\.0\.0\.7, a private address/,
    );
  });

  it('refuses a host name when any one of its addresses is not public', async () => {
    const resolveHost = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '::1', family: 6 },
    ];
    assert.match(
      failed(await fetchWith({ resolveHost }, { url: 'http://mixed.example/' })),
      /resolves to ::1, a loopback address/,
    );
  });

  it('refuses other schemes and invalid URLs', async () => {
    assert.match(failed(await fetchWith({}, { url: 'file:///etc/passwd' })), /file: URLs are not supported/);
    assert.match(failed(await fetchWith({}, { url: 'ftp://example.com/' })), /only http and https/);
    assert.match(failed(await fetchWith({}, { url: 'not a url' })), /is not a valid URL/);
  });
});

describe('fetch_url with the check overridden for the loopback server', () => {
  const options = { checkAddress: allowLoopback };

  it('fetches the body, status and headers', async () => {
    const content = ok(await fetchWith(options, { url: `${base}/hello` }));
    assert.match(
      content,
      new RegExp(
        `^GET ${base}/hello -> 200 OK\ncontent-type: text/plain; charset=utf-8\ncontent-length: 11\n\nhello world$`,
      ),
    );
  });

  it('connects to the address the vetted lookup returned', async () => {
    const asked: string[] = [];
    const resolveHost = async (hostname: string) => {
      asked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const content = ok(
      await fetchWith({ ...options, resolveHost }, { url: `http://docs.example:${port}/hello` }),
    );
    assert.match(content, /hello world/);
    assert.deepEqual(asked, ['docs.example']);
  });

  it('returns only the headers for HEAD', async () => {
    const content = ok(await fetchWith(options, { url: `${base}/hello`, method: 'HEAD' }));
    assert.match(content, /^HEAD .* -> 200 OK/);
    assert.doesNotMatch(content, /hello world/);
  });

  it('cuts a long body and says how much was cut', async () => {
    const content = ok(await fetchWith(options, { url: `${base}/big`, max_bytes: 1000 }));
    assert.ok(
      content.includes(
        `\n${'a'.repeat(1000)}\n[truncated: showed the first 1000 bytes; 99000 of 100000 bytes omitted]`,
      ),
    );
    const chunked = ok(await fetchWith(options, { url: `${base}/chunked`, max_bytes: 500 }));
    assert.match(chunked, /\[truncated: showed the first 500 bytes; 99500 of 100000 bytes omitted\]$/);
  });

  it('does not dump binary content', async () => {
    assert.match(
      ok(await fetchWith(options, { url: `${base}/binary` })),
      /\(binary content, 5 bytes, not shown\)/,
    );
  });

  it('reports an error status as an error, with the body', async () => {
    assert.match(
      failed(await fetchWith(options, { url: `${base}/missing` })),
      /-> 404 Not Found[\s\S]*no such page/,
    );
  });

  it('follows redirects and lists the hops', async () => {
    const content = ok(await fetchWith(options, { url: `${base}/redirect-twice` }));
    assert.match(content, new RegExp(`^GET ${base}/hello -> 200`));
    assert.match(
      content,
      new RegExp(`redirected: ${base}/redirect-twice -> ${base}/redirect -> ${base}/hello`),
    );
  });

  it('vets every redirect hop', async () => {
    assert.match(
      failed(await fetchWith(options, { url: `${base}/to-private` })),
      /10\.0\.0\.1 is refused: it is a private address/,
    );
    assert.match(
      failed(await fetchWith(options, { url: `${base}/to-metadata` })),
      /169\.254\.169\.254 is refused: it is a cloud metadata/,
    );
    assert.match(failed(await fetchWith(options, { url: `${base}/to-localhost` })), /localhost is refused/);
    assert.match(
      failed(await fetchWith(options, { url: `${base}/to-file` })),
      /file: URLs are not supported/,
    );
  });

  it('stops after five redirects', async () => {
    assert.match(
      failed(await fetchWith(options, { url: `${base}/loop` })),
      /too many redirects \(more than 5\)/,
    );
  });

  it('times out', async () => {
    assert.match(
      failed(await fetchWith({ ...options, timeoutMs: 300 }, { url: `${base}/slow` })),
      /timed out after 0\.3 seconds/,
    );
  });

  it('stops when the run is cancelled', async () => {
    const controller = new AbortController();
    const pending = fetchWith(options, { url: `${base}/slow` }, controller.signal);
    setTimeout(() => controller.abort(), 100);
    assert.match(failed(await pending), /the run was cancelled/);
  });
});

describe('fetch_url under an egress policy that denies all but some hosts', () => {
  const options = { checkAddress: allowLoopback };

  it('reaches an allowed host and port', async () => {
    const egressPolicy = { denyAll: true, allowedHosts: [{ host: '127.0.0.1', port }] };
    assert.match(ok(await fetchWith({ ...options, egressPolicy }, { url: `${base}/hello` })), /hello world/);
  });

  it('allows any port of a host listed without one', async () => {
    const egressPolicy = { denyAll: true, allowedHosts: [{ host: '127.0.0.1' }] };
    assert.match(ok(await fetchWith({ ...options, egressPolicy }, { url: `${base}/hello` })), /hello world/);
  });

  it('refuses another port, another host and a redirect to another host', async () => {
    const egressPolicy = { denyAll: true, allowedHosts: [{ host: '127.0.0.1', port }] };
    assert.match(
      failed(await fetchWith({ ...options, egressPolicy }, { url: `http://127.0.0.1:${port + 1}/` })),
      new RegExp(
        `127\\.0\\.0\\.1:${port + 1} is not allowed by the run's network policy; reachable hosts: 127\\.0\\.0\\.1:${port}`,
      ),
    );
    assert.match(
      failed(await fetchWith({ ...options, egressPolicy }, { url: 'https://example.com/' })),
      /example\.com:443 is not allowed/,
    );
    assert.match(
      failed(await fetchWith({ ...options, egressPolicy }, { url: `${base}/to-other-host` })),
      /example\.com:80 is not allowed/,
    );
  });

  it('refuses everything when no host is allowed', async () => {
    const egressPolicy = { denyAll: true, allowedHosts: [] };
    assert.match(
      failed(await fetchWith({ ...options, egressPolicy }, { url: `${base}/hello` })),
      /it allows no outside hosts/,
    );
  });

  it('still refuses blocked addresses of an allowed host', async () => {
    const egressPolicy = { denyAll: true, allowedHosts: [{ host: '169.254.169.254', port: 80 }] };
    assert.match(
      failed(await fetchWith({ egressPolicy }, { url: 'http://169.254.169.254/' })),
      /cloud metadata/,
    );
  });
});
