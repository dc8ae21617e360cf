// Which earlier turns of a session a new run sees: the newest whole turns that fit both a turn and a
// token budget, oldest dropped first. Pure: the store reads the messages, this decides.

export interface HistoryMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface HistoryLimits {
  /** Whole turns (a user message and the replies to it) at most. */
  maxTurns: number;
  /** Estimated tokens of all kept messages at most. */
  maxTokens: number;
}

/**
 * Characters per token of the estimate. The store cannot know the model's tokenizer (providers
 * differ and not all publish one); English prose averages about four characters a token and code
 * about three, so three keeps the window inside the budget for both. Scripts such as Chinese take
 * more tokens than estimated: their budget needs to be set lower.
 */
export const charactersPerToken = 3;
/** Role markers and separators each message costs on top of its text. */
export const tokensPerMessage = 4;

export function estimateTokens(message: HistoryMessage): number {
  return Math.ceil(message.content.length / charactersPerToken) + tokensPerMessage;
}

/**
 * Groups messages (oldest first) into turns: a user message with every assistant message after it,
 * so a turn is kept or dropped whole and a question never loses its answer. Assistant messages
 * before the first user message form a turn of their own.
 */
function groupTurns<M extends HistoryMessage>(messages: readonly M[]): M[][] {
  const turns: M[][] = [];
  for (const message of messages) {
    const current = turns.at(-1);
    if (message.role === 'user' || current === undefined) turns.push([message]);
    else current.push(message);
  }
  return turns;
}

/**
 * The newest turns of `messages` (oldest first) that fit `limits`, oldest first. Stops at the first
 * turn that does not fit, so the kept history has no gaps.
 */
export function planHistoryWindow<M extends HistoryMessage>(
  messages: readonly M[],
  limits: HistoryLimits,
): M[] {
  const turns = groupTurns(messages);
  const kept: M[][] = [];
  let tokens = 0;
  for (let index = turns.length - 1; index >= 0 && kept.length < limits.maxTurns; index -= 1) {
    const turn = turns[index] as M[];
    const cost = turn.reduce((sum, message) => sum + estimateTokens(message), 0);
    if (tokens + cost > limits.maxTokens) break;
    tokens += cost;
    kept.unshift(turn);
  }
  return kept.flat();
}
