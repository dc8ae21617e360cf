// write_file: creates or replaces a file, and the directories it needs, inside a writable root.
import { stat } from 'node:fs/promises';
import {
  describeFsError,
  openConfinedForWrite,
  resolveToolPath,
  type PathPolicy,
  type ResolvedPath,
} from './paths.ts';
import { toolError, toolOk, type Tool } from './tool.ts';

export interface WriteFileArgs {
  path: string;
  content: string;
}

export function createWriteFileTool(policy: PathPolicy): Tool<WriteFileArgs> {
  return {
    spec: {
      name: 'write_file',
      description:
        `Create a file or replace its whole content; missing parent directories are created. Relative ` +
        `paths are resolved against ${policy.workspaceDir}. To change part of a file, use edit_file.`,
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', minLength: 1, description: 'The file to write.' },
          content: { type: 'string', description: 'The complete new content of the file.' },
        },
        required: ['path', 'content'],
        additionalProperties: false,
      },
    },
    async run(args) {
      let display = args.path;
      try {
        const resolved = await resolveToolPath(policy, args.path, 'write');
        display = resolved.display;
        if (resolved.exists && (await stat(resolved.realPath)).isDirectory()) {
          return toolError(`${display} is a directory`);
        }
        const bytes = await writeConfined(policy, resolved, args.content);
        return toolOk(
          `wrote ${bytes.written} bytes to ${display} (${bytes.created ? 'new file' : 'replaced'})`,
        );
      } catch (error) {
        return toolError(describeFsError(error, display));
      }
    },
  };
}

/** Replaces the content of a confined file; the file is checked before it is truncated. */
export async function writeConfined(
  policy: PathPolicy,
  resolved: ResolvedPath,
  content: string,
): Promise<{ written: number; created: boolean }> {
  const { handle, created } = await openConfinedForWrite(policy, resolved);
  try {
    const data = Buffer.from(content, 'utf8');
    await handle.truncate(0);
    await handle.write(data, 0, data.length, 0);
    return { written: data.length, created };
  } finally {
    await handle.close();
  }
}
