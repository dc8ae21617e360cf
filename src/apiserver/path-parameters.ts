// Path parameters are names of Kubernetes objects: checked before any review or read, so a
// malformed one is a 400 naming the parameter rather than a confusing answer from the apiserver.
import { sessionKey, type FieldError } from '../api/index.ts';
import { dnsLabelPattern } from '../api/schema-kit.ts';
import { invalidRequest } from './api-error.ts';

const dnsLabel = new RegExp(dnsLabelPattern);
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The AgentRun schema's session key: also what may stand, URL-encoded, in a path. */
const sessionKeyPattern = new RegExp(sessionKey().pattern as string);

function problem(parameter: string, value: string): string | undefined {
  if (parameter === 'sessionKey') {
    return value.length <= 256 && sessionKeyPattern.test(value)
      ? undefined
      : 'must be a session key (1-256 of A-Z a-z 0-9 . _ : / @ + = -, URL-encoded)';
  }
  if (parameter === 'namespace') {
    return value.length <= 63 && dnsLabel.test(value) ? undefined : 'must be a namespace name (DNS label)';
  }
  return value.length <= 253 && dnsSubdomain.test(value)
    ? undefined
    : 'must be an object name (DNS subdomain)';
}

export function checkPathParameters(params: Record<string, string>): void {
  const errors: FieldError[] = [];
  for (const [parameter, value] of Object.entries(params)) {
    const message = problem(parameter, value);
    if (message) errors.push({ field: parameter, message });
  }
  if (errors.length > 0) throw invalidRequest(errors);
}
