// The options shared by the resource commands, declared once so every command spells them alike.
import { InvalidArgumentError, Option } from 'commander';
import { outputFormats, type OutputFormat } from './render/render-objects.ts';

export interface NamespaceOptions {
  namespace?: string;
}

export interface ListOptions extends NamespaceOptions {
  allNamespaces?: boolean;
  output: OutputFormat;
}

export interface ChunkedListOptions extends ListOptions {
  chunkSize: number;
}

export const namespaceOption = () =>
  new Option('-n, --namespace <namespace>', "namespace (default: the kube context's, then default)");

export const allNamespacesOption = () => new Option('-A, --all-namespaces', 'list across all namespaces');

export const outputOption = (formats: readonly string[] = outputFormats) =>
  new Option('-o, --output <format>', 'output format').choices(formats).default('table');

/** As kubectl's: a table is printed a page at a time, so its first rows come before the last are read. */
export const chunkSizeOption = () =>
  new Option('--chunk-size <n>', 'read and print a table this many objects at a time; 0 reads all at once')
    .argParser((value: string) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number, 0 or more.');
      return n;
    })
    .default(500);
