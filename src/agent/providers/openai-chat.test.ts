import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createModelProvider } from './create-provider.ts';
import { ProviderError } from './provider-error.ts';
import { hello, request } from './testdata/conversation.ts';
import {
  fixture,
  fixtureJson,
  json,
  sse,
  startFixtureServer,
  type FixtureServer,
  type Reply,
} from './testdata/fixture-server.ts';

const errors = fixtureJson('openai.errors.json') as Record<string, unknown>;
const anthropicReasoning = { provider: 'anthropic', items: [{ type: 'redacted_thinking', data: 'x' }] };

async function withServer<T>(replies: Reply[], run: (server: FixtureServer) => Promise<T>): Promise<T> {
  const server = await startFixtureServer(replies);
  try {
    return await run(server);
  } finally {
    await server.close();
  }
}

const signal = () => new AbortController().signal;

describe('openai-chat adapter', () => {
  describe('OpenAI', () => {
    let server: FixtureServer;
    before(async () => (server = await startFixtureServer([sse(fixture('openai-chat.tool-calls.sse'))])));
    after(() => server.close());

    it('sends the conversation, tools and stream options, and reassembles the streamed answer', async () => {
      const provider = createModelProvider({
        provider: 'openai',
        model: 'gpt-4o',
        baseURL: `${server.origin}/v1`,
        apiKey: 'sk-test-openai',
        thinking: 'high',
      });
      assert.equal(provider.name, 'openai-chat');
      const deltas: string[] = [];
      const turn = await provider.complete(
        // another provider's reasoning is not this adapter's to send
        request('high', { maxOutputTokens: 1024, reasoning: anthropicReasoning }),
        { signal: signal(), onText: (delta) => deltas.push(delta) },
      );

      const [sent] = server.requests;
      assert.equal(server.requests.length, 1);
      assert.equal(sent?.method, 'POST');
      assert.equal(sent?.url, '/v1/chat/completions');
      assert.equal(sent?.headers.authorization, 'Bearer sk-test-openai');
      // gpt-4o does not reason: no reasoning_effort although thinking is high
      assert.deepEqual(sent?.body, fixtureJson('openai-chat.request.json'));

      assert.deepEqual(deltas, ['The README', ' is next; reading it now.']);
      assert.deepEqual(turn, {
        text: 'The README is next; reading it now.',
        toolCalls: [
          { id: 'call_read_2', name: 'read_file', arguments: '{"path": "/workspace/README.md"}' },
          { id: 'call_list_2', name: 'list_files', arguments: '{"path": "/workspace/src"}' },
        ],
        usage: { input: 412, output: 58 },
        stopReason: 'tool_calls',
      });
    });
  });

  describe('Azure OpenAI', () => {
    it('posts to the deployment with the api-version and api-key header, and sends reasoning_effort', async () => {
      await withServer([sse(fixture('openai-chat.azure.sse'))], async (server) => {
        const provider = createModelProvider({
          provider: 'azure-openai',
          model: 'prod-o4-mini',
          baseURL: `${server.origin}/`,
          apiKey: 'azure-test-key',
          thinking: 'medium',
        });
        const deltas: string[] = [];
        const turn = await provider.complete(request('medium'), {
          signal: signal(),
          onText: (delta) => deltas.push(delta),
        });

        const [sent] = server.requests;
        assert.equal(
          sent?.url,
          '/openai/deployments/prod-o4-mini/chat/completions?api-version=2025-04-01-preview',
        );
        assert.equal(sent?.headers['api-key'], 'azure-test-key');
        assert.equal(sent?.headers.authorization, undefined);
        assert.deepEqual(sent?.body, fixtureJson('openai-chat.azure.request.json'));

        assert.deepEqual(deltas, ['The README describes', ' how to build the project.']);
        assert.deepEqual(turn, {
          text: 'The README describes how to build the project.',
          toolCalls: [],
          usage: { input: 398, output: 203 },
          stopReason: 'end',
        });
      });
    });

    it('uses the configured api-version and an endpoint that already ends in /openai', async () => {
      await withServer([sse(fixture('openai-chat.hello.sse'))], async (server) => {
        const provider = createModelProvider({
          provider: 'azure-openai',
          model: 'chat',
          baseURL: `${server.origin}/openai`,
          apiKey: 'azure-test-key',
          thinking: 'off',
          azureApiVersion: '2024-10-21',
        });
        await provider.complete(hello, { signal: signal() });
        assert.equal(
          server.requests[0]?.url,
          '/openai/deployments/chat/chat/completions?api-version=2024-10-21',
        );
        assert.equal((server.requests[0]?.body as Record<string, unknown>).reasoning_effort, undefined);
      });
    });
  });

  describe('Ollama and OpenAI-compatible servers', () => {
    it('sends max_tokens and never reasoning_effort, and takes whole tool calls ended with `stop`', async () => {
      await withServer([sse(fixture('openai-chat.ollama.sse'))], async (server) => {
        const provider = createModelProvider({
          provider: 'ollama',
          model: 'qwen3:8b',
          baseURL: `${server.origin}/v1`,
          thinking: 'high',
        });
        const deltas: string[] = [];
        const turn = await provider.complete(request('high', { maxOutputTokens: 2048 }), {
          signal: signal(),
          onText: (delta) => deltas.push(delta),
        });

        const [sent] = server.requests;
        assert.equal(sent?.url, '/v1/chat/completions');
        // no key is configured: the SDK's required one is a placeholder
        assert.equal(sent?.headers.authorization, 'Bearer no-key');
        assert.deepEqual(sent?.body, fixtureJson('openai-chat.ollama.request.json'));

        assert.deepEqual(deltas, ['Reading', ' README.md.']);
        assert.deepEqual(turn, {
          text: 'Reading README.md.',
          toolCalls: [
            { id: 'call_q8x2m4lk', name: 'read_file', arguments: '{"path":"/workspace/README.md"}' },
          ],
          usage: { input: 356, output: 31 },
          stopReason: 'tool_calls',
        });
      });
    });

    it('sends a configured key to an OpenAI-compatible server', async () => {
      await withServer([sse(fixture('openai-chat.hello.sse'))], async (server) => {
        const provider = createModelProvider({
          provider: 'openai-compatible',
          model: 'meta-llama/Llama-3.3-70B-Instruct',
          baseURL: `${server.origin}/api/v1`,
          apiKey: 'vllm-key',
          thinking: 'low',
        });
        const turn = await provider.complete(hello, { signal: signal() });
        const [sent] = server.requests;
        assert.equal(sent?.url, '/api/v1/chat/completions');
        assert.equal(sent?.headers.authorization, 'Bearer vllm-key');
        assert.deepEqual(sent?.body, {
          model: 'meta-llama/Llama-3.3-70B-Instruct',
          messages: [{ role: 'user', content: 'Say hello.' }],
          stream: true,
          stream_options: { include_usage: true },
        });
        assert.deepEqual(turn, {
          text: 'Hello!',
          toolCalls: [],
          usage: { input: 9, output: 2 },
          stopReason: 'end',
        });
      });
    });
  });

  describe('failures', () => {
    const openai = (origin: string, maxRetries = 1) =>
      createModelProvider({
        provider: 'openai',
        model: 'gpt-4o',
        baseURL: `${origin}/v1`,
        apiKey: 'sk-test-openai-secret',
        thinking: 'off',
        maxRetries,
      });

    it('retries a 429 after the retry-after delay and then answers', async () => {
      const replies = [
        json(429, errors.rateLimited, { 'retry-after': '0' }),
        sse(fixture('openai-chat.hello.sse')),
      ];
      await withServer(replies, async (server) => {
        const turn = await openai(server.origin).complete(hello, { signal: signal() });
        assert.equal(server.requests.length, 2);
        assert.equal(turn.text, 'Hello!');
      });
    });

    it('fails a 401 as ProviderUnauthorized without retrying, and without the key in the message', async () => {
      await withServer([json(401, errors.unauthorized)], async (server) => {
        const failure = await openai(server.origin, 4)
          .complete(hello, { signal: signal() })
          .then(
            () => assert.fail('expected a failure'),
            (error: unknown) => error,
          );
        assert.equal(server.requests.length, 1);
        assert.ok(failure instanceof ProviderError);
        assert.equal(failure.reason, 'ProviderUnauthorized');
        assert.equal(failure.code, 'ProviderUnauthorized');
        assert.equal(failure.status, 401);
        assert.match(
          failure.message,
          /^openai refused the credentials \(HTTP 401\): Incorrect API key provided/,
        );
        assert.doesNotMatch(failure.message, /sk-test-openai-secret|sk-proj/);
      });
    });

    it('retries a 500 up to maxRetries and then fails as ProviderUnavailable', async () => {
      await withServer([json(500, errors.serverError, { 'retry-after': '0' })], async (server) => {
        await assert.rejects(openai(server.origin, 1).complete(hello, { signal: signal() }), (error) => {
          assert.ok(error instanceof ProviderError);
          assert.equal(error.reason, 'ProviderUnavailable');
          assert.equal(error.status, 500);
          assert.equal(
            error.message,
            'openai is unavailable (HTTP 500): The server had an error while processing your request. Sorry about that!',
          );
          return true;
        });
        assert.equal(server.requests.length, 2);
      });
    });

    it('fails any other 4xx as ProviderRejected with the provider’s message', async () => {
      await withServer([json(400, errors.badRequest)], async (server) => {
        await assert.rejects(openai(server.origin).complete(hello, { signal: signal() }), {
          name: 'ProviderError',
          reason: 'ProviderRejected',
          status: 400,
          message:
            "openai rejected the request (HTTP 400): Invalid schema for function 'read_file': 'path' is not of type 'object'.",
        });
        assert.equal(server.requests.length, 1);
      });
    });

    it('fails a stream that ends before the answer finished as ProviderUnavailable', async () => {
      const cut = fixture('openai-chat.tool-calls.sse').split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
      await withServer([sse(cut)], async (server) => {
        await assert.rejects(openai(server.origin).complete(hello, { signal: signal() }), {
          reason: 'ProviderUnavailable',
          message: 'openai closed the stream before the answer was complete',
        });
      });
    });

    it('fails as ProviderUnavailable when nothing listens at the base URL', async () => {
      const server = await startFixtureServer([]);
      const origin = server.origin;
      await server.close();
      await assert.rejects(openai(origin, 0).complete(hello, { signal: signal() }), (error) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.reason, 'ProviderUnavailable');
        assert.match(error.message, /^could not connect to openai: Connection error\./);
        return true;
      });
    });

    it('gives up on a stream that falls silent for requestTimeoutMs', async () => {
      const firstChunk =
        fixture('openai-chat.tool-calls.sse').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
      await withServer([{ ...sse(firstChunk), hang: true }], async (server) => {
        const provider = createModelProvider({
          provider: 'openai',
          model: 'gpt-4o',
          baseURL: `${server.origin}/v1`,
          apiKey: 'sk-test-openai-secret',
          thinking: 'off',
          requestTimeoutMs: 100,
        });
        await assert.rejects(provider.complete(hello, { signal: signal() }), {
          name: 'ProviderError',
          reason: 'ProviderUnavailable',
          message: 'openai sent nothing for 100 ms in the middle of its answer',
        });
        await server.clientGone;
      });
    });

    it('retries an answer that does not start within requestTimeoutMs, then fails as ProviderUnavailable', async () => {
      await withServer([{ stall: true }], async (server) => {
        const provider = createModelProvider({
          provider: 'openai',
          model: 'gpt-4o',
          baseURL: `${server.origin}/v1`,
          apiKey: 'sk-test-openai-secret',
          thinking: 'off',
          requestTimeoutMs: 100,
          maxRetries: 1,
        });
        await assert.rejects(provider.complete(hello, { signal: signal() }), (error) => {
          assert.ok(error instanceof ProviderError);
          assert.equal(error.reason, 'ProviderUnavailable');
          assert.match(error.message, /^openai did not answer in time: Request timed out\./);
          return true;
        });
        assert.equal(server.requests.length, 2);
      });
    });

    it('stops the request when the signal aborts and surfaces the abort', async () => {
      const firstChunk =
        fixture('openai-chat.tool-calls.sse').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
      await withServer([{ ...sse(firstChunk), hang: true }], async (server) => {
        const controller = new AbortController();
        const pending = openai(server.origin).complete(hello, {
          signal: controller.signal,
          onText: () => controller.abort(),
        });
        await assert.rejects(pending, { name: 'AbortError' });
        await server.clientGone;
        assert.equal(server.requests.length, 1);
      });
    });

    it('surfaces an abort before the request as the abort', async () => {
      await withServer([sse(fixture('openai-chat.hello.sse'))], async (server) => {
        const reason = new Error('deadline');
        await assert.rejects(
          openai(server.origin).complete(hello, { signal: AbortSignal.abort(reason) }),
          (error) => error === reason,
        );
        assert.equal(server.requests.length, 0);
      });
    });
  });
});
