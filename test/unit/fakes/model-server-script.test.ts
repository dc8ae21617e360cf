// Loading model scripts (JSON or YAML, with errors that name the bad field), and the server's
// entry point as a process: env configuration, one log line per request, clean exit on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseModelScript } from '../../fakes/model-server/index.ts';

const yamlScript = `
models: [gpt-test]
conversations:
  - match: { userContains: weather }
    turns:
      - text: Checking.
        toolCalls:
          - name: get_weather
            arguments: { city: Paris }
        usage: { input: 10, output: 5 }
      - text: 'Sunny. {{system:/key=(\\w+)/}}'
  - turns:
      - error: { status: 429, retryAfterSeconds: 1, times: 1 }
        text: hello
`;

describe('parseModelScript', () => {
  it('reads YAML and JSON into the same script', () => {
    const fromYaml = parseModelScript(yamlScript);
    assert.deepEqual(parseModelScript(JSON.stringify(fromYaml)), fromYaml);
    assert.deepEqual(fromYaml.conversations[0]!.turns[0]!.toolCalls, [
      { name: 'get_weather', arguments: { city: 'Paris' } },
    ]);
    assert.equal(fromYaml.conversations[0]!.turns[1]!.text, 'Sunny. {{system:/key=(\\w+)/}}');
    assert.deepEqual(fromYaml.conversations[1]!.turns[0]!.error, {
      status: 429,
      retryAfterSeconds: 1,
      times: 1,
    });
  });

  it('takes a bare list as the conversations', () => {
    const script = parseModelScript('- turns: [{ text: hi }]');
    assert.deepEqual(script, { conversations: [{ turns: [{ text: 'hi' }] }] });
  });

  const rejects = (text: string, pattern: RegExp) => assert.throws(() => parseModelScript(text), pattern);

  it('names the bad field', () => {
    rejects('conversations: []', /conversations must list at least one conversation/);
    rejects(
      '- turns: [{ text: hi }, { toolCalls: [{ arguments: {} }] }]',
      /conversations\[0\]\.turns\[1\]\.toolCalls\[0\]\.name/,
    );
    rejects(
      '- turns: [{ text: hi, tool_calls: [] }]',
      /conversations\[0\]\.turns\[0\]\.tool_calls is not a known field/,
    );
    rejects(
      '- turns: [{ toolCalls: [{ name: a, arguments: 3 }] }]',
      /toolCalls\[0\]\.arguments must be an object or a string/,
    );
    rejects(
      '- turns: [{ text: a, error: { status: 200 } }]',
      /turns\[0\]\.error\.status must be an HTTP error status/,
    );
    rejects(
      '- turns: [{ text: a, usage: { input: 1 } }]',
      /turns\[0\]\.usage\.output must be a whole number/,
    );
    rejects('- turns: [{ thinking: only }]', /conversations\[0\]\.turns\[0\] needs text, toolCalls or error/);
    rejects(
      '- match: { user: x }\n  turns: [{ text: a }]',
      /conversations\[0\]\.match\.user is not a known field/,
    );
    rejects(
      "- turns: [{ text: '{{system:/(/}}' }]",
      /turns\[0\]\.text has an invalid \{\{system:\/\.\.\.\/\}\} or \{\{tool:\/\.\.\.\/\}\} regex/,
    );
    rejects("- turns: [{ text: '{{tool:/[/}}' }]", /turns\[0\]\.text has an invalid/);
  });

  it('reports text that is neither JSON nor YAML', () => {
    rejects('{ "conversations": [', /neither JSON nor YAML/);
  });
});

describe('model server entry point', () => {
  it('serves the script from MODEL_SCRIPT_FILE, logs each request without the key, exits on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'model-script-'));
    const file = join(dir, 'script.yaml');
    writeFileSync(file, yamlScript);
    const main = fileURLToPath(new URL('../../fakes/model-server/main.ts', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        MODEL_SCRIPT_FILE: file,
        PORT: '0',
        HOST: '127.0.0.1',
        MODEL_API_KEY: 'sekret-key',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const next = async () => JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
      const { url } = await next();
      assert.match(String(url), /^http:\/\/127\.0\.0\.1:\d+$/);

      const res = await fetch(`${String(url)}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sekret-key' },
        body: JSON.stringify({
          model: 'gpt-test',
          messages: [
            { role: 'user', content: 'weather?' },
            { role: 'assistant', content: 'ok' },
          ],
        }),
      });
      assert.equal(res.status, 200);
      assert.equal(
        ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content,
        'Sunny. (no match)',
      );

      const log = await next();
      assert.equal(log.format, 'openai-chat');
      assert.equal(log.path, '/v1/chat/completions');
      assert.equal(log.turn, 1);
      assert.equal(log.status, 200);
      assert.ok(!JSON.stringify(log).includes('sekret-key'));

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits non-zero with a message when MODEL_SCRIPT_FILE is missing', async () => {
    const main = fileURLToPath(new URL('../../fakes/model-server/main.ts', import.meta.url));
    const env = { ...process.env };
    delete env.MODEL_SCRIPT_FILE;
    const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
    assert.match(stderr, /MODEL_SCRIPT_FILE is required/);
  });
});
