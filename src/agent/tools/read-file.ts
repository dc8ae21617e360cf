// read_file: a text file, whole or a range of lines, streamed so a large file costs only what is
// shown. What does not fit is cut at a line boundary with a note saying how to read on.
import type { FileHandle } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import { describeFsError, openConfinedForRead, resolveToolPath, type PathPolicy } from './paths.ts';
import { toolError, toolOk, type Tool } from './tool.ts';

export interface ReadFileArgs {
  path: string;
  offset?: number;
  limit?: number;
}

export interface ReadFileOptions {
  /** Most bytes of file content one call returns. */
  maxBytes?: number;
}

export const defaultReadFileMaxBytes = 24 * 1024;
const sniffBytes = 8192;
const chunkBytes = 64 * 1024;

export function createReadFileTool(policy: PathPolicy, options: ReadFileOptions = {}): Tool<ReadFileArgs> {
  const maxBytes = options.maxBytes ?? defaultReadFileMaxBytes;
  return {
    spec: {
      name: 'read_file',
      description:
        `Read a text file. Relative paths are resolved against ${policy.workspaceDir}. ` +
        `Returns at most ${maxBytes} bytes; use offset and limit to read a long file in parts.`,
      parameters: {
        type: 'object',
        properties: {
          path: { type: 'string', minLength: 1, description: 'The file to read.' },
          offset: { type: 'integer', minimum: 1, description: 'First line to return (1 = the first line).' },
          limit: { type: 'integer', minimum: 1, description: 'How many lines to return at most.' },
        },
        required: ['path'],
        additionalProperties: false,
      },
    },
    async run(args) {
      let display = args.path;
      let handle: FileHandle | undefined;
      try {
        const resolved = await resolveToolPath(policy, args.path, 'read');
        display = resolved.display;
        if ((await stat(resolved.realPath)).isDirectory()) {
          return toolError(`${display} is a directory; use list_directory to see what it holds`);
        }
        handle = await openConfinedForRead(policy, resolved);
        const size = (await handle.stat()).size;
        if (size === 0) return toolOk(`(${display} is empty)`);
        const head = Buffer.alloc(Math.min(sniffBytes, size));
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        if (head.subarray(0, bytesRead).includes(0)) {
          return toolError(`${display} looks like a binary file (${size} bytes); it is not shown`);
        }
        return toolOk(await readLines(handle, display, size, args.offset ?? 1, args.limit, maxBytes));
      } catch (error) {
        return toolError(describeFsError(error, display));
      } finally {
        await handle?.close();
      }
    },
  };
}

async function readLines(
  handle: FileHandle,
  display: string,
  size: number,
  first: number,
  limit: number | undefined,
  maxBytes: number,
): Promise<string> {
  const last = limit === undefined ? Infinity : first + limit - 1;
  const chunk = Buffer.alloc(chunkBytes);
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let lastShown = 0;
  /** Byte offset just after the last line shown. */
  let shownEnd = 0;
  let current: Buffer[] = [];
  let currentBytes = 0;
  let lineNo = 1;
  let lineStart = 0;
  let position = 0;
  let stop: 'limit' | 'size' | undefined;

  reading: for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) break;
    const data = chunk.subarray(0, bytesRead);
    let start = 0;
    while (start < bytesRead) {
      const newline = data.indexOf(10, start);
      const end = newline === -1 ? bytesRead : newline + 1;
      if (lineNo >= first) {
        const room = maxBytes - keptBytes - currentBytes;
        if (end - start > room) {
          // keep what fits: shown only when this line is the first one, longer than the budget itself
          current.push(Buffer.from(data.subarray(start, start + room)));
          currentBytes += room;
          stop = 'size';
          break reading;
        }
        current.push(Buffer.from(data.subarray(start, end)));
        currentBytes += end - start;
      }
      if (newline !== -1) {
        if (lineNo >= first) {
          kept.push(...current);
          keptBytes += currentBytes;
          lastShown = lineNo;
          shownEnd = position + end;
        }
        current = [];
        currentBytes = 0;
        lineNo++;
        lineStart = position + end;
        if (lineNo > last) {
          stop = 'limit';
          break reading;
        }
      }
      start = end;
    }
    position += bytesRead;
  }
  if (stop === undefined && currentBytes > 0) {
    // the last line has no newline
    kept.push(...current);
    lastShown = lineNo;
    shownEnd = size;
  }

  if (lastShown === 0 && stop === undefined) {
    const total = lineStart < size ? lineNo : lineNo - 1;
    return `${display} has only ${total} lines; offset ${first} is past its end`;
  }
  if (kept.length === 0 && stop === 'size') {
    return withNote(
      Buffer.concat(current).toString('utf8'),
      `[truncated: line ${lineNo} is longer than ${maxBytes} bytes; only its first ${maxBytes} bytes are ` +
        `shown, ${size - lineStart - maxBytes} more bytes of ${display} are not]`,
    );
  }
  const text = Buffer.concat(kept).toString('utf8');
  const rest = size - shownEnd;
  if (stop === 'size') {
    return withNote(
      text,
      `[truncated: showed lines ${first}-${lastShown}; ${rest} more bytes of ${display} are not shown; ` +
        `call read_file with offset ${lastShown + 1} to read on]`,
    );
  }
  if (rest > 0) {
    return withNote(
      text,
      `[showed lines ${first}-${lastShown}; ${rest} more bytes follow; call read_file with offset ${lastShown + 1} to read on]`,
    );
  }
  return text;
}

function withNote(text: string, note: string): string {
  return `${text}${text.endsWith('\n') ? '' : '\n'}${note}`;
}
