// Prints K8sClaw objects in the format `-o` asks for: a table (wide: with the extra columns; -A:
// with a NAMESPACE column), or JSON / YAML that parse back to the very objects (a list as a
// `v1 List`, as kubectl prints it). Pure: objects in, text out.
import { stringify } from 'yaml';
import { formatTable } from './format-table.ts';
import type { RowRenderer } from './row-renderer.ts';

export const outputFormats = ['table', 'wide', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

interface Named {
  metadata: { name: string; namespace?: string };
}

export interface RenderOptions {
  format: OutputFormat;
  now: Date;
  /** Objects from every namespace: the table gets a NAMESPACE column. */
  allNamespaces?: boolean;
  /** One object (`get`): JSON and YAML print it alone instead of a List. */
  single?: boolean;
  /** false for the later pages of a table printed a page at a time: their rows only. */
  withHeaders?: boolean;
}

export function renderObjects<T extends Named>(
  renderer: RowRenderer<T>,
  objects: readonly T[],
  options: RenderOptions,
): string {
  if (options.format === 'json' || options.format === 'yaml') {
    const document =
      options.single && objects.length === 1
        ? objects[0]
        : { apiVersion: 'v1', kind: 'List', items: objects };
    return options.format === 'json' ? JSON.stringify(document, null, 2) : stringify(document).trimEnd();
  }
  const columns = renderer.columns.filter((c) => options.format === 'wide' || !c.wide);
  const headers = [...(options.allNamespaces ? ['Namespace'] : []), 'Name', ...columns.map((c) => c.header)];
  const rows = objects.map((object) => [
    ...(options.allNamespaces ? [object.metadata.namespace ?? ''] : []),
    object.metadata.name,
    ...columns.map((c) => c.cell(object, options.now)),
  ]);
  return formatTable(headers, rows, { withHeaders: options.withHeaders ?? true });
}
