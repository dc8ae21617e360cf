import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  composeSystemPrompt,
  defaultSystemPrompt,
  loadMemory,
  loadSkills,
  parseSkillFile,
} from './prompt.ts';

describe('parseSkillFile', () => {
  it('reads name and description from the front matter', () => {
    const skill = parseSkillFile(
      'ops/triage',
      '---\nname: Triage alerts\ndescription: Group alerts by service.\n---\n# Steps\n1. List.\n',
    );
    assert.deepEqual(skill, {
      id: 'ops/triage',
      name: 'Triage alerts',
      description: 'Group alerts by service.',
      body: '# Steps\n1. List.\n',
    });
  });

  it('takes the folder name and the whole text when there is no front matter', () => {
    assert.deepEqual(parseSkillFile('ops/triage', '# Just markdown'), {
      id: 'ops/triage',
      name: 'triage',
      body: '# Just markdown',
    });
  });

  it('keeps a front matter that is not YAML as text rather than losing it', () => {
    const text = '---\nname: [unclosed\n---\nbody';
    assert.equal(parseSkillFile('p/s', text).body, text);
  });
});

describe('composeSystemPrompt', () => {
  const base = { skills: [], memoryWritable: false, toolNames: ['read_file'], workspaceDir: '/workspace' };

  it("uses the instance's prompt, else the default, and names the tools", () => {
    assert.match(
      composeSystemPrompt({ ...base, systemPrompt: 'Be brief.' }),
      /^Be brief\.\n\nYour working directory is \/workspace\. Tools available to you: read_file\./,
    );
    assert.ok(composeSystemPrompt(base).startsWith(defaultSystemPrompt));
    assert.match(composeSystemPrompt({ ...base, toolNames: [] }), /No tools are available to you\./);
  });

  it('includes every skill once and the memory, and says how to remember when allowed', () => {
    const prompt = composeSystemPrompt({
      ...base,
      skills: [{ id: 'ops/triage', name: 'Triage', description: 'Group alerts.', body: '1. List.' }],
      memory: '# Memory of alice\n\n- Alice uses zsh.\n',
      memoryWritable: true,
      toolNames: ['update_memory'],
    });
    assert.equal(prompt.match(/### Triage \(ops\/triage\)/g)?.length, 1);
    assert.match(
      prompt,
      /## Memory\n\nWhat you remembered from earlier runs:\n\n# Memory of alice\n\n- Alice uses zsh\./,
    );
    assert.match(
      prompt,
      /call the update_memory tool, or put it in your answer between <!-- memory:append -->/,
    );
  });

  it('says when memory is empty, and offers no way to remember when memory may not be written', () => {
    const prompt = composeSystemPrompt({ ...base, memory: '  ' });
    assert.match(prompt, /\(nothing yet\)/);
    assert.doesNotMatch(prompt, /memory:append/);
    assert.doesNotMatch(composeSystemPrompt(base), /## Memory/);
  });

  it('cuts oversized memory with a note', () => {
    const prompt = composeSystemPrompt({ ...base, memory: 'x'.repeat(100_000) });
    assert.match(prompt, /\[truncated: \d+ of 100000 characters omitted\]/);
  });
});

describe('loadSkills and loadMemory', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-skills-'));
    // the layout of a projected volume: the visible entries are links into ..data
    await mkdir(path.join(dir, '..data', 'ops', 'triage'), { recursive: true });
    await mkdir(path.join(dir, '..data', 'ops', 'standup'), { recursive: true });
    await writeFile(path.join(dir, '..data', 'ops', 'triage', 'SKILL.md'), '---\nname: Triage\n---\nT');
    await writeFile(path.join(dir, '..data', 'ops', 'standup', 'SKILL.md'), 'S');
    await symlink('..data/ops', path.join(dir, 'ops'));
    await writeFile(path.join(dir, 'MEMORY.md'), '- fact\n');
  });
  after(async () => await rm(dir, { recursive: true, force: true }));

  it('reads every <pack>/<skill>/SKILL.md in a stable order, through the volume links', async () => {
    const skills = await loadSkills(dir);
    assert.deepEqual(
      skills.map((s) => [s.id, s.name, s.body]),
      [
        ['ops/standup', 'standup', 'S'],
        ['ops/triage', 'Triage', 'T'],
      ],
    );
  });

  it('has no skills without a directory, and empty memory when the file is missing', async () => {
    assert.deepEqual(await loadSkills(undefined), []);
    assert.deepEqual(await loadSkills(path.join(dir, 'missing')), []);
    assert.equal(await loadMemory(path.join(dir, 'MEMORY.md')), '- fact\n');
    assert.equal(await loadMemory(path.join(dir, 'none.md')), '');
    assert.equal(await loadMemory(undefined), undefined);
  });
});
