// The reply of `k8sclaw chat` as it is written, on a terminal: the session's event stream (a
// WebSocket to the API server, event-stream-client.ts) shows the
// chunks of the turn's run while the message's `?wait=` request is still waiting. Best effort:
// the reply the messages endpoint answers stays the one that counts, and without a stream (or a
// chunk) it is printed as before. `LiveReplyFilter` decides which events belong to the turn (pure).
import type { RunEvent } from '../../api/index.ts';
import type { ApiServerConnection } from '../apiserver-connection.ts';
import { openEventStream } from '../event-stream-client.ts';

/** Events of runs started this long before a turn are still the turn's (clocks of pod and terminal). */
const clockSkewMs = 5_000;

/** Picks the text of the current turn's run out of a session's events (pure; state per turn). */
export class LiveReplyFilter {
  private turnStartedAt: number | undefined;
  private runUid: string | undefined;

  /** A message was sent at `now`: the next run of the session that starts is its run. */
  beginTurn(now: number): void {
    this.turnStartedAt = now;
    this.runUid = undefined;
  }

  endTurn(): void {
    this.turnStartedAt = undefined;
    this.runUid = undefined;
  }

  /** The text to show for `event`, if it is a chunk of the turn's run. */
  accept(event: RunEvent): string | undefined {
    if (this.turnStartedAt === undefined) return undefined;
    const { body, identity } = event;
    if (body.type === 'started') {
      // replayed runs of earlier turns started before this one
      if (this.runUid === undefined && Date.parse(event.time) >= this.turnStartedAt - clockSkewMs)
        this.runUid = identity.runUid;
      return undefined;
    }
    if (body.type === 'chunk' && identity.runUid === this.runUid) return body.text;
    return undefined;
  }
}

/** What `converse` needs of a live reply: show text of the turn between begin and end. */
export interface LiveReplies {
  /** Whether the stream opened (false: refused or unreachable; the replies come whole). */
  readonly opened: Promise<boolean>;
  begin(onText: (text: string) => void): void;
  end(): void;
  close(): void;
}

/**
 * Follows the session's events over a WebSocket. Failing to connect, or losing the stream later,
 * only means the replies are printed whole.
 */
export function followSessionReplies(
  target: ApiServerConnection & { namespace: string; instance: string; sessionKey: string },
): LiveReplies {
  const filter = new LiveReplyFilter();
  let onText: ((text: string) => void) | undefined;
  let settleOpened: (opened: boolean) => void = () => undefined;
  const opened = new Promise<boolean>((resolve) => (settleOpened = resolve));
  const stream = openEventStream(
    target,
    `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/instances/${encodeURIComponent(target.instance)}` +
      `/sessions/${encodeURIComponent(target.sessionKey)}/events/watch`,
    {
      onOpen: () => settleOpened(true),
      onEnd: () => settleOpened(false),
      onEvent: (event) => {
        const text = onText ? filter.accept(event) : undefined;
        if (text) onText?.(text);
      },
    },
  );
  return {
    opened,
    begin(listener) {
      filter.beginTurn(Date.now());
      onText = listener;
    },
    end() {
      filter.endTurn();
      onText = undefined;
    },
    close() {
      stream.close();
      settleOpened(false);
    },
  };
}
