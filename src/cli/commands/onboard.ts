// `k8sclaw onboard --non-interactive`: the instance, its provider and key, a channel and the
// default policy from flags, applied with server-side apply as the CLI's field manager (so a
// re-run changes only what changed). Keys and tokens are read from environment variables named by
// flags, never taken as flag values, and never printed.
import { Option, type Command } from 'commander';
import type { ChannelType, Provider } from '../../api/index.ts';
import { fieldManagers } from '../../api/index.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption } from '../command-options.ts';
import { explainKubeFailure } from '../kube-failure.ts';
import { defaultKeyEnv, planOnboard, type OnboardAnswers } from '../onboard/onboard-plan.ts';
import { UsageError } from '../usage-error.ts';

interface OnboardOptions {
  nonInteractive?: boolean;
  namespace?: string;
  instance?: string;
  provider?: string;
  model?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  channel?: string;
  channelTokenEnv?: string;
  policy: string;
  defaultAction: string;
}

const plurals: Record<string, string> = {
  Secret: 'secrets',
  ClawPolicy: 'clawpolicies',
  ClawInstance: 'clawinstances',
};

export function addOnboardCommand(program: Command, ctx: CliContext): void {
  // where keys come from: the process's environment, passed in by the entry point
  const environment = ctx.env.variables ?? {};
  program
    .command('onboard')
    .description('set up an instance: provider and key, a channel, the default policy')
    .option('--non-interactive', 'take every answer from flags (for scripts)')
    .addOption(namespaceOption())
    .option('--instance <name>', 'name of the ClawInstance')
    .option('--provider <provider>', 'openai, anthropic, azure-openai, ollama or openai-compatible')
    .option('--model <model>', 'model name')
    .option('--base-url <url>', 'provider endpoint (needed for azure-openai and openai-compatible)')
    .option(
      '--api-key-env <VAR>',
      "environment variable holding the API key (default: the provider's usual one)",
    )
    .option('--channel <type>', 'telegram, slack, discord or whatsapp (optional)')
    .option('--channel-token-env <VAR>', 'environment variable holding the channel token')
    .option('--policy <name>', 'name of the ClawPolicy', 'default')
    .addOption(
      new Option('--default-action <action>', "the policy's action for tools no rule names").default('allow'),
    )
    .action(async (options: OnboardOptions) => {
      if (!options.nonInteractive)
        throw new UsageError('only onboard --non-interactive is available: give every answer as a flag');
      const need = (value: string | undefined, flag: string): string => {
        if (!value) throw new UsageError(`onboard --non-interactive needs ${flag}`);
        return value;
      };
      const fromEnv = (variable: string, what: string): string => {
        const value = environment[variable];
        if (!value) throw new UsageError(`${what}: environment variable ${variable} is not set`);
        return value;
      };
      const provider = need(options.provider, '--provider') as Provider;
      const keyEnv = options.apiKeyEnv ?? defaultKeyEnv[provider];
      const channelType = options.channel as ChannelType | undefined;
      const answers: OnboardAnswers = {
        namespace: ctx.namespace(options.namespace),
        instance: need(options.instance, '--instance'),
        provider,
        model: need(options.model, '--model'),
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        ...(keyEnv && (options.apiKeyEnv || environment[keyEnv])
          ? { apiKey: fromEnv(keyEnv, 'the API key') }
          : {}),
        ...(channelType
          ? {
              channel: {
                type: channelType,
                token: fromEnv(
                  need(options.channelTokenEnv, '--channel-token-env with --channel'),
                  'the channel token',
                ),
              },
            }
          : {}),
        policy: { name: options.policy, defaultAction: options.defaultAction as 'allow' },
      };
      const kube = ctx.kube();
      for (const object of planOnboard(answers)) {
        const { kind = '', metadata } = object;
        const name = metadata?.name ?? '';
        await kube.apply(object, fieldManagers.cli).catch((error: unknown) => {
          throw explainKubeFailure(error, {
            verb: 'patch',
            kind: { singular: kind.toLowerCase(), plural: plurals[kind] ?? kind.toLowerCase() },
            name,
            namespace: answers.namespace,
            server: kube.server,
          });
        });
        ctx.print(`${kind.toLowerCase()}/${name} applied`);
      }
    });
}
