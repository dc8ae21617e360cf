// The root of the installed package (where package.json and config/ live), whether this code runs
// from src/ (TypeScript, in development) or from dist/src/ (compiled, in the image).
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  const depth = import.meta.url.includes('/dist/src/') ? '../../..' : '../..';
  return fileURLToPath(new URL(`${depth}/`, import.meta.url));
}
