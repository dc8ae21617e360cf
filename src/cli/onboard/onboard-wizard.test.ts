// The wizard's five steps driven by scripted answers: what it asks, in which order, what it
// offers as defaults (the environment's key, an earlier onboard's settings), the install offer,
// the provider check, and that no secret is ever said back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelsRequest } from './models-check.ts';
import type { OnboardPrompter } from './onboard-prompter.ts';
import { askOnboardAnswers, type ExistingSetup, type OnboardWizardDeps } from './onboard-wizard.ts';

/** Enter: take the question's default. */
const enter = Symbol('enter');
type Answer = string | boolean | typeof enter;

/** A prompter that checks each question against the script and answers it. */
function scripted(script: [RegExp, Answer][]) {
  const asked: string[] = [];
  const said: string[] = [];
  const next = (kind: string, message: string): Answer => {
    asked.push(`${kind}: ${message}`);
    const step = script.shift();
    assert.ok(step, `unexpected question ${kind}: ${message}`);
    assert.match(message, step[0]);
    return step[1];
  };
  const checked = (value: string, validate?: (v: string) => string | undefined) => {
    const problem = validate?.(value);
    assert.equal(problem, undefined, `answer "${value}" refused: ${problem}`);
    return value;
  };
  const prompter: OnboardPrompter = {
    async text(q) {
      const a = next('text', q.message);
      return checked(a === enter ? (q.initial ?? '') : String(a), q.validate);
    },
    async secret(q) {
      const a = next('secret', q.message);
      return checked(a === enter ? '' : String(a), q.validate);
    },
    async select(q) {
      const a = next('select', q.message);
      const value = a === enter ? q.initial : a;
      const choice = q.choices.find((c) => c.value === value);
      assert.ok(choice, `no choice ${String(value)} in ${q.message}`);
      return choice.value;
    },
    async confirm(q) {
      const a = next('confirm', q.message);
      return a === enter ? q.initial : Boolean(a);
    },
    say: (line) => said.push(line),
  };
  return { prompter, asked, said, left: script };
}

function deps(
  prompter: OnboardPrompter,
  overrides: Partial<OnboardWizardDeps> = {},
): OnboardWizardDeps & { installs: number; checks: ModelsRequest[] } {
  const state = {
    installs: 0,
    checks: [] as ModelsRequest[],
    prompter,
    namespace: 'team-a',
    variables: {},
    checkCluster: async () => ({ server: 'https://k8s:6443', version: 'v1.33.0', installed: true }),
    install: async () => {
      state.installs++;
    },
    readInstance: async () => undefined,
    readPolicyAction: async () => undefined,
    checkModels: async (request: ModelsRequest) => {
      state.checks.push(request);
      return { ok: true as const, models: ['gpt-4o-mini', 'gpt-4.1'] };
    },
    ...overrides,
  };
  return state;
}

