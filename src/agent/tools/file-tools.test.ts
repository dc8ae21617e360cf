import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEditFileTool } from './edit-file.ts';
import { createListDirectoryTool } from './list-directory.ts';
import { createReadFileTool } from './read-file.ts';
import { makeTestRoots, type TestRoots } from './testdata/roots.ts';
import type { ToolResult } from './tool.ts';
import { createWriteFileTool } from './write-file.ts';

const context = { signal: new AbortController().signal };
let roots: TestRoots;
before(async () => {
  roots = await makeTestRoots();
  await writeFile(path.join(roots.outside, 'secret.txt'), 'top secret');
  await writeFile(path.join(roots.skills, 'SKILL.md'), '# skill\n');
  await symlink(roots.outside, path.join(roots.workspace, 'outside-dir'));
  await symlink(path.join(roots.outside, 'secret.txt'), path.join(roots.workspace, 'secret-link'));
});
after(() => roots.remove());

const ok = (result: ToolResult) => {
  assert.equal(result.isError, false, result.content);
  return result.content;
};
const failed = (result: ToolResult) => {
  assert.equal(result.isError, true, result.content);
  return result.content;
};
const lines = (count: number, width = 0) =>
  Array.from({ length: count }, (_, i) => `line ${i + 1}${'.'.repeat(width)}\n`).join('');

