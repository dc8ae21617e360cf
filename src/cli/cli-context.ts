// What every command gets: the output streams, the clock, whether a person is at a terminal, and
// (only when a command needs the cluster) the Kubernetes client and the namespace to work in.
import type { Readable, Writable } from 'node:stream';
import { KubeClient } from '../kube/index.ts';
import { ClawResources } from './claw-resources.ts';

export interface CliStreams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
}

export interface CliEnvironment extends CliStreams {
  /** $KUBECONFIG, used when --kubeconfig is not given. */
  kubeconfig?: string;
  now: () => Date;
  /** $NO_COLOR is set: the TUI draws without colours. */
  noColor?: boolean;
  /** The environment variables, for the ones a command is told to read (API keys, tokens). */
  variables?: Readonly<Record<string, string | undefined>>;
}

/** The options every command takes (`k8sclaw --kubeconfig F runs list`). */
export interface GlobalOptions {
  kubeconfig?: string;
}

export class CliContext {
  readonly env: CliEnvironment;
  private readonly globalOptions: () => GlobalOptions;
  private client: KubeClient | undefined;

  constructor(env: CliEnvironment, globalOptions: () => GlobalOptions) {
    this.env = env;
    this.globalOptions = globalOptions;
  }

  kube(): KubeClient {
    this.client ??= KubeClient.load(this.globalOptions().kubeconfig ?? this.env.kubeconfig);
    return this.client;
  }

  resources(): ClawResources {
    return new ClawResources(this.kube());
  }

  /** -n when given, else the kube context's namespace, else `default` (as kubectl does). */
  namespace(option: string | undefined): string {
    if (option) return option;
    const config = this.kube().config;
    return config.getContextObject(config.getCurrentContext())?.namespace || 'default';
  }

  print(text: string): void {
    this.env.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  note(text: string): void {
    this.env.stderr.write(`${text}\n`);
  }

  /** A person who can answer questions: both ends on a terminal. */
  get interactive(): boolean {
    return Boolean(this.env.stdin.isTTY && this.env.stdout.isTTY);
  }
}
