// The bus's side of an adapter in the adapters' tests: the message handler `start` is given. It
// records every message the adapter hands over, and can hold the handling (to see that the service
// is not answered before the message is on the bus) or fail it (to see the service deliver it
// again). Test-only (testdata/ is left out of the build, and only tests may import it).
import type { ReceivedMessage } from '../index.ts';

export class RecordingHandler {
  /** Every message handed over, in order, the failed ones too. */
  readonly received: ReceivedMessage[] = [];
  /** How many of the next messages fail, as with the bus away. */
  failuresLeft = 0;
  /** A message with this text fails, every time, as one the bus refused. */
  refusedText: string | undefined;
  private holding: Promise<void> | undefined;

  /** Holds the handling of every message from now on until the returned release is called. */
  hold(): () => void {
    let resolve: () => void = () => undefined;
    this.holding = new Promise<void>((done) => (resolve = done));
    return () => {
      resolve();
      this.holding = undefined;
    };
  }

  readonly handle = async (message: ReceivedMessage): Promise<void> => {
    this.received.push(message);
    await this.holding;
    if (message.text === this.refusedText) throw new Error('the bus refused it');
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw new Error('the bus is away');
    }
  };
}
