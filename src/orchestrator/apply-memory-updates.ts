// Applies proposed memory entries to MEMORY.md while keeping it within the instance's maxSizeKB.
//
// Document format: a header (everything before the first entry, e.g. "# Memory of alice") followed
// by entries, each a top-level markdown list item: a line starting with "- ", continued by the lines
// after it up to the next such line. A multi-line update becomes one entry whose later lines are
// indented by two spaces. When the document would exceed maxSizeKB the oldest entries are dropped
// first; the header is never dropped, and an entry too large to fit beside the header alone is
// dropped without evicting others. An update identical to an entry already present is skipped.

export interface MemoryUpdateOutcome {
  content: string;
  /** New entries now in the document. */
  appended: number;
  /** Entries removed to stay within the size limit (oldest first). */
  dropped: number;
  /** True when entries had to be dropped. */
  truncated: boolean;
}

const entryStart = /^- /;

export function applyMemoryUpdates(
  current: string,
  updates: readonly string[],
  maxSizeKB: number,
): MemoryUpdateOutcome {
  const { header, entries } = parseMemory(current.replace(/\r\n/g, '\n'));
  const added = new Set<string>();
  for (const update of updates) {
    const entry = toEntry(update);
    if (!entry || entries.includes(entry)) continue;
    entries.push(entry);
    added.add(entry);
  }

  const maxBytes = maxSizeKB * 1024;
  // an entry too large to fit even alone is dropped first, so it never evicts what could stay
  const fitting = entries.filter((entry) => byteLength(render(header, [entry])) <= maxBytes);
  let firstKept = 0;
  while (firstKept < fitting.length && byteLength(render(header, fitting.slice(firstKept))) > maxBytes) {
    firstKept++;
  }
  const kept = fitting.slice(firstKept);
  const dropped = entries.length - kept.length;
  return {
    content: render(header, kept),
    appended: kept.filter((entry) => added.has(entry)).length,
    dropped,
    truncated: dropped > 0,
  };
}

function parseMemory(text: string): { header: string; entries: string[] } {
  const lines = text.split('\n');
  const headerLines: string[] = [];
  const entries: string[][] = [];
  for (const line of lines) {
    if (entryStart.test(line)) entries.push([line]);
    else if (entries.length > 0) entries.at(-1)?.push(line);
    else headerLines.push(line);
  }
  return {
    header: headerLines.join('\n').trimEnd(),
    entries: entries.map((entry) => entry.join('\n').trimEnd()),
  };
}

function toEntry(update: string): string {
  const lines = update
    .replace(/\r\n/g, '\n')
    .trim()
    .split('\n')
    .map((line) => line.trimEnd());
  if (lines.length === 0 || lines[0] === '') return '';
  const [first = '', ...rest] = lines;
  // an update written as a list item keeps its text, not a second bullet
  const body = first.replace(entryStart, '');
  return [`- ${body}`, ...rest.map((line) => (line ? `  ${line}` : ''))].join('\n');
}

function render(header: string, entries: readonly string[]): string {
  const blocks = [header, entries.join('\n')].filter((block) => block !== '');
  return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
