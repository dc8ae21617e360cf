// The webhook's serving certificate and key as files (a kubernetes.io/tls Secret mounted as a
// volume: tls.crt, tls.key), read at start and polled afterwards: the kubelet swaps a rotated
// Secret's files in place, and new connections must get the new certificate without a restart.
// Polling, not fs.watch: the swap is a symlink rename that watchers report unreliably.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface TlsPair {
  cert: string;
  key: string;
}

export async function readTlsFiles(dir: string): Promise<TlsPair> {
  const [cert, key] = await Promise.all([
    readFile(path.join(dir, 'tls.crt'), 'utf8'),
    readFile(path.join(dir, 'tls.key'), 'utf8'),
  ]);
  return { cert, key };
}

export interface TlsFileWatch {
  stop(): void;
}

/**
 * Calls `onChange` with the pair whenever the files differ from `current`. A read that fails (a
 * swap in progress) or a pair the server refuses keeps the old certificate and is reported.
 */
export function watchTlsFiles(options: {
  dir: string;
  current: TlsPair;
  intervalMs: number;
  onChange: (pair: TlsPair) => void;
  onError: (error: unknown) => void;
}): TlsFileWatch {
  let current = options.current;
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    readTlsFiles(options.dir)
      .then((pair) => {
        if (pair.cert === current.cert && pair.key === current.key) return;
        options.onChange(pair);
        current = pair;
      })
      .catch(options.onError)
      .finally(() => (reading = false));
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
