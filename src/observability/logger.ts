// The one way K8sClaw logs: pino JSON to stdout. One root logger per process, built in src/cmd;
// components take child loggers with their fields. Secrets are redacted wherever they appear.
import { pino, type Logger } from 'pino';

export type { Logger };

export const redactedPaths = [
  'token',
  'apiKey',
  'password',
  'authorization',
  '*.token',
  '*.apiKey',
  '*.password',
  '*.authorization',
  'headers.authorization',
  'credentials',
  '*.credentials',
  'signingSeed',
  '*.signingSeed',
  'env.*_TOKEN',
  'env.*_KEY',
];

export function createLogger(options: {
  component: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { component: options.component },
      redact: { paths: redactedPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? process.stdout,
  );
}
