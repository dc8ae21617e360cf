// The onboard wizard's questions on a terminal, drawn by @clack/prompts on the CLI's own streams.
// Ctrl-C or Esc on any question ends the wizard with "cancelled" before anything is applied.
import { cancel, confirm, isCancel, log, password, select, text } from '@clack/prompts';
import { CliError } from '../cli-error.ts';
import type { CliStreams } from '../cli-context.ts';
import type { Choice, OnboardPrompter } from './onboard-prompter.ts';

export function clackPrompter(streams: CliStreams): OnboardPrompter {
  const io = { input: streams.stdin, output: streams.stdout };
  const answered = <T>(answer: T | symbol): Exclude<T, symbol> => {
    if (isCancel(answer)) {
      cancel('cancelled', { output: streams.stdout });
      throw new CliError('Cancelled', 'onboarding cancelled, nothing was applied');
    }
    return answer as Exclude<T, symbol>;
  };
  return {
    async text(q) {
      return answered(
        await text({
          ...io,
          message: q.message,
          ...(q.initial ? { placeholder: q.initial, defaultValue: q.initial } : {}),
          ...(q.validate ? { validate: (v) => q.validate!(v || q.initial || '') } : {}),
        }),
      );
    },
    async secret(q) {
      return answered(
        await password({
          ...io,
          message: q.message,
          ...(q.validate ? { validate: (v) => q.validate!(v ?? '') } : {}),
        }),
      );
    },
    async select<T extends string>(q: {
      message: string;
      choices: readonly Choice<T>[];
      initial?: T;
    }): Promise<T> {
      return answered(
        await select<string>({
          ...io,
          message: q.message,
          options: q.choices.map((c) => ({
            value: c.value,
            label: c.label,
            ...(c.hint ? { hint: c.hint } : {}),
          })),
          ...(q.initial ? { initialValue: q.initial } : {}),
        }),
      ) as T;
    },
    async confirm(q) {
      return answered(await confirm({ ...io, message: q.message, initialValue: q.initial }));
    },
    say(line) {
      log.info(line, { output: streams.stdout });
    },
  };
}
