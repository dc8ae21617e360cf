// Prints K8sClaw objects in the format `-o` asks for: a table (wide: with the extra columns; -A:
// with a NAMESPACE column), or JSON / YAML that parse back to the very objects (a list as a
// `v1 List`, as kubectl prints it, and like kubectl without metadata.managedFields, the server's
// bookkeeping of who set which field). Pure: objects in, text out.
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

function withoutManagedFields<T extends Named>(object: T): T {
  if (!('managedFields' in object.metadata)) return object;
  const { managedFields: _, ...metadata } = object.metadata as T['metadata'] & { managedFields?: unknown };
  return { ...object, metadata };
}

export function renderObjects<T extends Named>(
  renderer: RowRenderer<T>,
  objects: readonly T[],
  options: RenderOptions,
): string {
  if (options.format === 'json' || options.format === 'yaml') {
    const shown = objects.map(withoutManagedFields);
    const document =
      options.single && shown.length === 1 ? shown[0] : { apiVersion: 'v1', kind: 'List', items: shown };
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
