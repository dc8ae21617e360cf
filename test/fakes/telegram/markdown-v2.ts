// The part of Telegram's MarkdownV2 parser that refuses text: a reserved character outside code
// that is not escaped, or an entity left open. Enough to catch a bot that sends unescaped text,
// with Telegram's own error description.
const reserved = new Set([
  '_',
  '*',
  '[',
  ']',
  '(',
  ')',
  '~',
  '`',
  '>',
  '#',
  '+',
  '-',
  '=',
  '|',
  '{',
  '}',
  '.',
  '!',
]);
const toggles = new Set(['*', '_', '~', '|']);

/** undefined when Telegram would parse it, else the description of its 400 answer. */
export function checkMarkdownV2(text: string): string | undefined {
  const open = new Map<string, number>();
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char === '\\') {
      i += 1;
      continue;
    }
    if (char === '`') {
      const fence = text.startsWith('```', i) ? '```' : '`';
      let end = i + fence.length;
      for (; end < text.length; end += 1) {
        if (text[end] === '\\') end += 1;
        else if (text.startsWith(fence, end)) break;
      }
      if (end >= text.length)
        return `Bad Request: can't parse entities: Can't find end of Pre entity at byte offset ${i}`;
      i = end + fence.length - 1;
      continue;
    }
    if (toggles.has(char)) {
      // `__` is underline and `||` spoiler: a pair toggles once
      const token = text[i + 1] === char && (char === '_' || char === '|') ? char + char : char;
      open.set(token, (open.get(token) ?? 0) ^ 1);
      i += token.length - 1;
      continue;
    }
    if (reserved.has(char)) {
      return `Bad Request: can't parse entities: Character '${char}' is reserved and must be escaped with the preceding '\\'`;
    }
  }
  for (const [token, state] of open) {
    if (state === 1)
      return `Bad Request: can't parse entities: Can't find end of the entity starting with '${token}'`;
  }
  return undefined;
}

/** What the person sees: the text without MarkdownV2's escapes and markup characters. */
export function plainTextOfMarkdownV2(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char === '\\') {
      out += text[i + 1] ?? '';
      i += 1;
    } else if (!toggles.has(char)) out += char;
  }
  return out;
}
