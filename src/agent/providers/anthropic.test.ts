import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelProvider } from '../model.ts';
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

const errors = fixtureJson('anthropic.errors.json') as Record<string, unknown>;

/** The thinking of the turn that called the tools, as the tool loop hands it back. */
const previousReasoning = {
  provider: 'anthropic',
  items: [
    {
      type: 'thinking',
      thinking: 'The user wants the README. I should list /workspace and check NOTES.md too.',
      signature:
        'ErUBCkYIBxgCIkDmZ3R7q1x0fHkzS1VvQm5wTnRrY0pPR0x6d1FhUE1kY2V0c2lnbmF0dXJlLWZpcnN0LXR1cm4SDMn7z1e2l6c0j0q8kBoM',
    },
    {
      type: 'redacted_thinking',
      data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN8',
    },
  ],
};

async function withProvider(
  replies: Reply[],
  run: (provider: ModelProvider, server: FixtureServer) => Promise<void>,
  maxRetries = 1,
): Promise<void> {
  const server = await startFixtureServer(replies);
  try {
    const provider = createModelProvider({
      provider: 'anthropic',
      model: 'claude-sonnet-4-6',
      baseURL: server.origin,
      apiKey: 'sk-ant-api03-test-key',
      thinking: 'medium',
      maxRetries,
    });
    await run(provider, server);
  } finally {
    await server.close();
  }
}

const signal = () => new AbortController().signal;

