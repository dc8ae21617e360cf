// list_directory: what a directory holds, with each entry's type and size; recursive on request,
// within a depth and an entry cap. Symbolic links are shown, never followed.
import type { Dirent } from 'node:fs';
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { describeFsError, PathError, resolveToolPath, type PathPolicy } from './paths.ts';
import { toolError, toolOk, type Tool } from './tool.ts';

export interface ListDirectoryArgs {
  path?: string;
  recursive?: boolean;
  max_depth?: number;
}

export interface ListDirectoryOptions {
  maxEntries?: number;
}

export const defaultListMaxEntries = 500;
const defaultDepth = 3;
const maxDepthLimit = 10;
/** Past the entry cap, entries are still counted (for the note) up to this many. */
const countLimit = 20_000;

export function createListDirectoryTool(
  policy: PathPolicy,
  options: ListDirectoryOptions = {},
): Tool<ListDirectoryArgs> {
  const maxEntries = options.maxEntries ?? defaultListMaxEntries;
  return {
    spec: {
      name: 'list_directory',
      description:
        `List a directory: each entry with its type and size in bytes. Defaults to ${policy.workspaceDir}. ` +
        `With recursive, lists subdirectories too, up to max_depth levels (default ${defaultDepth}) and ` +
        `${maxEntries} entries.`,
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', minLength: 1, description: 'The directory to list.' },
          recursive: { type: 'boolean', description: 'Also list the contents of subdirectories.' },
          max_depth: {
            type: 'integer',
            minimum: 1,
            maximum: maxDepthLimit,
            description: 'How many levels to list when recursive (1 = only this directory).',
          },
        },
        additionalProperties: false,
      },
    },
    async run(args) {
      let display = args.path ?? policy.workspaceDir;
      try {
        const resolved = await resolveToolPath(policy, args.path ?? '.', 'read');
        display = resolved.display;
        const info = await lstat(resolved.realPath);
        if (!info.isDirectory())
          return toolError(`${display} is not a directory; use read_file to read a file`);
        const depth = args.recursive ? (args.max_depth ?? defaultDepth) : 1;
        const listing = await list(resolved.realPath, depth, maxEntries);
        // the directory read must still be the one that was checked
        if ((await realpath(resolved.realPath)) !== resolved.realPath) {
          throw new PathError(`${display} changed while it was being listed; try again`);
        }
        return toolOk(render(display, listing, maxEntries, depth, args.recursive === true));
      } catch (error) {
        return toolError(describeFsError(error, display));
      }
    },
  };
}

interface Listing {
  lines: string[];
  total: number;
  /** Some directories were deeper than the depth and not listed. */
  deeper: boolean;
}

async function list(dir: string, depth: number, maxEntries: number): Promise<Listing> {
  const listing: Listing = { lines: [], total: 0, deeper: false };
  const walk = async (relative: string, level: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    } catch (error) {
      if (relative === '') throw error;
      listing.lines.push(`${relative}/  (could not be listed: ${describeFsError(error, relative)})`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (listing.total >= countLimit) return;
      listing.total++;
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      const full = path.join(dir, name);
      if (listing.total <= maxEntries) listing.lines.push(await describe(entry, name, full));
      if (entry.isDirectory()) {
        if (level < depth) await walk(name, level + 1);
        else if (depth > 1) listing.deeper = true;
      }
    }
  };
  await walk('', 1);
  return listing;
}

async function describe(entry: Dirent, name: string, full: string): Promise<string> {
  if (entry.isDirectory()) return `${name}/  (directory)`;
  if (entry.isSymbolicLink()) {
    const target = await readlink(full).catch(() => '?');
    return `${name} -> ${target}  (symbolic link)`;
  }
  if (entry.isFile()) {
    const size = await lstat(full).then(
      (info) => `${info.size} ${info.size === 1 ? 'byte' : 'bytes'}`,
      () => 'size unknown',
    );
    return `${name}  (file, ${size})`;
  }
  const kind = entry.isFIFO() ? 'fifo' : entry.isSocket() ? 'socket' : 'device';
  return `${name}  (${kind})`;
}

function render(
  display: string,
  listing: Listing,
  maxEntries: number,
  depth: number,
  recursive: boolean,
): string {
  if (listing.total === 0) return `${display} is empty`;
  const header = `${display}: ${listing.total >= countLimit ? `more than ${countLimit}` : listing.total} entries${recursive ? ` (recursive, ${depth} levels)` : ''}`;
  const notes: string[] = [];
  if (listing.total > maxEntries) {
    const more = listing.total - maxEntries;
    notes.push(
      `[truncated: showed ${maxEntries} entries; ${listing.total >= countLimit ? `more than ${more}` : more} ` +
        'more are not listed; list a subdirectory to see them]',
    );
  }
  if (listing.deeper) notes.push(`[directories deeper than ${depth} levels are not listed]`);
  return [header, ...listing.lines, ...notes].join('\n');
}
