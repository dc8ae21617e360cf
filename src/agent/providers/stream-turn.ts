// The one way every adapter runs a streamed call: open the stream under an idle guard, feed each
// event to the adapter's turn builder, and turn any failure into a ProviderError (or the abort it
// was). Adapters differ only in their request body and how they read events.
import type { CompleteOptions, ModelTurn } from '../model.ts';
import { IdleGuard } from './idle-guard.ts';
import { toProviderError } from './provider-error.ts';

/** What every adapter is configured with besides its client. */
export interface AdapterOptions {
  model: string;
  /** Named in error messages, e.g. `ollama`. */
  label: string;
  apiKey?: string;
  /** The longest silence allowed inside a streamed answer. */
  idleTimeoutMs?: number;
}

export interface TurnBuilder<Event> {
  add(event: Event, onText: ((delta: string) => void) | undefined): void;
  finish(): ModelTurn;
}

export async function streamTurn<Event>(
  options: AdapterOptions,
  { signal, onText }: CompleteOptions,
  open: (signal: AbortSignal) => Promise<AsyncIterable<Event>>,
  turn: TurnBuilder<Event>,
): Promise<ModelTurn> {
  const guard = new IdleGuard(signal, options.idleTimeoutMs);
  try {
    const stream = await open(guard.signal);
    guard.touch();
    for await (const event of stream) {
      guard.touch();
      turn.add(event, onText);
    }
    // the SDK ends a stream quietly when it is aborted
    signal.throwIfAborted();
    guard.throwIfStalled(options.label);
    return turn.finish();
  } catch (error) {
    throw toProviderError(guard.failure(error, options.label), {
      provider: options.label,
      signal,
      secrets: [options.apiKey],
    });
  } finally {
    guard.stop();
  }
}
