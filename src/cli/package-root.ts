// The root of the installed package (where package.json and config/ live), whether this code runs
// from src/ (TypeScript, in development), from dist/src/ (compiled by tsc, in the image) or from
// dist/cli/ (the bundle the npm package ships).
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  const depth = import.meta.url.includes('/dist/src/') ? '../../..' : '../..';
  return fileURLToPath(new URL(`${depth}/`, import.meta.url));
}
