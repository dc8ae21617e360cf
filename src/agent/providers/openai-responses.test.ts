import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createModelProvider } from './create-provider.ts';
import { ProviderError } from './provider-error.ts';
import { hello, request } from './testdata/conversation.ts';
import {
  fixture,
  fixtureJson,
  json,
  sse,
  startFixtureServer,
  type Reply,
} from './testdata/fixture-server.ts';

const errors = fixtureJson('openai.errors.json') as Record<string, unknown>;

/** What the first turn returned, as the tool loop hands it back. */
const previousReasoning = {
  provider: 'openai-responses',
  items: [
    {
      id: 'rs_68c1e7a9f5d081909b3c4e1d2a7f6b05',
      type: 'reasoning',
      summary: [],
      encrypted_content: 'gAAAAABowe6pUlJ0cmVhc29uaW5nLWZyb20tdGhlLWZpcnN0LXR1cm4tMTIzNDU2Nzg5MA==',
    },
  ],
};

async function withProvider(
  replies: Reply[],
  run: (
    provider: ReturnType<typeof createModelProvider>,
    server: Awaited<ReturnType<typeof startFixtureServer>>,
  ) => Promise<void>,
  model = 'o4-mini',
): Promise<void> {
  const server = await startFixtureServer(replies);
  try {
    const provider = createModelProvider({
      provider: 'openai',
      model,
      baseURL: `${server.origin}/v1`,
      apiKey: 'sk-test-responses',
      thinking: 'high',
      maxRetries: 1,
    });
    await run(provider, server);
  } finally {
    await server.close();
  }
}

describe('openai-responses adapter', () => {
  it('sends input items with the echoed reasoning, and returns text, calls, usage and new reasoning', async () => {
    await withProvider([sse(fixture('openai-responses.sse'))], async (provider, server) => {
      assert.equal(provider.name, 'openai-responses');
      const deltas: string[] = [];
      const turn = await provider.complete(
        request('high', { reasoning: previousReasoning, maxOutputTokens: 4096 }),
        {
          signal: new AbortController().signal,
          onText: (delta) => deltas.push(delta),
        },
      );

      const [sent] = server.requests;
      assert.equal(server.requests.length, 1);
      assert.equal(sent?.url, '/v1/responses');
      assert.equal(sent?.headers.authorization, 'Bearer sk-test-responses');
      assert.deepEqual(sent?.body, fixtureJson('openai-responses.request.json'));

      assert.deepEqual(deltas, ['The README', ' is next; reading it now.']);
      assert.deepEqual(turn, {
        text: 'The README is next; reading it now.',
        toolCalls: [{ id: 'call_read_2', name: 'read_file', arguments: '{"path":"/workspace/README.md"}' }],
        reasoning: {
          provider: 'openai-responses',
          // the item as output_item.done delivered it: the complete encrypted content
          items: [
            {
              id: 'rs_68c1e7b2a4f08190b7e2c9d1f3a5b6c8',
              type: 'reasoning',
              summary: [],
              encrypted_content:
                'gAAAAABowe6yc2Vjb25kLXR1cm4tcmVhc29uaW5nLWNvbXBsZXRlLWF0LWRvbmUtOTg3NjU0MzIxMA==',
            },
          ],
        },
        usage: { input: 512, output: 334 },
        stopReason: 'tool_calls',
      });
    });
  });

  it('leaves out reasoning effort when thinking is off and sends no empty tools', async () => {
    await withProvider(
      [sse(fixture('openai-responses.sse'))],
      async (provider, server) => {
        await provider.complete(hello, { signal: new AbortController().signal });
        assert.deepEqual(server.requests[0]?.body, {
          model: 'gpt-5-mini',
          input: [{ type: 'message', role: 'user', content: 'Say hello.' }],
          store: false,
          include: ['reasoning.encrypted_content'],
          stream: true,
        });
      },
      'gpt-5-mini',
    );
  });

  it('fails a response.failed event with the reason its error code implies', async () => {
    await withProvider([sse(fixture('openai-responses.failed.sse'))], async (provider) => {
      await assert.rejects(provider.complete(hello, { signal: new AbortController().signal }), {
        name: 'ProviderError',
        reason: 'ProviderUnavailable',
        message: 'openai failed while answering: The model failed to generate a response.',
      });
    });
  });

  it('retries a 429 and fails a 401 without retrying', async () => {
    const replies = [
      json(429, errors.rateLimited, { 'retry-after': '0' }),
      sse(fixture('openai-responses.sse')),
    ];
    await withProvider(replies, async (provider, server) => {
      const turn = await provider.complete(hello, { signal: new AbortController().signal });
      assert.equal(server.requests.length, 2);
      assert.equal(turn.stopReason, 'tool_calls');
    });
    await withProvider([json(401, errors.unauthorized)], async (provider, server) => {
      await assert.rejects(provider.complete(hello, { signal: new AbortController().signal }), (error) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.reason, 'ProviderUnauthorized');
        return true;
      });
      assert.equal(server.requests.length, 1);
    });
  });

  it('stops the request when the signal aborts mid-stream', async () => {
    const head = fixture('openai-responses.sse').split('\n\n').slice(0, 7).join('\n\n') + '\n\n';
    await withProvider([{ ...sse(head), hang: true }], async (provider, server) => {
      const controller = new AbortController();
      await assert.rejects(
        provider.complete(hello, { signal: controller.signal, onText: () => controller.abort() }),
        { name: 'AbortError' },
      );
      await server.clientGone;
    });
  });
});
