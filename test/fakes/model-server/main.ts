// Runs the scripted model server as a process (a Deployment in the local demo cluster).
// Env: MODEL_SCRIPT_FILE (required), PORT (8080), HOST (0.0.0.0), MODEL_API_KEY (optional).
// Logs one JSON line per model request with the conversation it carried (system prompt left out),
// so tests on a cluster can read what each turn was sent; never the api key or its headers.
import { readFileSync } from 'node:fs';
import { parseModelScript } from './script.ts';
import { startScriptedModelServer } from './server.ts';
import { transcriptOf } from './transcript.ts';

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: message })}\n`);
  process.exit(1);
}

const scriptFile = process.env.MODEL_SCRIPT_FILE;
if (!scriptFile) fail('MODEL_SCRIPT_FILE is required (path of a JSON or YAML model script)');
const port = Number(process.env.PORT ?? '8080');
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT is not a port number: ${process.env.PORT}`);

let script;
try {
  script = parseModelScript(readFileSync(scriptFile, 'utf8'));
} catch (err) {
  fail(`cannot load ${scriptFile}: ${(err as Error).message}`);
}

const server = await startScriptedModelServer({
  script,
  apiKey: process.env.MODEL_API_KEY || undefined,
  host: process.env.HOST ?? '0.0.0.0',
  port,
  recordRequests: false,
  onRequest: (r) => {
    const line = {
      time: new Date().toISOString(),
      format: r.format,
      method: r.method,
      path: r.path,
      status: r.status,
      conversation: r.conversationIndex ?? null,
      turn: r.turnIndex ?? null,
      messages: transcriptOf(r),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  },
});
process.stdout.write(
  `${JSON.stringify({ msg: 'scripted model server listening', url: server.url, port })}\n`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
