// edit_file: replaces one exact piece of text. The piece must occur exactly once, so an edit never
// lands somewhere the model did not mean.
import { stat, type FileHandle } from 'node:fs/promises';
import { describeFsError, openConfinedForRead, resolveToolPath, type PathPolicy } from './paths.ts';
import { toolError, toolOk, type Tool } from './tool.ts';
import { writeConfined } from './write-file.ts';

export interface EditFileArgs {
  path: string;
  old_text: string;
  new_text: string;
}

export interface EditFileOptions {
  /** Larger files are not edited in memory. */
  maxFileBytes?: number;
}

export const defaultEditFileMaxBytes = 8 * 1024 * 1024;

export function createEditFileTool(policy: PathPolicy, options: EditFileOptions = {}): Tool<EditFileArgs> {
  const maxFileBytes = options.maxFileBytes ?? defaultEditFileMaxBytes;
  return {
    spec: {
      name: 'edit_file',
      description:
        'Replace one exact piece of text in a file. old_text must match the file exactly (whitespace ' +
        'included) and occur exactly once: include enough surrounding lines to make it unique.',
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', minLength: 1, description: 'The file to change.' },
          old_text: {
            type: 'string',
            minLength: 1,
            description: 'The text to replace, exactly as in the file.',
          },
          new_text: { type: 'string', description: 'The text to put in its place.' },
        },
        required: ['path', 'old_text', 'new_text'],
        additionalProperties: false,
      },
    },
    async run(args) {
      let display = args.path;
      let handle: FileHandle | undefined;
      try {
        const resolved = await resolveToolPath(policy, args.path, 'write');
        display = resolved.display;
        if (!resolved.exists) return toolError(`${display} does not exist; use write_file to create it`);
        if ((await stat(resolved.realPath)).isDirectory()) return toolError(`${display} is a directory`);
        if (args.old_text === args.new_text)
          return toolError('old_text and new_text are the same: nothing to change');
        handle = await openConfinedForRead(policy, resolved);
        const size = (await handle.stat()).size;
        if (size > maxFileBytes) {
          return toolError(
            `${display} is too large to edit (${size} bytes, at most ${maxFileBytes}); use write_file`,
          );
        }
        const data = await handle.readFile();
        await handle.close();
        handle = undefined;
        if (data.includes(0)) return toolError(`${display} looks like a binary file; it is not edited`);
        const text = data.toString('utf8');

        const count = countOccurrences(text, args.old_text);
        if (count === 0) {
          const hint =
            text.includes('\r\n') && args.old_text.includes('\n') && !args.old_text.includes('\r\n')
              ? ' (the file has CRLF line endings)'
              : '; check whitespace and indentation, or read the file again';
          return toolError(`old_text was not found in ${display}${hint}`);
        }
        if (count > 1) {
          return toolError(
            `old_text occurs ${count} times in ${display}; it must occur exactly once: include more ` +
              'surrounding text to single out the place to change',
          );
        }
        const at = text.indexOf(args.old_text);
        // slicing, not String.replace, which would read `$&` and the like in new_text
        const updated = text.slice(0, at) + args.new_text + text.slice(at + args.old_text.length);
        await writeConfined(policy, resolved, updated);
        const firstLine = lineOf(text, at);
        const lastLine = firstLine + lineCount(args.new_text) - 1;
        return toolOk(
          `edited ${display}: replaced 1 occurrence, now lines ${firstLine}-${Math.max(firstLine, lastLine)}`,
        );
      } catch (error) {
        return toolError(describeFsError(error, display));
      } finally {
        await handle?.close();
      }
    },
  };
}

/** Occurrences, overlapping ones included: `aa` occurs twice in `aaa`, which makes it ambiguous. */
export function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

function lineCount(text: string): number {
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  return trimmed.split('\n').length;
}