describe('read_file', () => {
  const read = (args: { path: string; offset?: number; limit?: number }, maxBytes?: number) =>
    createReadFileTool(roots.policy, maxBytes === undefined ? {} : { maxBytes }).run(args, context);

  it('reads a whole small file', async () => {
    await writeFile(path.join(roots.workspace, 'small.txt'), 'one\ntwo\n');
    assert.equal(ok(await read({ path: 'small.txt' })), 'one\ntwo\n');
  });

  it('reads a range of lines and says how to read on', async () => {
    await writeFile(path.join(roots.workspace, 'ten.txt'), lines(10));
    const content = ok(await read({ path: 'ten.txt', offset: 3, limit: 2 }));
    assert.match(
      content,
      /^line 3\nline 4\n\[showed lines 3-4; \d+ more bytes follow; call read_file with offset 5/,
    );
    assert.equal(ok(await read({ path: 'ten.txt', offset: 9 })), 'line 9\nline 10\n');
  });

  it('cuts a long file at a line boundary with a note saying how much was cut', async () => {
    const text = lines(1000, 20);
    await writeFile(path.join(roots.workspace, 'long.txt'), text);
    const content = ok(await read({ path: 'long.txt' }, 1000));
    const shown = content.slice(0, content.indexOf('[truncated'));
    assert.ok(Buffer.byteLength(shown) <= 1000);
    const lastShown = shown.trimEnd().split('\n').length;
    const rest = Buffer.byteLength(text) - Buffer.byteLength(shown);
    assert.match(
      content,
      new RegExp(
        `\\[truncated: showed lines 1-${lastShown}; ${rest} more bytes of .*long\\.txt are not shown; call read_file with offset ${lastShown + 1} to read on\\]$`,
      ),
    );
  });

  it('shows the start of a single line longer than the limit', async () => {
    await writeFile(path.join(roots.workspace, 'wide.txt'), 'x'.repeat(5000));
    const content = ok(await read({ path: 'wide.txt' }, 100));
    assert.match(
      content,
      /^x{100}\n\[truncated: line 1 is longer than 100 bytes; only its first 100 bytes are shown, 4900 more/,
    );
  });

  it('says when the offset is past the end', async () => {
    await writeFile(path.join(roots.workspace, 'three.txt'), 'a\nb\nc');
    assert.match(
      ok(await read({ path: 'three.txt', offset: 7 })),
      /has only 3 lines; offset 7 is past its end/,
    );
    assert.equal(ok(await read({ path: 'three.txt', offset: 3 })), 'c');
  });

  it('reads from the read-only root', async () => {
    assert.equal(ok(await read({ path: path.join(roots.skills, 'SKILL.md') })), '# skill\n');
  });

  it('refuses binaries, directories, missing files and files outside', async () => {
    await writeFile(path.join(roots.workspace, 'bin.dat'), Buffer.from([1, 2, 0, 3]));
    assert.match(failed(await read({ path: 'bin.dat' })), /looks like a binary file \(4 bytes\)/);
    assert.match(failed(await read({ path: '.' })), /is a directory; use list_directory/);
    assert.match(failed(await read({ path: 'nope.txt' })), /nope\.txt does not exist/);
    assert.match(failed(await read({ path: 'secret-link' })), /outside the directories you may access/);
    assert.match(failed(await read({ path: 'outside-dir/secret.txt' })), /outside/);
    assert.match(failed(await read({ path: '../outside/secret.txt' })), /outside/);
  });

  it('says when a file is empty', async () => {
    await writeFile(path.join(roots.workspace, 'empty.txt'), '');
    assert.match(ok(await read({ path: 'empty.txt' })), /is empty/);
  });
});

describe('write_file', () => {
  const write = (args: { path: string; content: string }) =>
    createWriteFileTool(roots.policy).run(args, context);

  it('creates a file and its parent directories, then replaces it', async () => {
    assert.match(
      ok(await write({ path: 'out/a/b.txt', content: 'first' })),
      /wrote 5 bytes to .*out\/a\/b\.txt \(new file\)/,
    );
    assert.match(ok(await write({ path: 'out/a/b.txt', content: 'é' })), /wrote 2 bytes .*\(replaced\)/);
    assert.equal(await readFile(path.join(roots.workspace, 'out/a/b.txt'), 'utf8'), 'é');
  });

  it('writes to /tmp-like roots too', async () => {
    ok(await write({ path: path.join(roots.tmp, 'scratch.txt'), content: 'x' }));
    assert.ok(existsSync(path.join(roots.tmp, 'scratch.txt')));
  });

  it('refuses the read-only root', async () => {
    assert.match(
      failed(await write({ path: path.join(roots.skills, 'evil.md'), content: 'x' })),
      /read-only/,
    );
    assert.ok(!existsSync(path.join(roots.skills, 'evil.md')));
  });

  it('refuses to write through symbolic links that lead outside', async () => {
    assert.match(failed(await write({ path: 'secret-link', content: 'pwned' })), /outside/);
    assert.match(failed(await write({ path: 'outside-dir/new.txt', content: 'pwned' })), /outside/);
    assert.equal(await readFile(path.join(roots.outside, 'secret.txt'), 'utf8'), 'top secret');
    assert.ok(!existsSync(path.join(roots.outside, 'new.txt')));
  });

  it('refuses a directory and paths outside', async () => {
    assert.match(failed(await write({ path: '.', content: 'x' })), /is a directory/);
    assert.match(failed(await write({ path: '/etc/k8sclaw-test', content: 'x' })), /outside/);
  });
});

describe('edit_file', () => {
  const edit = (args: { path: string; old_text: string; new_text: string }) =>
    createEditFileTool(roots.policy).run(args, context);

  it('replaces text that occurs exactly once, literally', async () => {
    const file = path.join(roots.workspace, 'edit.txt');
    await writeFile(file, 'alpha\nbeta\ngamma\n');
    assert.match(
      ok(await edit({ path: 'edit.txt', old_text: 'beta\n', new_text: 'B $& $1\nB2\n' })),
      /replaced 1 occurrence, now lines 2-3/,
    );
    assert.equal(await readFile(file, 'utf8'), 'alpha\nB $& $1\nB2\ngamma\n');
  });

  it('says how often ambiguous text occurs and changes nothing', async () => {
    const file = path.join(roots.workspace, 'twice.txt');
    await writeFile(file, 'x = 1\ny = 1\nz = 1\n');
    assert.match(
      failed(await edit({ path: 'twice.txt', old_text: '= 1', new_text: '= 2' })),
      /old_text occurs 3 times in .*twice\.txt; it must occur exactly once/,
    );
    await writeFile(file, 'aaa');
    assert.match(failed(await edit({ path: 'twice.txt', old_text: 'aa', new_text: 'b' })), /occurs 2 times/);
    assert.equal(await readFile(file, 'utf8'), 'aaa');
  });

  it('says when the text is not found, with a hint for CRLF files', async () => {
    await writeFile(path.join(roots.workspace, 'crlf.txt'), 'one\r\ntwo\r\n');
    assert.match(
      failed(await edit({ path: 'crlf.txt', old_text: 'one\ntwo', new_text: 'x' })),
      /not found .*CRLF line endings/,
    );
    assert.match(
      failed(await edit({ path: 'crlf.txt', old_text: 'three', new_text: 'x' })),
      /old_text was not found/,
    );
  });

  it('refuses the read-only root, missing files and links outside', async () => {
    assert.match(
      failed(await edit({ path: path.join(roots.skills, 'SKILL.md'), old_text: 'skill', new_text: 'x' })),
      /read-only/,
    );
    assert.equal(await readFile(path.join(roots.skills, 'SKILL.md'), 'utf8'), '# skill\n');
    assert.match(
      failed(await edit({ path: 'missing.txt', old_text: 'a', new_text: 'b' })),
      /does not exist; use write_file/,
    );
    assert.match(failed(await edit({ path: 'secret-link', old_text: 'top', new_text: 'x' })), /outside/);
    assert.equal(await readFile(path.join(roots.outside, 'secret.txt'), 'utf8'), 'top secret');
  });

  it('refuses a no-op edit', async () => {
    await writeFile(path.join(roots.workspace, 'same.txt'), 'abc');
    assert.match(failed(await edit({ path: 'same.txt', old_text: 'b', new_text: 'b' })), /the same/);
  });
});

describe('list_directory', () => {
  const list = (args: { path?: string; recursive?: boolean; max_depth?: number }, maxEntries?: number) =>
    createListDirectoryTool(roots.policy, maxEntries === undefined ? {} : { maxEntries }).run(args, context);

  before(async () => {
    const tree = path.join(roots.workspace, 'tree');
    await mkdir(path.join(tree, 'src/lib/deep'), { recursive: true });
    await writeFile(path.join(tree, 'README.md'), '12345');
    await writeFile(path.join(tree, 'src/main.ts'), 'x');
    await writeFile(path.join(tree, 'src/lib/deep/far.ts'), 'far');
    await symlink(roots.outside, path.join(tree, 'escape'));
  });

  it('lists one level with types and sizes, links shown and not followed', async () => {
    const content = ok(await list({ path: 'tree' }));
    assert.equal(
      content,
      [
        `${path.join(roots.workspace, 'tree')}: 3 entries`,
        'README.md  (file, 5 bytes)',
        `escape -> ${roots.outside}  (symbolic link)`,
        'src/  (directory)',
      ].join('\n'),
    );
  });

  it('lists recursively within the depth', async () => {
    const content = ok(await list({ path: 'tree', recursive: true, max_depth: 2 }));
    assert.match(content, /src\/main\.ts {2}\(file, 1 byte\)/);
    assert.match(content, /src\/lib\/ {2}\(directory\)/);
    assert.doesNotMatch(content, /far\.ts/);
    assert.doesNotMatch(content, /secret/);
    assert.match(content, /\[directories deeper than 2 levels are not listed\]/);
    assert.match(
      ok(await list({ path: 'tree', recursive: true, max_depth: 4 })),
      /src\/lib\/deep\/far\.ts {2}\(file, 3 bytes\)/,
    );
  });

  it('caps the entries with a note saying how many were left out', async () => {
    const many = path.join(roots.workspace, 'many');
    await mkdir(many);
    for (let i = 0; i < 30; i++) await writeFile(path.join(many, `f${String(i).padStart(2, '0')}`), '');
    const content = ok(await list({ path: 'many' }, 10));
    assert.match(content, /: 30 entries\n/);
    assert.equal(content.split('\n').filter((line) => line.startsWith('f')).length, 10);
    assert.match(content, /\[truncated: showed 10 entries; 20 more are not listed/);
  });

  it('lists the workspace by default and refuses files, links outside and paths outside', async () => {
    assert.match(ok(await list({})), /tree\/ {2}\(directory\)/);
    assert.match(failed(await list({ path: 'tree/README.md' })), /is not a directory/);
    assert.match(failed(await list({ path: 'tree/escape' })), /outside/);
    assert.match(failed(await list({ path: '/etc' })), /outside/);
  });
});
