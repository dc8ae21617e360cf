// `k8sclaw onboard`: the instance, its provider and key, a channel and the default policy, asked
// by the wizard on a terminal or taken from flags with --non-interactive; both apply one plan with
// server-side apply as the CLI's field manager (so a re-run changes only what changed). Keys and
// tokens are typed hidden or read from environment variables named by flags, never taken as flag
// values, and never printed.
import { Option, type Command } from 'commander';
import type { ChannelType, Provider } from '../../api/index.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption } from '../command-options.ts';
import { applyOnboard } from '../onboard/apply-onboard.ts';
import { clackPrompter } from '../onboard/clack-prompter.ts';
import { fetchModels } from '../onboard/models-check.ts';
import { checkOnboardCluster, readExistingSetup, readPolicyAction } from '../onboard/onboard-cluster.ts';
import { defaultKeyEnv, type OnboardAnswers } from '../onboard/onboard-plan.ts';
import { askOnboardAnswers } from '../onboard/onboard-wizard.ts';
import { channelSettingKeys } from '../../orchestrator/index.ts';
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
  installProfile?: string;
}

export interface OnboardSettings {
  /** Where install finds config/ when the wizard installs K8sClaw. */
  packageRoot: string;
  /** The version install deploys. */
  version: string;
}

export function addOnboardCommand(program: Command, ctx: CliContext, settings: OnboardSettings): void {
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
    .option('--install-profile <name>', 'install profile used when the wizard installs K8sClaw (e.g. local)')
    .action(async (options: OnboardOptions) => {
      if (!options.nonInteractive) {
        if (!ctx.interactive)
          throw new UsageError(
            'onboard asks its questions on a terminal: without one, use onboard --non-interactive with flags',
          );
        const kube = ctx.kube();
        const namespace = ctx.namespace(options.namespace);
        const prompter = clackPrompter(ctx.env);
        const answers = await askOnboardAnswers({
          prompter,
          namespace,
          variables: environment,
          checkCluster: () => checkOnboardCluster(kube, namespace),
          install: async () => {
            // loaded when the wizard installs, as by the install command
            const { defaultConfigDir, runInstall } = await import('./install.ts');
            await runInstall(
              kube,
              {
                configDir: defaultConfigDir(settings.packageRoot),
                version: settings.version,
                ...(options.installProfile ? { profile: options.installProfile } : {}),
              },
              (line) => prompter.say(line),
            );
          },
          readInstance: (name) => readExistingSetup(kube, namespace, name),
          readPolicyAction: (name) => readPolicyAction(kube, namespace, name),
          checkModels: (request) => fetchModels(request),
        });
        await applyOnboard(kube, answers, (line) => ctx.print(line));
        ctx.print(
          `${answers.instance} is set up in namespace ${namespace}; try: k8sclaw runs create -n ${namespace} --instance ${answers.instance} --task "Say hello" --wait`,
        );
        return;
      }
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
                // the channel's other keys come from variables named like them
                settings: Object.fromEntries(
                  channelSettingKeys(channelType).flatMap(({ key }) =>
                    environment[key] ? [[key, environment[key]]] : [],
                  ),
                ),
              },
            }
          : {}),
        policy: { name: options.policy, defaultAction: options.defaultAction as 'allow' },
      };
      await applyOnboard(ctx.kube(), answers, (line) => ctx.print(line));
    });
}
