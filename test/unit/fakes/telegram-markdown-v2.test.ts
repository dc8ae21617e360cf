import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTelegramMarkdownV2 } from '../../../src/channels/index.ts';
import { checkMarkdownV2, plainTextOfMarkdownV2 } from '../../fakes/telegram/index.ts';

describe('the Telegram fake’s MarkdownV2 check', () => {
  const refused: [string, RegExp][] = [
    ['a bare dot.', /Character '\.' is reserved/],
    ['(brackets)', /Character '\(' is reserved/],
    ['*open bold', /Can't find end of the entity starting with '\*'/],
    ['`open code', /Can't find end of Pre entity/],
  ];
  for (const [text, description] of refused) {
    it(`refuses ${JSON.stringify(text)} as Telegram does`, () =>
      assert.match(checkMarkdownV2(text) ?? '', description));
  }

  it('accepts escaped text, entities and code, and shows what a person would read', () => {
    for (const text of ['a \\. b', '*bold* and _it_', '`a.b`', '```\nx.y\n```', '||spoiler||']) {
      assert.equal(checkMarkdownV2(text), undefined, text);
    }
    assert.equal(plainTextOfMarkdownV2('It is 3\\.15 *now*\\!'), 'It is 3.15 now!');
  });

  it('accepts whatever the Telegram channel formats', () => {
    for (const text of [
      'Costs 3.50 (about) - **really**!',
      'a_b*c [x](y) #tag +1 =2 |x| {y} ~z~ > q',
      'run `a.b` then\n```sh\nls -la\n```',
    ]) {
      assert.equal(checkMarkdownV2(formatTelegramMarkdownV2(text)), undefined, text);
    }
  });
});
