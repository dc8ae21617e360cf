import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withDefaultResources } from './default-resources.ts';

const defaults = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } };

describe('withDefaultResources', () => {
  it('gives a container with nothing set the defaults', () => {
    assert.deepEqual(withDefaultResources(undefined, defaults), defaults);
  });

  it('keeps what was given and fills in the rest', () => {
    assert.deepEqual(withDefaultResources({ limits: { memory: '256Mi' } }, defaults), {
      requests: { cpu: '50m', memory: '64Mi' },
      limits: { cpu: '1', memory: '256Mi' },
    });
  });

  it('never sets a limit below the given request, nor a request above the given limit', () => {
    assert.deepEqual(withDefaultResources({ requests: { memory: '1Gi', cpu: '2' } }, defaults), {
      requests: { memory: '1Gi', cpu: '2' },
      limits: { cpu: '2', memory: '1Gi' },
    });
    assert.deepEqual(withDefaultResources({ limits: { memory: '32Mi', cpu: '10m' } }, defaults), {
      requests: { cpu: '10m', memory: '32Mi' },
      limits: { memory: '32Mi', cpu: '10m' },
    });
  });
});
