// A reply as each chat service wants it: the model writes Markdown, and each service has its own
// dialect and message size. Splitting happens on the plain text first (the services count the
// characters people see, after their markup is parsed), then each part is formatted. Pure.
import type { ChannelType } from '../../api/index.ts';
import { splitText } from './split-text.ts';

/** The most characters one message may show, per service. */
export const messageLimits: Record<ChannelType, number> = {
  telegram: 4096,
  // chat.postMessage keeps 40,000 but Slack recommends at most 4,000 for readable messages
  slack: 4000,
  discord: 2000,
  whatsapp: 4096,
};

/** Every character MarkdownV2 reserves, escaped outside code. */
const markdownV2Special = /[_*[\]()~`>#+\-=|{}.!\\]/g;

function escapeMarkdownV2(text: string): string {
  return text.replace(markdownV2Special, (char) => `\\${char}`);
}

/** Inside `code` and ```pre``` MarkdownV2 wants only ` and \ escaped. */
function escapeMarkdownV2Code(text: string): string {
  return text.replace(/[`\\]/g, (char) => `\\${char}`);
}

/**
 * Telegram MarkdownV2: code blocks and inline code kept, `**bold**` as bold, everything else
 * escaped so a stray `.` or `(` cannot make Telegram refuse the message.
 */
export function formatTelegramMarkdownV2(text: string): string {
  const pattern = /```(\w*)\n?([\s\S]*?)```|`([^`\n]+)`|\*\*([^*\n]+)\*\*/g;
  let out = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    out += escapeMarkdownV2(text.slice(last, match.index));
    const [, language, block, inline, bold] = match;
    if (block !== undefined) out += `\`\`\`${language ?? ''}\n${escapeMarkdownV2Code(block)}\`\`\``;
    else if (inline !== undefined) out += `\`${escapeMarkdownV2Code(inline)}\``;
    else if (bold !== undefined) out += `*${escapeMarkdownV2(bold)}*`;
    last = match.index + match[0].length;
  }
  return out + escapeMarkdownV2(text.slice(last));
}

/** Slack mrkdwn: `&`, `<` and `>` escaped (they start links and mentions), `**bold**` as `*bold*`. */
export function formatSlackMrkdwn(text: string): string {
  return text
    .replace(/[&<>]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[char] ?? char)
    .replace(/\*\*([^*\n]+)\*\*/g, '*$1*');
}

/** WhatsApp: `*bold*` is its bold; the rest of Markdown shows as written. */
export function formatWhatsApp(text: string): string {
  return text.replace(/\*\*([^*\n]+)\*\*/g, '*$1*');
}

const formatters: Record<ChannelType, (text: string) => string> = {
  telegram: formatTelegramMarkdownV2,
  slack: formatSlackMrkdwn,
  // Discord renders Markdown itself; mentions are disabled when sending instead of escaped here
  discord: (text) => text,
  whatsapp: formatWhatsApp,
};

/** One message a service will accept: `text` formatted for it, `plain` the same part unformatted. */
export interface ReplyPart {
  text: string;
  plain: string;
}

export function buildReplyParts(channel: ChannelType, reply: string): ReplyPart[] {
  return splitText(reply, messageLimits[channel]).map((plain) => ({
    plain,
    text: formatters[channel](plain),
  }));
}
