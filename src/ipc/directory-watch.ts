// Noticing new files in an /ipc directory: fs.watch for speed plus a periodic rescan, because
// watches can miss events (inotify overflow, a rename racing the watch setup) and must never be the
// only way a file gets noticed.
import { watch } from 'node:fs';

/** Calls `onChange` whenever something in `dir` may have changed; a seam for tests. */
export type WatchDirectory = (
  dir: string,
  onChange: () => void,
  onError: (error: unknown) => void,
) => { close(): void };

export const watchWithFs: WatchDirectory = (dir, onChange, onError) => {
  const watcher = watch(dir, { persistent: false }, () => onChange());
  watcher.on('error', onError);
  return watcher;
};

/** Watches `dirs`; a watch that cannot be set up or fails leaves only the rescan. */
export function watchDirectories(
  dirs: readonly string[],
  watchDirectory: WatchDirectory,
  onChange: () => void,
  onError: (dir: string, error: unknown) => void,
): { close(): void } {
  const watchers: { close(): void }[] = [];
  for (const dir of dirs) {
    try {
      watchers.push(watchDirectory(dir, onChange, (error) => onError(dir, error)));
    } catch (error) {
      onError(dir, error);
    }
  }
  return {
    close: () => {
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** A level-triggered wake-up: a change noticed while nobody waits is not lost. */
export class ChangeNotifier {
  private changed = false;
  private wake: (() => void) | undefined;

  notify = (): void => {
    this.changed = true;
    this.wake?.();
  };

  /** Resolves at once after a change since the last wait, else on change, after `ms` or on abort. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.changed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    this.changed = false;
  }
}
