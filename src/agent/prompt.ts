// The system prompt of a run, built once at start: the instance's or run's own prompt, the skills
// mounted at /skills (SKILL.md with optional YAML front matter), and the instance's memory. Reading
// the files is separate from composing the text, so composition is a pure function.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { truncateText } from './truncate.ts';

export interface Skill {
  /** `<pack>/<skill>`, the folder under /skills. */
  id: string;
  name: string;
  description?: string;
  body: string;
}

export interface PromptParts {
  systemPrompt?: string;
  skills: readonly Skill[];
  memory?: string;
  /** Whether the run may store memory (memory enabled and the memory-write gate on). */
  memoryWritable: boolean;
  toolNames: readonly string[];
  workspaceDir: string;
}

export const defaultSystemPrompt =
  'You are an AI agent running as a Kubernetes job. Complete the task you are given, using the tools ' +
  'offered to you when they help, and finish with a concise answer for the user.';

/** Limits so skills and memory cannot crowd the task out of the context window. */
const maxSkillsChars = 64 * 1024;
const maxMemoryChars = 64 * 1024;

export function composeSystemPrompt(parts: PromptParts): string {
  const sections = [parts.systemPrompt?.trim() || defaultSystemPrompt];
  sections.push(
    `Your working directory is ${parts.workspaceDir}.` +
      (parts.toolNames.length > 0
        ? ` Tools available to you: ${parts.toolNames.join(', ')}.`
        : ' No tools are available to you.'),
  );
  if (parts.skills.length > 0) {
    const rendered = parts.skills
      .map((skill) => {
        const heading = `### ${skill.name} (${skill.id})`;
        const description = skill.description ? `\n${skill.description}` : '';
        return `${heading}${description}\n\n${skill.body.trim()}`;
      })
      .join('\n\n');
    sections.push(`## Skills\n\n${truncateText(rendered, maxSkillsChars)}`);
  }
  if (parts.memory !== undefined) {
    const memory = parts.memory.trim();
    sections.push(
      `## Memory\n\nWhat you remembered from earlier runs:\n\n${memory ? truncateText(memory, maxMemoryChars) : '(nothing yet)'}`,
    );
  }
  if (parts.memoryWritable) {
    const tool = parts.toolNames.includes('update_memory') ? 'call the update_memory tool, or ' : '';
    sections.push(
      `To remember a fact for later runs, ${tool}put it in your answer between <!-- memory:append --> and <!-- /memory -->.`,
    );
  }
  return sections.join('\n\n');
}

/** Splits SKILL.md into its front matter (name, description) and body. */
export function parseSkillFile(id: string, text: string): Skill {
  const fallbackName = id.split('/').at(-1) ?? id;
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/.exec(text);
  if (!match) return { id, name: fallbackName, body: text };
  let meta: unknown;
  try {
    meta = parseYaml(match[1] ?? '');
  } catch {
    // a front matter that is not YAML is shown as text rather than lost
    return { id, name: fallbackName, body: text };
  }
  const fields = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : {};
  const name = typeof fields.name === 'string' && fields.name.trim() ? fields.name.trim() : fallbackName;
  const description = typeof fields.description === 'string' ? fields.description.trim() : undefined;
  return { id, name, ...(description ? { description } : {}), body: match[2] ?? '' };
}

/** Reads every /skills/<pack>/<skill>/SKILL.md, in a stable order. A missing directory has none. */
export async function loadSkills(skillsDir: string | undefined): Promise<Skill[]> {
  if (!skillsDir) return [];
  const skills: Skill[] = [];
  for (const pack of await listDirectories(skillsDir)) {
    for (const skill of await listDirectories(path.join(skillsDir, pack))) {
      const file = path.join(skillsDir, pack, skill, 'SKILL.md');
      const text = await readFile(file, 'utf8').catch(() => undefined);
      if (text !== undefined) skills.push(parseSkillFile(`${pack}/${skill}`, text));
    }
  }
  return skills;
}

async function listDirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  // projected volumes show files through ..data symlinks; hidden entries are the volume's own
  return entries
    .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()))
    .map((e) => e.name)
    .sort();
}

/** MEMORY.md, or undefined when memory is off or the file is absent. */
export async function loadMemory(memoryFile: string | undefined): Promise<string | undefined> {
  if (!memoryFile) return undefined;
  return await readFile(memoryFile, 'utf8').catch(() => '');
}
