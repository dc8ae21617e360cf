// The conversation every adapter test sends: a task, one assistant turn that called two tools,
// and the two results (one of them an error). Each wire format's expected request body in this
// folder is this conversation, written out by hand.
import type { ChatMessage, ModelRequest, ReasoningState, ToolSpec } from '../../model.ts';
import type { ThinkingLevel } from '../../../api/index.ts';

export const system = 'You are the K8sClaw agent. Work only inside /workspace.';

export const tools: ToolSpec[] = [
  {
    name: 'list_files',
    description: 'List the entries of a directory.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Absolute directory path.' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
  {
    name: 'read_file',
    description: 'Read a text file.',
    parameters: {
      type: 'object',
      properties: { path: { type: 'string', description: 'Absolute file path.' } },
      required: ['path'],
      additionalProperties: false,
    },
  },
];

export function history(reasoning?: ReasoningState): ChatMessage[] {
  return [
    { role: 'user', content: 'What does the README in /workspace say?' },
    {
      role: 'assistant',
      content: 'Let me look at the workspace first.',
      toolCalls: [
        { id: 'call_list_1', name: 'list_files', arguments: '{"path":"/workspace"}' },
        { id: 'call_read_1', name: 'read_file', arguments: '{"path":"/workspace/NOTES.md"}' },
      ],
      ...(reasoning ? { reasoning } : {}),
    },
    { role: 'tool', callId: 'call_list_1', name: 'list_files', content: 'README.md\nsrc/', isError: false },
    {
      role: 'tool',
      callId: 'call_read_1',
      name: 'read_file',
      content: 'ENOENT: /workspace/NOTES.md does not exist',
      isError: true,
    },
  ];
}

export function request(
  thinking: ThinkingLevel,
  options: { reasoning?: ReasoningState; maxOutputTokens?: number } = {},
): ModelRequest {
  return {
    system,
    messages: history(options.reasoning),
    tools,
    thinking,
    ...(options.maxOutputTokens !== undefined ? { maxOutputTokens: options.maxOutputTokens } : {}),
  };
}

/** A short request for the error, retry and abort tests. */
export const hello: ModelRequest = {
  system: '',
  messages: [{ role: 'user', content: 'Say hello.' }],
  tools: [],
  thinking: 'off',
};
