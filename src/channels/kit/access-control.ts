// Who may talk to an instance through a channel, decided before anything reaches the bus: pure
// checks on a normalised candidate message, each with the reason it refuses. Bots never get an
// answer (no loops between bots, never the bot's own messages); in groups the bot answers only when
// it is mentioned or replied to; `allowedSenders` / `allowedChats` restrict who is heard, and the
// refused get `denyMessage` when one is set.

/** One channel's access rules, as the controller passes them (K8SCLAW_ACCESS_CONTROL). */
export interface AccessControl {
  allowedSenders?: string[];
  allowedChats?: string[];
  denyMessage?: string;
}

/** What access control needs to know about a message, whatever the service. */
export interface AccessCandidate {
  senderId: string;
  /** The sender's handle without `@`, when the service has one: `allowedSenders` may name it. */
  senderUsername?: string;
  senderIsBot: boolean;
  /** The bot itself sent it (echoes of its own messages). */
  fromSelf: boolean;
  chatId: string;
  chatKind: 'direct' | 'group';
  /** The bot was mentioned, or the message replies to one of the bot's. */
  addressedToBot: boolean;
}

export type AccessDecision =
  | { action: 'accept' }
  /** Heard but refused: the sender gets `reply` when there is one. */
  | { action: 'deny'; reason: string; reply?: string }
  /** Not for the bot at all: no answer, not even a refusal. */
  | { action: 'ignore'; reason: string };

function isListed(list: string[] | undefined, ...values: (string | undefined)[]): boolean {
  if (list === undefined) return true;
  return values.some((value) => value !== undefined && list.includes(value));
}

export function planAccess(candidate: AccessCandidate, rules: AccessControl): AccessDecision {
  if (candidate.fromSelf) return { action: 'ignore', reason: 'the bot sent it' };
  if (candidate.senderIsBot) return { action: 'ignore', reason: 'another bot sent it' };
  if (candidate.chatKind === 'group' && !candidate.addressedToBot) {
    return { action: 'ignore', reason: 'a group message not addressed to the bot' };
  }
  const sender = [
    candidate.senderId,
    candidate.senderUsername,
    candidate.senderUsername && `@${candidate.senderUsername}`,
  ];
  const deny = (reason: string): AccessDecision => ({
    action: 'deny',
    reason,
    ...(rules.denyMessage ? { reply: rules.denyMessage } : {}),
  });
  if (!isListed(rules.allowedChats, candidate.chatId)) return deny('the chat is not allowed');
  if (!isListed(rules.allowedSenders, ...sender)) return deny('the sender is not allowed');
  return { action: 'accept' };
}
