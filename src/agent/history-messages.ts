// A session's earlier turns as the conversation the model is sent before the task (pure). Stored
// messages are text only: tool calls of earlier runs are not replayed, their answers carry what
// they found. Consecutive messages of one role are joined (some providers refuse two in a row) and
// replies before the first question are left out, since a conversation opens with the user.
import type { ChatMessage } from './model.ts';

export interface EarlierMessage {
  role: 'user' | 'assistant';
  content: string;
}

export function buildHistoryMessages(history: readonly EarlierMessage[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const { role, content } of history) {
    if (content.trim() === '') continue;
    const previous = messages.at(-1);
    if (previous === undefined && role === 'assistant') continue;
    if (previous !== undefined && previous.role === role) {
      previous.content = `${previous.content}\n\n${content}`;
      continue;
    }
    messages.push(role === 'user' ? { role, content } : { role, content, toolCalls: [] });
  }
  // the task follows as a user message: a history ending on a question nobody answered ends here
  if (messages.at(-1)?.role === 'user') messages.pop();
  return messages;
}
