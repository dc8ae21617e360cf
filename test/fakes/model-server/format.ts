// What each wire format module provides to the server, and small readers shared by them.
import type { ServerResponse } from 'node:http';
import type { Answer, RequestView } from './answer.ts';
import { RequestError } from './errors.ts';

export type ApiFormat = 'openai-chat' | 'openai-responses' | 'anthropic';

export interface WireFormat {
  readonly format: ApiFormat;
  /** Validates the body as the provider would and reads what turn selection needs. */
  inspect(body: Record<string, unknown>, deployment: string | undefined): RequestView;
  errorBody(status: number, message: string): unknown;
  respond(res: ServerResponse, answer: Answer, view: RequestView, body: Record<string, unknown>): void;
}

/** Text of a message's content: a string, or the `text` of its parts of the given types. */
export function contentText(content: unknown, partTypes: readonly string[]): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(
      (p): p is { type: string; text: string } => partTypes.includes(p?.type) && typeof p.text === 'string',
    )
    .map((p) => p.text)
    .join('\n');
}

/** Number of maximal runs of consecutive entries that belong to the assistant. */
export function countRuns<T>(entries: readonly T[], isAssistant: (entry: T) => boolean): number {
  let runs = 0;
  let inRun = false;
  for (const entry of entries) {
    const assistant = isAssistant(entry);
    if (assistant && !inRun) runs++;
    inRun = assistant;
  }
  return runs;
}

export function requireModel(body: Record<string, unknown>, deployment: string | undefined): string {
  const model = deployment ?? body.model;
  if (typeof model !== 'string' || model === '')
    throw new RequestError(400, 'model: a model name is required.');
  return model;
}

export function requireList(body: Record<string, unknown>, field: string): Record<string, unknown>[] {
  const value = body[field];
  if (!Array.isArray(value) || value.length === 0) {
    throw new RequestError(400, `${field}: a non-empty list is required.`);
  }
  value.forEach((entry, i) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new RequestError(400, `${field}[${i}]: must be an object.`);
    }
  });
  return value as Record<string, unknown>[];
}

export function optionalCount(body: Record<string, unknown>, ...fields: string[]): number | undefined {
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new RequestError(400, `${field}: must be a positive integer.`);
    }
    return value;
  }
  return undefined;
}
