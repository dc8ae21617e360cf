// The shapes the session store reads and writes. Plain values: no pg types cross the component's
// boundary.
import type { RunIdentity, TokenUsage } from '../api/index.ts';
import type { CondensedTranscript } from './condensed-transcript.ts';

/** A conversation: `sessionKey` is `<channel>:<chat id>[:thread]` for chats, or chosen by an API client. */
export interface SessionRef {
  namespace: string;
  instance: string;
  sessionKey: string;
}

export interface Session extends SessionRef {
  createdAt: Date;
  updatedAt: Date;
  /** Tokens of the runs recorded for this session, each run counted once. */
  usage: TokenUsage;
  runs: number;
}

export type MessageRole = 'user' | 'assistant';

export interface NewMessage {
  /** Unique within the session, e.g. `<run uid>:user`: a retried append stores nothing new. */
  idempotencyKey: string;
  role: MessageRole;
  content: string;
  run?: { name: string; uid: string };
  usage?: TokenUsage;
}

export interface SessionMessage {
  /** Increases with every message stored (the order of a session's messages). */
  id: string;
  idempotencyKey: string;
  role: MessageRole;
  content: string;
  run?: { name: string; uid: string };
  usage?: TokenUsage;
  createdAt: Date;
}

export interface AppendedMessage {
  message: SessionMessage;
  /** False when a message with this idempotency key was already stored (the stored one is returned). */
  created: boolean;
}

/** What a finished run leaves in the store: its condensed transcript and its token usage. */
export interface RunRecord {
  identity: RunIdentity;
  /** The run's session, when it belongs to one. */
  sessionKey?: string;
  status: 'succeeded' | 'failed';
  usage: TokenUsage;
  transcript: CondensedTranscript;
}

export interface StoredRunRecord extends RunRecord {
  recordedAt: Date;
}

export interface InstanceUsage {
  usage: TokenUsage;
  runs: number;
}

export interface PageOptions {
  /** Items per page (1–1000, default 100). */
  limit?: number;
  /** The `continue` of the previous page. */
  continue?: string;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow: pass it as `continue` to read them. */
  continue?: string;
}
