// Cutting text that is too long, always saying so: a model or a user who sees a truncated output
// must know it is not the whole.

export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const note = `\n[truncated: ${text.length - maxChars} of ${text.length} characters omitted]`;
  const keep = Math.max(0, maxChars - note.length);
  return `${text.slice(0, keep)}${note}`;
}
