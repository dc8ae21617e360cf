// The script the fake model follows: which conversation a request belongs to, and what the model
// answers at each turn. Loaded from JSON or YAML and validated field by field, so a typo in a demo
// script fails at start-up with the field's path instead of producing a confusing conversation.
import { parse } from 'yaml';
import { SYSTEM_TEMPLATE, TOOL_TEMPLATE } from './turns.ts';

export interface ScriptedToolCall {
  name: string;
  /** An object is sent as its JSON; a string is sent verbatim (e.g. malformed JSON). */
  arguments: Record<string, unknown> | string;
}

export interface ScriptedUsage {
  input: number;
  output: number;
}

export interface ScriptedError {
  status: number;
  message?: string;
  retryAfterSeconds?: number;
  /** Fail this many attempts of the turn, then answer normally; absent: fail every attempt. */
  times?: number;
}

export interface ScriptedTurn {
  /**
   * May contain `{{system:/regex/flags}}`, replaced from the request's system prompt, and
   * `{{tool:/regex/flags}}`, replaced from the tool results the request carries.
   */
  text?: string;
  toolCalls?: ScriptedToolCall[];
  thinking?: string;
  usage?: ScriptedUsage;
  error?: ScriptedError;
  /** This turn also answers every later index (a model that never stops). */
  repeatForever?: boolean;
}

export interface ConversationMatch {
  /** Substring of the first user message of the request. */
  userContains?: string;
}

export interface ScriptedConversation {
  match?: ConversationMatch;
  turns: ScriptedTurn[];
}

export interface ModelScript {
  /** Model names the server lists and accepts; absent: any model is accepted. */
  models?: string[];
  conversations: ScriptedConversation[];
}

export class ModelScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelScriptError';
  }
}

/** Parses a script from JSON or YAML text. A bare list is taken as the list of conversations. */
export function parseModelScript(text: string): ModelScript {
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new ModelScriptError(`model script is neither JSON nor YAML: ${(err as Error).message}`);
  }
  return validateModelScript(Array.isArray(value) ? { conversations: value } : value);
}

export function validateModelScript(value: unknown): ModelScript {
  const script = record(value, 'script');
  allowOnly(script, ['models', 'conversations'], 'script');
  if (script.models !== undefined) {
    const models = list(script.models, 'models');
    models.forEach((m, i) => nonEmptyString(m, `models[${i}]`));
  }
  const conversations = list(script.conversations, 'conversations');
  if (conversations.length === 0) fail('conversations', 'must list at least one conversation');
  conversations.forEach((c, i) => validateConversation(c, `conversations[${i}]`));
  return script as unknown as ModelScript;
}

function validateConversation(value: unknown, at: string): void {
  const conversation = record(value, at);
  allowOnly(conversation, ['match', 'turns'], at);
  if (conversation.match !== undefined) {
    const match = record(conversation.match, `${at}.match`);
    allowOnly(match, ['userContains'], `${at}.match`);
    if (match.userContains !== undefined) string(match.userContains, `${at}.match.userContains`);
  }
  const turns = list(conversation.turns, `${at}.turns`);
  if (turns.length === 0) fail(`${at}.turns`, 'must list at least one turn');
  turns.forEach((t, i) => validateTurn(t, `${at}.turns[${i}]`));
}

function validateTurn(value: unknown, at: string): void {
  const turn = record(value, at);
  allowOnly(turn, ['text', 'toolCalls', 'thinking', 'usage', 'error', 'repeatForever'], at);
  if (turn.text !== undefined) {
    string(turn.text, `${at}.text`);
    const templates = [
      ...(turn.text as string).matchAll(SYSTEM_TEMPLATE),
      ...(turn.text as string).matchAll(TOOL_TEMPLATE),
    ];
    for (const [, source, flags] of templates) {
      try {
        new RegExp(source!, flags);
      } catch (err) {
        fail(
          `${at}.text`,
          `has an invalid {{system:/.../}} or {{tool:/.../}} regex: ${(err as Error).message}`,
        );
      }
    }
  }
  if (turn.thinking !== undefined) string(turn.thinking, `${at}.thinking`);
  if (turn.repeatForever !== undefined && typeof turn.repeatForever !== 'boolean') {
    fail(`${at}.repeatForever`, 'must be true or false');
  }
  if (turn.toolCalls !== undefined) {
    list(turn.toolCalls, `${at}.toolCalls`).forEach((c, i) => {
      const where = `${at}.toolCalls[${i}]`;
      const call = record(c, where);
      allowOnly(call, ['name', 'arguments'], where);
      nonEmptyString(call.name, `${where}.name`);
      const args = call.arguments;
      if (typeof args !== 'string' && (typeof args !== 'object' || args === null || Array.isArray(args))) {
        fail(`${where}.arguments`, 'must be an object or a string');
      }
    });
  }
  if (turn.usage !== undefined) {
    const usage = record(turn.usage, `${at}.usage`);
    allowOnly(usage, ['input', 'output'], `${at}.usage`);
    count(usage.input, `${at}.usage.input`);
    count(usage.output, `${at}.usage.output`);
  }
  if (turn.error !== undefined) {
    const error = record(turn.error, `${at}.error`);
    allowOnly(error, ['status', 'message', 'retryAfterSeconds', 'times'], `${at}.error`);
    const status = error.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599) {
      fail(`${at}.error.status`, 'must be an HTTP error status (400-599)');
    }
    if (error.message !== undefined) string(error.message, `${at}.error.message`);
    if (error.retryAfterSeconds !== undefined) {
      const s = error.retryAfterSeconds;
      if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
        fail(`${at}.error.retryAfterSeconds`, 'must be a number of seconds >= 0');
      }
    }
    if (error.times !== undefined) {
      count(error.times, `${at}.error.times`);
      if (error.times === 0) fail(`${at}.error.times`, 'must be at least 1 (omit the error instead)');
    }
  }
  if (turn.text === undefined && turn.toolCalls === undefined && turn.error === undefined) {
    fail(at, 'needs text, toolCalls or error');
  }
}

function fail(at: string, problem: string): never {
  throw new ModelScriptError(`model script: ${at} ${problem}`);
}

function record(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'must be an object');
  return value as Record<string, unknown>;
}

function list(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) fail(at, 'must be a list');
  return value;
}

function string(value: unknown, at: string): void {
  if (typeof value !== 'string') fail(at, 'must be a string');
}

function nonEmptyString(value: unknown, at: string): void {
  if (typeof value !== 'string' || value === '') fail(at, 'must be a non-empty string');
}

function count(value: unknown, at: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(at, 'must be a whole number >= 0');
  }
}

function allowOnly(value: Record<string, unknown>, keys: string[], at: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      fail(`${at}.${key}`, `is not a known field (expected one of: ${keys.join(', ')})`);
  }
}
