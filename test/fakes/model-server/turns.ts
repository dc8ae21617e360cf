// Choosing what the model says: the conversation a request belongs to (by its first user
// message) and the turn (by how many assistant turns its history already holds). The server keeps
// no conversation state, so any client that resends its history gets the same answers.
import type { ModelScript, ScriptedConversation, ScriptedTurn } from './script.ts';

/** `{{system:/regex/flags}}`: replaced from the request's system prompt. */
export const SYSTEM_TEMPLATE = /\{\{system:\/(.*?)\/([a-z]*)\}\}/g;
/** `{{tool:/regex/flags}}`: replaced from the tool results the request carries. */
export const TOOL_TEMPLATE = /\{\{tool:\/(.*?)\/([a-z]*)\}\}/g;

export interface ChosenConversation {
  index: number;
  conversation: ScriptedConversation;
}

export function selectConversation(
  script: ModelScript,
  firstUserText: string,
): ChosenConversation | undefined {
  const index = script.conversations.findIndex(
    ({ match }) => match?.userContains === undefined || firstUserText.includes(match.userContains),
  );
  const conversation = script.conversations[index];
  return conversation ? { index, conversation } : undefined;
}

export interface ChosenTurn {
  turn: ScriptedTurn;
  /** Index in the script; undefined for the answer given past the end of the turns. */
  scriptIndex: number | undefined;
}

/** `assistantTurns` is the number of assistant turns already in the request's history. */
export function selectTurn(conversation: ScriptedConversation, assistantTurns: number): ChosenTurn {
  const { turns } = conversation;
  const upTo = Math.min(assistantTurns, turns.length - 1);
  for (let i = 0; i <= upTo; i++) {
    if (turns[i]?.repeatForever) return { turn: turns[i]!, scriptIndex: i };
  }
  const turn = turns[assistantTurns];
  if (turn) return { turn, scriptIndex: assistantTurns };
  // Past the end: repeat the last thing the model said, never its tool calls (that would loop).
  const lastText = turns.findLast((t) => t.text !== undefined)?.text;
  return { turn: { text: lastText ?? 'done' }, scriptIndex: undefined };
}

/** Each template becomes the first capture group of its regex if it has one, else the whole match. */
export function renderTemplate(text: string, system: string, toolResults = ''): string {
  const fill = (source: string, flags: string, from: string) => {
    const match = new RegExp(source, flags.replace('g', '')).exec(from);
    if (!match) return '(no match)';
    return match[1] ?? match[0];
  };
  return text
    .replace(SYSTEM_TEMPLATE, (_all, source: string, flags: string) => fill(source, flags, system))
    .replace(TOOL_TEMPLATE, (_all, source: string, flags: string) => fill(source, flags, toolResults));
}
