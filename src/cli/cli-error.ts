// Errors the CLI reports to the user as one clear sentence (and exit code 1), without a stack.
import { K8sClawError } from '../api/index.ts';

export class CliError extends K8sClawError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(`cli.${code}`, message, options);
  }
}
