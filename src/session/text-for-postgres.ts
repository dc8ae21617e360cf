// PostgreSQL text and jsonb cannot hold U+0000 (it refuses the row), and a model or a tool can
// produce one. A refused row would make a durable consumer redeliver the same event forever, so the
// character is replaced by U+FFFD, the usual stand-in for what cannot be represented.

export function toPostgresText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/** JSON text for a jsonb column: every string in `value`, object keys included, made storable. */
export function toPostgresJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string') return toPostgresText(item);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    return Object.fromEntries(Object.entries(item).map(([key, entry]) => [toPostgresText(key), entry]));
  });
}
