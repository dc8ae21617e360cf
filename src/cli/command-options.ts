// The options shared by the resource commands, declared once so every command spells them alike.
import { Option } from 'commander';
import { outputFormats, type OutputFormat } from './render/render-objects.ts';

export interface NamespaceOptions {
  namespace?: string;
}

export interface ListOptions extends NamespaceOptions {
  allNamespaces?: boolean;
  output: OutputFormat;
}

export const namespaceOption = () =>
  new Option('-n, --namespace <namespace>', "namespace (default: the kube context's, then default)");

export const allNamespacesOption = () => new Option('-A, --all-namespaces', 'list across all namespaces');

export const outputOption = (formats: readonly string[] = outputFormats) =>
  new Option('-o, --output <format>', 'output format').choices(formats).default('table');
