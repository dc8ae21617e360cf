// The tool results a request carries, whatever its wire format (OpenAI chat `tool` messages,
// Responses `function_call_output` items, Anthropic `tool_result` blocks), as one text: what the
// `{{tool:/regex/}}` template reads, so a scripted model can answer with what its tools returned.
import { contentText } from './format.ts';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const TEXT_PARTS = ['text', 'input_text', 'output_text'];

/** Every tool result of the request in order, one per line; empty when there is none. */
export function toolResultsText(body: Json): string {
  const results: string[] = [];
  for (const entry of Array.isArray(body.input) ? body.input : []) {
    if (isObject(entry) && entry.type === 'function_call_output')
      results.push(contentText(entry.output, TEXT_PARTS));
  }
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    if (!isObject(message)) continue;
    if (message.role === 'tool') results.push(contentText(message.content, TEXT_PARTS));
    if (message.role === 'user' && Array.isArray(message.content)) {
      for (const block of message.content) {
        if (isObject(block) && block.type === 'tool_result')
          results.push(contentText(block.content, TEXT_PARTS));
      }
    }
  }
  return results.join('\n');
}