describe('the onboard wizard', () => {
  it('a first onboard: key from $OPENAI_API_KEY, checked; a typed telegram token; a deny policy', async () => {
    const s = scripted([
      [/^Instance name$/, 'alice'],
      [/^Model provider$/, enter],
      [/^Model$/, enter],
      [/API key in \$OPENAI_API_KEY/, true],
      [/Check it against https:\/\/api\.openai\.com\/v1\/models/, true],
      [/^Chat channel$/, 'telegram'],
      [/^telegram token$/, 'tg-typed-token'],
      [/^ClawPolicy name$/, enter],
      [/^Default action/, 'deny'],
    ]);
    const d = deps(s.prompter, { variables: { OPENAI_API_KEY: 'sk-from-env' } });
    const answers = await askOnboardAnswers(d);
    assert.deepEqual(answers, {
      namespace: 'team-a',
      instance: 'alice',
      provider: 'openai',
      model: 'gpt-4o-mini',
      apiKey: 'sk-from-env',
      channel: { type: 'telegram', token: 'tg-typed-token' },
      policy: { name: 'default', defaultAction: 'deny' },
    });
    assert.deepEqual(s.left, []);
    assert.deepEqual(d.checks, [
      { url: 'https://api.openai.com/v1/models', headers: { authorization: 'Bearer sk-from-env' } },
    ]);
    assert.deepEqual(s.said, [
      'Cluster https://k8s:6443 (Kubernetes v1.33.0), namespace team-a.',
      'K8sClaw is installed.',
      'The provider answered: 2 models.',
    ]);
    const transcript = [...s.asked, ...s.said].join('\n');
    assert.ok(!transcript.includes('sk-from-env') && !transcript.includes('tg-typed-token'));
  });

  it('offers to install K8sClaw when its CRDs are missing, and installs on yes', async () => {
    const s = scripted([
      [/not installed in this cluster. Install it now\?/, true],
      [/^Instance name$/, 'bob'],
      [/^Model provider$/, 'ollama'],
      [/^Ollama URL/, enter],
      [/^Model$/, enter],
      [/^API key \(Enter for none\)$/, enter],
      [/Check it against http:\/\/localhost:11434\/v1\/models/, false],
      [/^Chat channel$/, enter],
      [/^ClawPolicy name$/, enter],
      [/^Default action/, enter],
    ]);
    const d = deps(s.prompter, {
      checkCluster: async () => ({ server: 'https://k8s:6443', version: 'v1.33.0', installed: false }),
    });
    const answers = await askOnboardAnswers(d);
    assert.equal(d.installs, 1);
    // the agent's own Ollama default is not written into the instance
    assert.deepEqual(answers, {
      namespace: 'team-a',
      instance: 'bob',
      provider: 'ollama',
      model: 'llama3.2',
      policy: { name: 'default', defaultAction: 'allow' },
    });
  });

  it('declining the install ends the wizard with what to run', async () => {
    const s = scripted([[/Install it now\?/, false]]);
    const d = deps(s.prompter, {
      checkCluster: async () => ({ server: 'https://k8s:6443', version: 'v1.33.0', installed: false }),
    });
    await assert.rejects(askOnboardAnswers(d), {
      message: 'K8sClaw is not installed in this cluster: run k8sclaw install, then k8sclaw onboard',
    });
    assert.equal(d.installs, 0);
  });

  it('a re-run offers the earlier answers, so Enter all the way gives the same answers', async () => {
    const existing: ExistingSetup = {
      provider: 'openai-compatible',
      model: 'qwen3',
      baseUrl: 'http://llm.internal:8000/v1',
      apiKey: 'sk-stored',
      channel: { type: 'slack', token: 'xoxb-stored', settings: { SLACK_APP_TOKEN: 'xapp-stored' } },
      policyName: 'strict',
    };
    const s = scripted([
      [/^Instance name$/, 'carol'],
      [/^Model provider$/, enter],
      [/^Endpoint URL/, enter],
      [/^Model$/, enter],
      [/Keep the stored API key\?/, enter],
      [/Check it against http:\/\/llm\.internal:8000\/v1\/models/, false],
      [/^Chat channel$/, enter],
      [/Keep the stored slack token\?/, enter],
      [/Keep the stored slack SLACK_APP_TOKEN\?/, enter],
      [/^slack SLACK_SIGNING_SECRET \(Enter for none\)$/, enter],
      [/^ClawPolicy name$/, enter],
      [/^Default action/, enter],
    ]);
    const d = deps(s.prompter, {
      readInstance: async (name) => (name === 'carol' ? existing : undefined),
      readPolicyAction: async (name) => (name === 'strict' ? 'ask' : undefined),
    });
    assert.deepEqual(await askOnboardAnswers(d), {
      namespace: 'team-a',
      instance: 'carol',
      provider: 'openai-compatible',
      model: 'qwen3',
      baseUrl: 'http://llm.internal:8000/v1',
      apiKey: 'sk-stored',
      channel: { type: 'slack', token: 'xoxb-stored', settings: { SLACK_APP_TOKEN: 'xapp-stored' } },
      policy: { name: 'strict', defaultAction: 'ask' },
    });
    assert.ok(
      s.said.includes('carol exists: its settings are the defaults, and only what you change is applied.'),
    );
  });

  it('a key the provider refuses: stop unless the user goes on', async () => {
    const refused = async () => ({
      ok: false as const,
      reason: 'https://api.anthropic.com/v1/models refused the key (401)',
    });
    const start: [RegExp, Answer][] = [
      [/^Instance name$/, 'dave'],
      [/^Model provider$/, 'anthropic'],
      [/^Model$/, enter],
      [/^API key$/, 'sk-ant-typed'],
      [/Check it against https:\/\/api\.anthropic\.com\/v1\/models/, true],
    ];
    const stop = scripted([...start, [/^Go on anyway\?$/, enter]]);
    await assert.rejects(askOnboardAnswers(deps(stop.prompter, { checkModels: refused })), {
      message:
        'the provider check failed: https://api.anthropic.com/v1/models refused the key (401); nothing was applied',
    });
    const goOn = scripted([
      ...start,
      [/^Go on anyway\?$/, true],
      [/^Chat channel$/, enter],
      [/^ClawPolicy name$/, enter],
      [/^Default action/, enter],
    ]);
    const answers = await askOnboardAnswers(deps(goOn.prompter, { checkModels: refused }));
    assert.equal(answers.apiKey, 'sk-ant-typed');
    assert.equal(answers.model, 'claude-sonnet-4-5');
    assert.ok(!goOn.said.join('\n').includes('sk-ant-typed'));
  });

  it('refuses an instance name Kubernetes would refuse', async () => {
    const s = scripted([[/^Instance name$/, 'Not_A_Name']]);
    await assert.rejects(
      askOnboardAnswers(deps(s.prompter)),
      /answer "Not_A_Name" refused: lower-case letters/,
    );
  });
});
