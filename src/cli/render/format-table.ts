// The plain-text table of `list` and `get`: upper-case headers, columns padded to their widest
// cell and separated by three spaces, as kubectl prints them. Pure: text in, text out.

export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  options: { withHeaders?: boolean } = {},
): string {
  const lines = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, column) =>
    Math.max(...lines.map((line) => [...(line[column] ?? '')].length)),
  );
  return lines
    .map((line) =>
      line
        .map((cell, column) =>
          column === line.length - 1 ? cell : cell.padEnd(widths[column]! + cell.length - [...cell].length),
        )
        .join('   ')
        .trimEnd(),
    )
    .slice(options.withHeaders === false ? 1 : 0)
    .join('\n');
}
