// Sends a stream of run events into one WebSocket, each event one text frame of JSON, with a bound
// on what may wait unsent: a client that does not keep up is disconnected (close code 1008) rather
// than buffered for without limit. The stream's end closes normally (1000); the client leaving, a
// failed ping or the server stopping ends the stream. Returns how the socket was closed.
import type { WebSocket } from 'ws';
import type { RunEvent } from '../api/index.ts';

export const closeCodes = {
  normal: 1000,
  goingAway: 1001,
  /** RFC 6455 "policy violation": here, a client slower than the stream. */
  tooSlow: 1008,
  internalError: 1011,
} as const;

export interface SocketClose {
  code: number;
  reason: string;
  /** What ended the stream with 1011. */
  error?: unknown;
}

export interface PipeOptions {
  /** Bytes that may wait unsent before the client counts as too slow. */
  maxBufferedBytes: number;
  /** How often the client is pinged; a client that has not answered the previous ping is dropped. */
  pingIntervalMs: number;
  /** Aborted when the client leaves; the source must end when it aborts. */
  abort: AbortController;
  /** Aborted when the server stops. */
  stopping: AbortSignal;
  /** The reason of the normal close when the source ends (asked then). */
  endReason: () => string;
}

/** Too slow: more waits unsent than the bound allows (pure). */
export const isTooSlow = (bufferedAmount: number, maxBufferedBytes: number): boolean =>
  bufferedAmount > maxBufferedBytes;

/** A close frame's reason is at most 123 bytes. */
const reasonText = (reason: string) => Buffer.from(reason).subarray(0, 123).toString();

export async function pipeEventsToSocket(
  events: AsyncIterable<RunEvent>,
  socket: WebSocket,
  options: PipeOptions,
): Promise<SocketClose> {
  let closed: SocketClose | undefined;
  const close = (code: number, reason: string, force = false) => {
    closed ??= { code, reason };
    options.abort.abort();
    if (socket.readyState === socket.OPEN) socket.close(code, reasonText(reason));
    // a close frame waits behind what the client has not read: do not keep that memory waiting too
    if (force) setTimeout(() => socket.terminate(), 1_000).unref();
  };
  socket.on('close', (code, reason) => {
    closed ??= { code, reason: reason.toString() };
    options.abort.abort();
  });
  socket.on('error', () => socket.terminate());
  let alive = true;
  socket.on('pong', () => (alive = true));
  const ping = setInterval(() => {
    if (!alive) {
      close(closeCodes.goingAway, 'no answer to ping');
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, options.pingIntervalMs);
  const onStopping = () => close(closeCodes.goingAway, 'the API server is stopping');
  options.stopping.addEventListener('abort', onStopping, { once: true });
  if (options.stopping.aborted) onStopping();
  try {
    for await (const event of events) {
      if (closed || socket.readyState !== socket.OPEN) break;
      socket.send(JSON.stringify(event));
      if (isTooSlow(socket.bufferedAmount, options.maxBufferedBytes)) {
        close(
          closeCodes.tooSlow,
          `client too slow: more than ${options.maxBufferedBytes} bytes unsent`,
          true,
        );
        break;
      }
    }
    close(closeCodes.normal, options.endReason());
  } catch (error) {
    close(closeCodes.internalError, 'the stream failed');
    if (closed?.code === closeCodes.internalError) closed = { ...closed, error };
  } finally {
    clearInterval(ping);
    options.stopping.removeEventListener('abort', onStopping);
  }
  return closed ?? { code: closeCodes.normal, reason: options.endReason() };
}