describe('anthropic adapter', () => {
  it('sends thinking, tools and merged tool results, and returns text, calls, usage and thinking', async () => {
    await withProvider([sse(fixture('anthropic.sse'))], async (provider, server) => {
      assert.equal(provider.name, 'anthropic');
      const deltas: string[] = [];
      const turn = await provider.complete(request('medium', { reasoning: previousReasoning }), {
        signal: signal(),
        onText: (delta) => deltas.push(delta),
      });

      const [sent] = server.requests;
      assert.equal(server.requests.length, 1);
      assert.equal(sent?.url, '/v1/messages');
      // this SDK version sends an API key as a bearer token
      assert.equal(sent?.headers.authorization, 'Bearer sk-ant-api03-test-key');
      assert.ok(sent?.headers['anthropic-version']);
      assert.deepEqual(sent?.body, fixtureJson('anthropic.request.json'));

      assert.deepEqual(deltas, ['The README', ' is next; reading it now.']);
      assert.deepEqual(turn, {
        text: 'The README is next; reading it now.',
        toolCalls: [
          {
            id: 'toolu_01T1x1fJ34qAmK2tNTrN7Up6',
            name: 'read_file',
            arguments: '{"path":"/workspace/README.md"}',
          },
        ],
        reasoning: {
          provider: 'anthropic',
          items: [
            {
              type: 'thinking',
              thinking: 'The listing has README.md; NOTES.md does not exist, so read README.md.',
              signature:
                'EqQBCkYIBxgCIkBLc2Vjb25kLXR1cm4tc2lnbmF0dXJlLW92ZXItdGhlLXRoaW5raW5nLWJsb2NrEgzv1b4yBhQm8dJ0sRkaDA==',
            },
            {
              type: 'redacted_thinking',
              data: 'EmwKAhgBEgyS8w0aZ3xLq1NkR2UaDHJlZGFjdGVkLXNlY29uZC10dXJuIjB4mT2pQ7sVw9eL1cF5hJ0kN6oR3uY8tB2gX4zA',
            },
          ],
        },
        // input counts cached tokens too: 472 + 0 + 128
        usage: { input: 600, output: 89 },
        stopReason: 'tool_calls',
      });
    });
  });

  it('leaves out thinking when it is off and sizes max_tokens from the request', async () => {
    await withProvider([sse(fixture('anthropic.hello.sse'))], async (provider, server) => {
      const turn = await provider.complete({ ...hello, maxOutputTokens: 1000 }, { signal: signal() });
      assert.deepEqual(server.requests[0]?.body, {
        model: 'claude-sonnet-4-6',
        max_tokens: 1000,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }],
        stream: true,
      });
      assert.deepEqual(turn, {
        text: 'Hello!',
        toolCalls: [],
        usage: { input: 10, output: 5 },
        stopReason: 'end',
      });
    });
  });

  it('gives each thinking level a budget below max_tokens', async () => {
    await withProvider([sse(fixture('anthropic.hello.sse'))], async (provider, server) => {
      for (const thinking of ['low', 'medium', 'high'] as const) {
        await provider.complete({ ...hello, thinking }, { signal: signal() });
      }
      const sent = server.requests.map(
        (r) => r.body as { max_tokens: number; thinking: { budget_tokens: number } },
      );
      assert.deepEqual(
        sent.map((body) => [body.thinking.budget_tokens, body.max_tokens]),
        [
          [2048, 2048 + 8192],
          [8192, 8192 + 8192],
          [16384, 16384 + 8192],
        ],
      );
    });
  });

  it('fails an error event mid-stream with the reason its type implies', async () => {
    await withProvider([sse(fixture('anthropic.overloaded.sse'))], async (provider) => {
      await assert.rejects(provider.complete(hello, { signal: signal() }), {
        name: 'ProviderError',
        reason: 'ProviderUnavailable',
        message: 'anthropic failed while answering: Overloaded',
      });
    });
  });

  describe('failures', () => {
    it('retries a 429 after the retry-after delay and then answers', async () => {
      const replies = [
        json(429, errors.rateLimited, { 'retry-after': '0' }),
        sse(fixture('anthropic.hello.sse')),
      ];
      await withProvider(replies, async (provider, server) => {
        const turn = await provider.complete(hello, { signal: signal() });
        assert.equal(server.requests.length, 2);
        assert.equal(turn.text, 'Hello!');
      });
    });

    it('fails a 401 as ProviderUnauthorized without retrying, and without the key in the message', async () => {
      await withProvider(
        [json(401, errors.unauthorized)],
        async (provider, server) => {
          await assert.rejects(provider.complete(hello, { signal: signal() }), (error) => {
            assert.ok(error instanceof ProviderError);
            assert.equal(error.reason, 'ProviderUnauthorized');
            assert.equal(error.status, 401);
            assert.equal(error.message, 'anthropic refused the credentials (HTTP 401): invalid x-api-key');
            return true;
          });
          assert.equal(server.requests.length, 1);
        },
        4,
      );
    });

    it('retries a 500 up to maxRetries and then fails as ProviderUnavailable', async () => {
      await withProvider(
        [json(500, errors.serverError, { 'retry-after': '0' })],
        async (provider, server) => {
          await assert.rejects(provider.complete(hello, { signal: signal() }), {
            name: 'ProviderError',
            reason: 'ProviderUnavailable',
            status: 500,
            message: 'anthropic is unavailable (HTTP 500): Internal server error',
          });
          assert.equal(server.requests.length, 2);
        },
      );
    });

    it('fails any other 4xx as ProviderRejected with the provider’s message', async () => {
      await withProvider([json(400, errors.badRequest)], async (provider, server) => {
        await assert.rejects(provider.complete(hello, { signal: signal() }), {
          reason: 'ProviderRejected',
          status: 400,
          message:
            'anthropic rejected the request (HTTP 400): max_tokens: 16384 > 8192, which is the maximum allowed number of output tokens for claude-3-5-haiku-20241022',
        });
        assert.equal(server.requests.length, 1);
      });
    });

    it('fails a stream that ends without message_stop as ProviderUnavailable', async () => {
      const cut = fixture('anthropic.sse').split('\n\n').slice(0, 12).join('\n\n') + '\n\n';
      await withProvider([sse(cut)], async (provider) => {
        await assert.rejects(provider.complete(hello, { signal: signal() }), {
          reason: 'ProviderUnavailable',
          message: 'anthropic closed the stream before the answer was complete',
        });
      });
    });

    it('gives up on a stream that falls silent for requestTimeoutMs', async () => {
      const head = fixture('anthropic.hello.sse').split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
      const server = await startFixtureServer([{ ...sse(head), hang: true }]);
      try {
        const provider = createModelProvider({
          provider: 'anthropic',
          model: 'claude-haiku-4-5',
          baseURL: server.origin,
          apiKey: 'sk-ant-api03-test-key',
          thinking: 'off',
          requestTimeoutMs: 100,
        });
        await assert.rejects(provider.complete(hello, { signal: signal() }), {
          reason: 'ProviderUnavailable',
          message: 'anthropic sent nothing for 100 ms in the middle of its answer',
        });
        await server.clientGone;
      } finally {
        await server.close();
      }
    });

    it('stops the request when the signal aborts mid-stream and surfaces the abort', async () => {
      const head = fixture('anthropic.hello.sse').split('\n\n').slice(0, 3).join('\n\n') + '\n\n';
      await withProvider([{ ...sse(head), hang: true }], async (provider, server) => {
        const controller = new AbortController();
        await assert.rejects(
          provider.complete(hello, { signal: controller.signal, onText: () => controller.abort() }),
          { name: 'AbortError' },
        );
        await server.clientGone;
        assert.equal(server.requests.length, 1);
      });
    });
  });
});
