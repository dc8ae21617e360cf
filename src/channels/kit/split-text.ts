// Splitting a reply into messages a chat service accepts: at most `limit` UTF-16 code units each
// (how Telegram, Discord and WhatsApp count), cut at the last paragraph break, else line break, else
// space within the limit, and never inside a surrogate pair. Pure.

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Where to cut `text` (longer than `limit`) so the first part is at most `limit` long. */
function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    // a cut in the first half would leave many tiny messages: cut hard instead
    if (at >= limit / 2 && at <= limit) return at;
  }
  return isHighSurrogate(text.charCodeAt(limit - 1)) ? limit - 1 : limit;
}

export function splitText(text: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < 2)
    throw new RangeError(`limit ${limit} is not a usable message size`);
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const at = cutPoint(rest, limit);
    const part = rest.slice(0, at).trimEnd();
    if (part.length > 0) parts.push(part);
    rest = rest.slice(at).replace(/^\s+/, '');
  }
  if (rest.trim().length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}
