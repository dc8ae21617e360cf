import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  buildIpcFileName,
  checkEventFile,
  ensureIpcLayout,
  highestSeq,
  ipcNames,
  listIpcDirectory,
  maxIpcFileBytes,
  parseIpcFileName,
  readIpcFile,
  rejectIpcFile,
  writeFileAtomic,
} from './protocol.ts';

const uuid = '0b9e3c1e-6a43-4c1f-9a5e-2f4e8d7c6b5a';

describe('ipc protocol', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'k8sclaw-ipc-protocol-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  let counter = 0;
  const freshDir = async () => (await ensureIpcLayout(join(root, `case-${++counter}`))).events;

  it('names files so that lexical order is seq order', () => {
    const names = [10, 9, 100, 1].map((seq) => buildIpcFileName(seq, uuid));
    assert.deepEqual(
      [...names].sort().map((name) => parseIpcFileName(name)?.seq),
      [1, 9, 10, 100],
    );
    assert.deepEqual(parseIpcFileName(buildIpcFileName(42, uuid)), {
      name: `000000000042-${uuid}.json`,
      seq: 42,
      uuid,
    });
    for (const bad of [
      `000000000000-${uuid}.json`,
      `42-${uuid}.json`,
      `000000000042-${uuid}.json.tmp`,
      `000000000042-${uuid.toUpperCase()}.json`,
      'result.json',
    ]) {
      assert.equal(parseIpcFileName(bad), undefined, bad);
    }
  });

  it('lists pending files in order and ignores temp files and directories', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, buildIpcFileName(2, uuid)), '{}');
    await writeFile(join(dir, buildIpcFileName(1, uuid)), '{}');
    await writeFile(join(dir, `.${buildIpcFileName(3, uuid)}.tmp`), '{"half');
    await writeFile(join(dir, `${ipcNames.publishedPrefix}${buildIpcFileName(7, uuid)}`), '{}');
    await writeFile(join(dir, 'notes.txt'), 'x');
    const listing = await listIpcDirectory(dir);
    assert.deepEqual(
      listing.pending.map((f) => f.seq),
      [1, 2],
    );
    assert.deepEqual(listing.unknown, ['notes.txt']);
    assert.deepEqual(
      listing.published.map((f) => f.seq),
      [7],
    );
  });

  it('writes atomically: a concurrent reader never sees a partial file and no temp file is left', async () => {
    const dir = await freshDir();
    const payload = (i: number) => JSON.stringify({ i, fill: 'x'.repeat(256 * 1024) });
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (writing) {
        for (const file of (await listIpcDirectory(dir)).pending) {
          const read = await readIpcFile(join(dir, file.name), (value) => ({ ok: true, value }));
          assert.notEqual(read.kind, 'invalid', `partial read of ${file.name}`);
          seen.add(file.name);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    for (let i = 1; i <= 40; i++) await writeFileAtomic(dir, buildIpcFileName(i), payload(i));
    writing = false;
    await reader;
    assert.ok(seen.size > 0, 'the reader ran while files were written');
    const names = await readdir(dir);
    assert.equal(names.filter((n) => n.endsWith('.tmp')).length, 0);
    assert.equal((await listIpcDirectory(dir)).pending.length, 40);
  });

  it('reads a file as ok, invalid or missing, never throwing for bad content', async () => {
    const dir = await freshDir();
    const good = { time: '2025-01-01T00:00:00.000Z', body: { type: 'chunk', text: 'hi' } };
    await writeFile(join(dir, 'good'), JSON.stringify(good));
    await writeFile(join(dir, 'garbage'), '{"time":');
    await writeFile(join(dir, 'schema'), JSON.stringify({ time: 'yesterday', body: { type: 'chunk' } }));
    await writeFile(join(dir, 'huge'), 'x'.repeat(maxIpcFileBytes + 1));
    assert.deepEqual(await readIpcFile(join(dir, 'good'), checkEventFile), { kind: 'ok', value: good });
    const garbage = await readIpcFile(join(dir, 'garbage'), checkEventFile);
    assert.equal(garbage.kind, 'invalid');
    assert.match(garbage.kind === 'invalid' ? garbage.reason : '', /not JSON/);
    const schema = await readIpcFile(join(dir, 'schema'), checkEventFile);
    assert.equal(schema.kind, 'invalid');
    assert.match(schema.kind === 'invalid' ? schema.reason : '', /time/);
    assert.equal((await readIpcFile(join(dir, 'huge'), checkEventFile)).kind, 'invalid');
    assert.deepEqual(await readIpcFile(join(dir, 'absent'), checkEventFile), { kind: 'missing' });
  });

  it('does not accept a completed event as a file: it comes from result.json', () => {
    const result = { status: 'succeeded', usage: { input: 1, output: 1 }, toolCalls: 0, memoryUpdates: [] };
    const check = checkEventFile({
      time: '2025-01-01T00:00:00.000Z',
      body: { type: 'completed', result },
    });
    assert.equal(check.ok, false);
  });

  it('finds the highest seq among pending, published and rejected files', async () => {
    const dir = await freshDir();
    assert.equal(await highestSeq(dir), 0);
    await writeFile(join(dir, `${ipcNames.publishedPrefix}${buildIpcFileName(5, uuid)}`), '{}');
    assert.equal(await highestSeq(dir), 5);
    await writeFile(join(dir, buildIpcFileName(9, uuid)), '{}');
    assert.equal(await highestSeq(dir), 9);
    assert.equal(await rejectIpcFile(dir, buildIpcFileName(9, uuid)), 'moved');
    assert.deepEqual(await readdir(join(dir, ipcNames.rejected)), [buildIpcFileName(9, uuid)]);
    assert.equal(await highestSeq(dir), 9);
  });
});
