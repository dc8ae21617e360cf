// One kind's row renderer: its columns after NAME, each a pure function of the object and an
// injected "now". The CLI's tables and (later) the TUI's views share them.

export interface Column<T> {
  header: string;
  /** Shown only with `-o wide` (a CRD printer column of priority 1). */
  wide?: boolean;
  cell(object: T, now: Date): string;
}

export interface RowRenderer<T> {
  columns: readonly Column<T>[];
}

/** What a cell shows for a field that is not set. */
export const none = '<none>';

export function cellText(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null || value === '') return none;
  return String(value);
}

/** A single line of at most `max` characters, for free text such as a task. */
export function oneLine(text: string | undefined, max = 60): string {
  if (!text) return none;
  const line = text.replace(/\s+/g, ' ').trim();
  return [...line].length > max ? `${[...line].slice(0, max - 1).join('')}…` : line;
}
