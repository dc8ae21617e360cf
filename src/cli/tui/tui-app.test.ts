// The whole TUI drawn by Ink (ink-testing-library), on a fixed set of objects instead of a
// cluster: the views, the keys, the help drawn from the keymap, a forbidden view's message, the
// command line and the delete confirmation.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, it } from 'node:test';
import React from 'react';
import { instanceFixture, runFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import type { RunEvent, RunEventBody } from '../../api/index.ts';
import type { ResourceType } from '../../kube/index.ts';
import { keymap } from './keymap.ts';
import type { RunFeedUpdate } from './run-event-log.ts';
import type { ResourceSnapshot, TuiSource } from './tui-data.ts';
import type { TuiObject } from './tui-views.ts';

/** A source that holds objects per resource; tests change them and tell the listeners. */
class FixedSource implements TuiSource {
  readonly watched: string[] = [];
  /** Each watch asked for, as `plural@namespace` (`*` for all namespaces). */
  readonly scopes: string[] = [];
  private readonly listeners = new Set<() => void>();
  readonly objects: Record<string, TuiObject[]>;
  readonly errors: Record<string, string> = {};

  constructor(objects: Record<string, TuiObject[]>) {
    this.objects = objects;
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  watch(resource: ResourceType, namespace: string | undefined): void {
    if (!this.watched.includes(resource.plural)) this.watched.push(resource.plural);
    const scope = `${resource.plural}@${namespace ?? '*'}`;
    if (!this.scopes.includes(scope)) this.scopes.push(scope);
  }
  snapshot(resource: ResourceType): ResourceSnapshot {
    return {
      objects: this.objects[resource.plural] ?? [],
      synced: true,
      error: this.errors[resource.plural],
    };
  }
  changed(): void {
    for (const listener of this.listeners) listener();
  }
  /** The run event streams followed: the run, its listener and whether it was stopped. */
  readonly feeds: { run: string; tell: (update: RunFeedUpdate) => void; stopped: boolean }[] = [];
  followRunEvents(
    run: { namespace: string; name: string },
    listener: (update: RunFeedUpdate) => void,
  ): () => void {
    const feed = { run: `${run.namespace}/${run.name}`, tell: listener, stopped: false };
    this.feeds.push(feed);
    return () => (feed.stopped = true);
  }
}

// colour even though the test's output is not a terminal (chalk decides when ink is first loaded)
process.env.FORCE_COLOR = '1'; // eslint-disable-line no-restricted-properties -- chalk reads it, not our code
const { cleanup, render } = await import('ink-testing-library');
const { TuiApp } = await import('./tui-app.ts');

const now = () => new Date('2026-11-30T10:00:00Z');
// Ink reads input on the next tick
const settle = () => sleep(20);
const escape = String.fromCharCode(27);
const strip = (text = '') => text.replace(new RegExp(`${escape}\\[[0-9;]*m`, 'g'), '');

function start(source: FixedSource, colour = true, allNamespaces = false) {
  return render(
    React.createElement(TuiApp, {
      data: source,
      context: 'kind-test',
      namespace: 'team-a',
      allNamespaces,
      now,
      colour,
    }),
  );
}

afterEach(() => cleanup());

describe('the TUI app', () => {
  it('shows instances first, watching only what the view shows, and switches with the number keys', async () => {
    const source = new FixedSource({
      clawinstances: [instanceFixture()],
      agentruns: [runFixture((r) => (r.status = { phase: 'Running' }))],
    });
    const app = start(source);
    await settle();
    let frame = strip(app.lastFrame());
    assert.match(frame, /K8sClaw {2}kind-test {2}team-a/);
    assert.match(frame, /NAME +PHASE +PROVIDER/);
    assert.match(frame, /alice +<none> +openai +gpt-4o-mini/);
    assert.deepEqual(source.watched, ['clawinstances']);
    app.stdin.write('2');
    await settle();
    frame = strip(app.lastFrame());
    assert.match(frame, /alice-hello +alice +Running/);
    assert.deepEqual(source.watched, ['clawinstances', 'agentruns']);
  });

  it('redraws when the source changes', async () => {
    const source = new FixedSource({ agentruns: [] });
    const app = start(source);
    app.stdin.write('2');
    await settle();
    assert.match(strip(app.lastFrame()), /No runs in team-a\./);
    source.objects.agentruns = [runFixture()];
    source.changed();
    await settle();
    assert.match(strip(app.lastFrame()), /alice-hello/);
  });

  it('a forbidden resource is a message in the view', async () => {
    const source = new FixedSource({});
    source.errors.clawinstances =
      'permission denied: the current user cannot list clawinstances in any namespace';
    const app = start(source);
    await settle();
    assert.match(strip(app.lastFrame()), /permission denied: the current user cannot list clawinstances/);
  });

  it('watches the namespace shown: the context’s first, all with a, and back', async () => {
    const source = new FixedSource({ clawinstances: [instanceFixture()] });
    const app = start(source);
    await settle();
    assert.deepEqual(source.scopes, ['clawinstances@team-a']);
    app.stdin.write('a');
    await settle();
    assert.deepEqual(source.scopes, ['clawinstances@team-a', 'clawinstances@*']);
    assert.match(strip(app.lastFrame()), /K8sClaw {2}kind-test {2}all namespaces/);
  });

  it('-A starts with all namespaces; a refused list there says how to get back to one', async () => {
    const source = new FixedSource({});
    source.errors.clawinstances =
      'permission denied: the current user cannot list clawinstances in any namespace';
    const app = start(source, false, true);
    await settle();
    assert.deepEqual(source.scopes, ['clawinstances@*']);
    const frame = strip(app.lastFrame());
    assert.match(frame, /permission denied: the current user cannot list clawinstances in any namespace/);
    assert.match(frame, /a: only namespace team-a/);
  });

  it('? shows every key of the keymap within 80×24; Esc goes back', async () => {
    const app = start(new FixedSource({}));
    // the terminal is resized to 80×24 (the testing library's own is 100 columns)
    Object.defineProperty(app.stdout, 'columns', { value: 80 });
    Object.defineProperty(app.stdout, 'rows', { value: 24 });
    app.stdout.emit('resize');
    app.stdin.write('?');
    await settle();
    const frame = strip(app.lastFrame());
    for (const binding of keymap) assert.ok(frame.includes(binding.description), binding.description);
    const lines = frame.split('\n');
    assert.ok(lines.length <= 24, `${lines.length} lines`);
    for (const line of lines) assert.ok([...line].length <= 80, line);
    app.stdin.write('\x1b');
    await settle();
    assert.doesNotMatch(strip(app.lastFrame()), /^Keys$/m);
  });

  it('x asks before deleting, and Esc keeps the object', async () => {
    const app = start(new FixedSource({ clawinstances: [instanceFixture()] }));
    await settle();
    app.stdin.write('x');
    await settle();
    assert.match(strip(app.lastFrame()), /Delete team-a\/alice\? y: yes, Esc: no/);
    app.stdin.write('\x1b');
    await settle();
    assert.match(strip(app.lastFrame()), /alice +<none> +openai/);
  });

  it('the command line switches views and says what is wrong with a command', async () => {
    const app = start(new FixedSource({ agentruns: [runFixture()] }));
    for (const key of ['/', 'r', 'u', 'n', 's', '\r']) {
      app.stdin.write(key);
      await settle();
    }
    assert.match(strip(app.lastFrame()), /alice-hello/);
    for (const key of ['/', 'm', 'e', 'm', 'o', 'r', 'y', '\r']) {
      app.stdin.write(key);
      await settle();
    }
    assert.match(strip(app.lastFrame()), /one instance is needed: \/memory <instance>/);
  });

  it('a command pasted in one piece (`/` and the rest in one read) opens the command line with it', async () => {
    const app = start(new FixedSource({ agentruns: [runFixture()] }));
    app.stdin.write('/runs');
    await settle();
    assert.match(strip(app.lastFrame()), /\/runs█/);
    app.stdin.write('\r');
    await settle();
    assert.match(strip(app.lastFrame()), /alice-hello/);
  });

  it('NO_COLOR: the frame carries no colour codes, only attributes', async () => {
    const source = new FixedSource({ clawinstances: [instanceFixture()] });
    source.errors.agentruns = 'permission denied';
    const colourCode = new RegExp(`${escape}\\[3\\dm`);
    for (const colour of [true, false]) {
      const app = start(source, colour);
      app.stdin.write('2');
      await settle();
      assert.equal(colourCode.test(app.lastFrame() ?? ''), colour, `colour ${colour}`);
      app.unmount();
    }
  });

  it('l follows the log of the selected pod, the agent container first; c switches and ends the old stream', async () => {
    const follows: { container: string; signal: AbortSignal }[] = [];
    // a log source that writes two lines per container and stays open until aborted
    const logSource = {
      followLog: async (
        pod: { container: string },
        onText: (text: string) => void,
        signal: AbortSignal,
      ): Promise<void> => {
        follows.push({ container: pod.container, signal });
        onText(`${pod.container} line 1\n${pod.container} li`);
        onText('ne 2\n');
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      },
    };
    const pod = {
      metadata: { name: 'alice-hello-x1', namespace: 'team-a', labels: {} },
      spec: { containers: [{ name: 'ipc-bridge' }, { name: 'agent' }] },
    };
    const app = render(
      React.createElement(TuiApp, {
        data: new FixedSource({ pods: [pod] }),
        actions: logSource as never,
        context: 'kind-test',
        namespace: 'team-a',
        now,
        colour: false,
      }),
    );
    for (const key of ['6', 'l']) {
      app.stdin.write(key);
      await settle();
    }
    let frame = strip(app.lastFrame());
    assert.match(frame, /logs alice-hello-x1 \[ipc-bridge \*agent\*\]/);
    assert.match(frame, /^agent line 1$/m);
    assert.match(frame, /^agent line 2$/m);
    app.stdin.write('c');
    await settle();
    frame = strip(app.lastFrame());
    assert.match(frame, /^ipc-bridge line 2$/m);
    assert.doesNotMatch(frame, /agent line/);
    assert.deepEqual(
      follows.map((f) => [f.container, f.signal.aborted]),
      [
        ['agent', true],
        ['ipc-bridge', false],
      ],
    );
    app.stdin.write('\x1b');
    await settle();
    assert.equal(follows[1]!.signal.aborted, true, 'leaving the screen ends the stream');
  });

  describe('Enter on a run: its details and its live events', () => {
    const event = (seq: number, body: RunEventBody): RunEvent => ({
      id: `e${seq}`,
      seq,
      time: '2026-11-30T10:00:00Z',
      identity: { namespace: 'team-a', instance: 'alice', run: 'alice-hello', runUid: 'uid-run-alice-hello' },
      body,
    });
    const running = runFixture((r) => (r.status = { phase: 'Running', toolCalls: 0 }));

    async function openRun(source: FixedSource) {
      const app = start(source, false);
      for (const key of ['2', '\r']) {
        app.stdin.write(key);
        await settle();
      }
      return app;
    }

    it('shows the stored events, then new ones as they come, under the AgentRun’s details', async () => {
      const source = new FixedSource({ agentruns: [running] });
      const app = await openRun(source);
      assert.equal(source.feeds.length, 1);
      const feed = source.feeds[0]!;
      assert.equal(feed.run, 'team-a/alice-hello');
      let frame = strip(app.lastFrame());
      assert.match(frame, /Run team-a\/alice-hello on alice\nPhase: +Running/);
      assert.match(frame, /Events:\n\(connecting to the K8sClaw API server for live events…\)/);
      feed.tell({ type: 'open' });
      feed.tell({
        type: 'event',
        event: event(1, { type: 'started', provider: 'openai', model: 'gpt-4o-mini' }),
      });
      feed.tell({ type: 'event', event: event(2, { type: 'chunk', text: 'Hel' }) });
      await settle();
      frame = strip(app.lastFrame());
      assert.match(frame, /^started +openai\/gpt-4o-mini\n {2}Hel$/m);
      assert.doesNotMatch(frame, /connecting/);
      feed.tell({ type: 'event', event: event(3, { type: 'chunk', text: 'lo.' }) });
      feed.tell({
        type: 'event',
        event: event(4, {
          type: 'tool_call',
          callId: 'c1',
          tool: 'web_fetch',
          arguments: '{"url":"https://example.com"}',
          outcome: 'ok',
          summary: '200 OK',
        }),
      });
      await settle();
      frame = strip(app.lastFrame());
      assert.match(frame, /^ {2}Hello\.$/m);
      assert.match(frame, /^tool +web_fetch\(\{"url":"https:\/\/example\.com"\}\) ok: 200 OK$/m);
      // the AgentRun's status changes under the open details
      source.objects.agentruns = [
        runFixture(
          (r) =>
            (r.status = {
              phase: 'Succeeded',
              result: 'Hello.',
              toolCalls: 1,
              tokenUsage: { input: 12, output: 3 },
            }),
        ),
      ];
      source.changed();
      feed.tell({
        type: 'event',
        event: event(5, {
          type: 'completed',
          result: {
            status: 'succeeded',
            response: 'Hello.',
            usage: { input: 12, output: 3 },
            toolCalls: 1,
            memoryUpdates: [],
          },
        }),
      });
      feed.tell({ type: 'ended', reason: 'run completed' });
      await settle();
      frame = strip(app.lastFrame());
      assert.match(frame, /Phase: +Succeeded/);
      assert.match(frame, /Tokens: +12 in, 3 out/);
      assert.match(
        frame,
        /^succeeded +12 in \/ 3 out tokens, 1 tool call\n\(events ended: run completed\)$/m,
      );
      assert.equal(feed.stopped, false);
      app.stdin.write('\x1b');
      await settle();
      assert.equal(feed.stopped, true, 'closing the details ends the stream');
      assert.match(strip(app.lastFrame()), /alice-hello +alice +Succeeded/);
    });

    it('says why there are no live events, and still shows what the AgentRun says', async () => {
      const source = new FixedSource({
        agentruns: [runFixture((r) => (r.status = { phase: 'Failed', error: 'model unreachable' }))],
      });
      const app = await openRun(source);
      source.feeds[0]!.tell({ type: 'unavailable', reason: 'permission denied (403): cannot get agentruns' });
      await settle();
      const frame = strip(app.lastFrame());
      assert.match(frame, /Phase: +Failed/);
      assert.match(frame, /Error:\nmodel unreachable/);
      assert.match(
        frame,
        /\(no live events: permission denied \(403\): cannot get agentruns\)\n\(the details above are the AgentRun's status\)/,
      );
    });

    it('keeps the newest events in view within 80×24, however many came', async () => {
      const source = new FixedSource({ agentruns: [running] });
      const app = await openRun(source);
      Object.defineProperty(app.stdout, 'columns', { value: 80 });
      Object.defineProperty(app.stdout, 'rows', { value: 24 });
      app.stdout.emit('resize');
      const feed = source.feeds[0]!;
      feed.tell({ type: 'open' });
      for (let seq = 1; seq <= 40; seq++)
        feed.tell({
          type: 'event',
          event: event(seq, { type: 'status', message: `step ${seq} ${'x'.repeat(90)}` }),
        });
      await settle();
      const frame = strip(app.lastFrame());
      const lines = frame.split('\n');
      assert.ok(lines.length <= 24, `${lines.length} lines`);
      for (const line of lines) assert.ok([...line].length <= 80, line);
      assert.match(frame, /Run team-a\/alice-hello on alice/);
      assert.match(frame, /^status +step 40 x+$/m);
      assert.doesNotMatch(frame, /step 20 /);
    });
  });
});
