// The provider-neutral answer to one request: a scripted turn made concrete (templating, argument
// text, token counts, truncation at the request's output limit). Each wire format renders it.
import { createHmac, randomBytes } from 'node:crypto';
import type { ScriptedTurn } from './script.ts';
import { renderTemplate } from './turns.ts';

/** What the server needs from a request, whatever its wire format. */
export interface RequestView {
  model: string;
  stream: boolean;
  /** System prompt text (system/developer messages, `instructions`, or Anthropic `system`). */
  system: string;
  firstUserText: string;
  /** The tool results in the request, one per line (for `{{tool:/regex/}}`). */
  toolResults?: string;
  /** Assistant turns already in the history: selects the scripted turn. */
  assistantTurns: number;
  maxOutputTokens: number | undefined;
  /** Size of the prompt, for default input token counts. */
  inputChars: number;
}

export interface AnswerToolCall {
  name: string;
  /** Exact argument text sent on the wire. */
  arguments: string;
}

export type AnswerStop = 'end' | 'tool_calls' | 'max_tokens';

export interface Answer {
  text: string;
  toolCalls: AnswerToolCall[];
  thinking: string | undefined;
  usage: { input: number; output: number; reasoning: number };
  stop: AnswerStop;
}

export function estimateTokens(chars: number): number {
  return Math.max(1, Math.ceil(chars / 4));
}

export function planAnswer(turn: ScriptedTurn, view: RequestView): Answer {
  const text = renderTemplate(turn.text ?? '', view.system, view.toolResults);
  const toolCalls = (turn.toolCalls ?? []).map((call) => ({
    name: call.name,
    arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
  }));
  const thinking = turn.thinking;
  const reasoning = thinking ? estimateTokens(thinking.length) : 0;
  const visibleChars = text.length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0);
  const output = turn.usage?.output ?? estimateTokens(visibleChars) + reasoning;
  const input = turn.usage?.input ?? estimateTokens(view.inputChars);
  const limit = view.maxOutputTokens;
  if (limit !== undefined && output > limit) {
    // A model cut off at the limit: partial text, no tool calls.
    const kept = Array.from(text)
      .slice(0, limit * 4)
      .join('');
    return {
      text: kept,
      toolCalls: [],
      thinking,
      usage: { input, output: limit, reasoning: Math.min(reasoning, limit) },
      stop: 'max_tokens',
    };
  }
  const stop = toolCalls.length > 0 ? 'tool_calls' : 'end';
  return { text, toolCalls, thinking, usage: { input, output, reasoning }, stop };
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString('hex')}`;
}

// Thinking handed to the client must come back unchanged, as real providers verify it.
const SEAL_KEY = 'scripted-model-server';

function mac(text: string): string {
  return createHmac('sha256', SEAL_KEY).update(text).digest('base64');
}

/** Anthropic `signature` of a thinking block. */
export function signThinking(thinking: string): string {
  return mac(thinking);
}

export function verifyThinking(thinking: string, signature: unknown): boolean {
  return typeof signature === 'string' && signature === mac(thinking);
}

/** OpenAI Responses `encrypted_content`: opaque to the client, carries the reasoning. */
export function sealReasoning(thinking: string): string {
  return Buffer.from(JSON.stringify({ thinking, mac: mac(thinking) })).toString('base64');
}

export function unsealReasoning(sealed: unknown): string | undefined {
  if (typeof sealed !== 'string') return undefined;
  try {
    const value = JSON.parse(Buffer.from(sealed, 'base64').toString('utf8')) as {
      thinking?: unknown;
      mac?: unknown;
    };
    if (typeof value.thinking === 'string' && value.mac === mac(value.thinking)) return value.thinking;
  } catch {
    // not ours: reported as undefined
  }
  return undefined;
}
