// `make manifests`: writes the CRD YAML derived from src/api into config/crd/bases/ and removes
// files of kinds that no longer exist.
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  customResourceDefinitionFileName,
  kinds,
  renderCustomResourceDefinitionYaml,
} from '../src/api/index.ts';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'config', 'crd', 'bases');
const wanted = new Set(kinds.map(customResourceDefinitionFileName));
for (const kind of kinds) {
  await writeFile(
    path.join(dir, customResourceDefinitionFileName(kind)),
    renderCustomResourceDefinitionYaml(kind),
  );
}
for (const file of await readdir(dir)) if (!wanted.has(file)) await rm(path.join(dir, file));
console.log(`wrote ${kinds.length} CRDs to ${path.relative(process.cwd(), dir) || dir}`);
