import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { messageLimits } from './format-reply.ts';
import {
  buildReplyParts,
  formatSlackMrkdwn,
  formatTelegramMarkdownV2,
  formatWhatsApp,
} from './format-reply.ts';
import { splitText } from './split-text.ts';

describe('formatTelegramMarkdownV2', () => {
  const cases: [string, string, string][] = [
    ['plain text', 'Hello there', 'Hello there'],
    [
      'every reserved character',
      '_*[]()~`>#+-=|{}.!\\',
      '\\_\\*\\[\\]\\(\\)\\~\\`\\>\\#\\+\\-\\=\\|\\{\\}\\.\\!\\\\',
    ],
    ['a sentence', 'It costs 3.50 (about).', 'It costs 3\\.50 \\(about\\)\\.'],
    ['bold', 'a **big** deal.', 'a *big* deal\\.'],
    ['inline code keeps its dots', 'run `npm i a.b` now', 'run `npm i a.b` now'],
    ['a code block', 'see:\n```ts\nconst a = `x`;\n```', 'see:\n```ts\nconst a = \\`x\\`;\n```'],
    ['an unclosed code fence is escaped', 'a ``` b', 'a \\`\\`\\` b'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(formatTelegramMarkdownV2(input), expected));
  }
});

describe('formatSlackMrkdwn and formatWhatsApp', () => {
  it('escapes what starts Slack links and mentions, and turns **bold** into *bold*', () => {
    assert.equal(formatSlackMrkdwn('a <b> & **c**'), 'a &lt;b&gt; &amp; *c*');
  });
  it('turns **bold** into WhatsApp bold and leaves the rest', () => {
    assert.equal(formatWhatsApp('**yes** _no_ 1.5'), '*yes* _no_ 1.5');
  });
});

describe('splitText', () => {
  it('keeps a short text whole', () => assert.deepEqual(splitText('hello', 10), ['hello']));
  it('cuts at a paragraph break first', () => {
    assert.deepEqual(splitText('aaaa bbbb\n\ncccc', 12), ['aaaa bbbb', 'cccc']);
  });
  it('cuts at a line break, then at a space', () => {
    assert.deepEqual(splitText('aaaa\nbbbb cccc', 12), ['aaaa\nbbbb', 'cccc']);
    assert.deepEqual(splitText('aaaa bbbb cccc', 12), ['aaaa bbbb', 'cccc']);
  });
  it('cuts a word longer than the limit hard', () => {
    assert.deepEqual(splitText('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  });
  it('never cuts a surrogate pair', () => {
    const parts = splitText('ab😀cd', 3);
    assert.deepEqual(parts, ['ab', '😀c', 'd']);
    for (const part of parts) assert.equal(part, Buffer.from(part, 'utf8').toString('utf8'));
  });
  it('refuses a limit that cannot hold a character', () =>
    assert.throws(() => splitText('a', 1), RangeError));
});

describe('buildReplyParts', () => {
  const cases: [keyof typeof messageLimits, number][] = [
    ['telegram', 4096],
    ['slack', 4000],
    ['discord', 2000],
    ['whatsapp', 4096],
  ];
  for (const [channel, limit] of cases) {
    it(`splits a ${channel} reply at ${limit} characters`, () => {
      const text = `${'word '.repeat(Math.ceil((limit * 2.5) / 5))}`.trim();
      const parts = buildReplyParts(channel, text);
      assert.equal(parts.length, 3);
      for (const part of parts) assert.ok(part.plain.length <= limit, `${part.plain.length} > ${limit}`);
      assert.equal(parts.map((part) => part.plain).join(' '), text);
    });
  }
  it('formats each part after splitting', () => {
    assert.deepEqual(buildReplyParts('telegram', 'Done.'), [{ plain: 'Done.', text: 'Done\\.' }]);
  });
});
