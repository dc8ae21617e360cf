// The CLI package's package.json (hack/cli-package-manifest.ts): the project's identity and the
// bundle's bin, and as dependencies only what the bundle leaves to run time, never the rest of the
// project's dependencies; a package left to run time that the install would not bring is an error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildCliPackageManifest,
  packageOf,
  type PackageManifest,
} from '../../../hack/cli-package-manifest.ts';

const project: PackageManifest = {
  name: 'k8sclaw',
  version: '1.2.3',
  description: 'the control plane',
  license: 'Apache-2.0',
  private: true,
  engines: { node: '>=24' },
  dependencies: { '@kubernetes/client-node': '2.0.1', pg: '8.23.1', 'some-addon': '^1.4.0', zod: '4.6.7' },
};

describe('the CLI package manifest', () => {
  it('depends on nothing when the bundle leaves nothing to run time', () => {
    const manifest = buildCliPackageManifest(project, []);
    assert.deepEqual(manifest, {
      name: 'k8sclaw',
      version: '1.2.3',
      description: 'the control plane',
      license: 'Apache-2.0',
      private: true,
      type: 'module',
      engines: { node: '>=24' },
      bin: { k8sclaw: './dist/cli/k8sclaw.js' },
      files: ['dist/cli/', 'config/', 'migrations/'],
      dependencies: {},
    });
  });

  it('depends on a project dependency the bundle loads at run time, at the project version', () => {
    const manifest = buildCliPackageManifest(project, ['some-addon', 'some-addon/build/native.js']);
    assert.deepEqual(manifest.dependencies, { 'some-addon': '^1.4.0' });
  });

  it('does not depend on the optional packages the bundle runs without', () => {
    const manifest = buildCliPackageManifest(project, [
      'bufferutil',
      'utf-8-validate',
      'react-devtools-core',
    ]);
    assert.deepEqual(manifest.dependencies, {});
  });

  it('refuses a package left to run time that the install would not bring, naming it', () => {
    assert.throws(
      () => buildCliPackageManifest(project, ['zod', '@native/thing/lib/index.js', 'missing-one']),
      /loads @native\/thing, missing-one at run time/,
    );
  });

  it('names a bare specifier by its package, scoped or not', () => {
    assert.equal(packageOf('@kubernetes/client-node/dist/gen/api.js'), '@kubernetes/client-node');
    assert.equal(packageOf('ajv/dist/runtime/equal'), 'ajv');
    assert.equal(packageOf('pg'), 'pg');
  });
});
