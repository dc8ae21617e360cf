// Progress of a long step (waiting for a run): a spinner on a terminal, plain lines elsewhere
// (a log file or a pipe gets one line per change, no control characters). Written to stderr so
// stdout keeps only the command's result.
import { spinner } from '@clack/prompts';
import type { Writable } from 'node:stream';

export interface Progress {
  /** The current state; printed when it differs from the last one. */
  update(message: string): void;
  /** Ends the step: the spinner stops (or the line is printed) with this message. */
  stop(message: string, failed?: boolean): void;
}

export function startProgress(stderr: Writable & { isTTY?: boolean }, first: string): Progress {
  if (stderr.isTTY) {
    const spin = spinner({ output: stderr, withGuide: false });
    spin.start(first);
    return {
      update: (message) => spin.message(message),
      stop: (message, failed) => (failed ? spin.error(message) : spin.stop(message)),
    };
  }
  let last = first;
  stderr.write(`${first}\n`);
  return {
    update(message) {
      if (message === last) return;
      last = message;
      stderr.write(`${message}\n`);
    },
    stop(message) {
      if (message !== last) stderr.write(`${message}\n`);
    },
  };
}
