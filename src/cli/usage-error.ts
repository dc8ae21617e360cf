// A command line the CLI cannot act on (a missing flag, an unknown gate): one sentence, exit code 2,
// like commander's own parse errors, so scripts can tell a bad invocation from a failed action.
import { CliError } from './cli-error.ts';

export class UsageError extends CliError {
  constructor(message: string) {
    super('Usage', message);
  }
}
