// Why a channel program stopped, in one short line for the pod's termination message (the
// instance's status shows it per channel): the error and its causes, with every secret the pod was
// given (bot tokens, signing secrets) blotted out, since the status is readable by anyone who can
// read the instance. Pure.

/** The kubelet keeps at most 4096 bytes; the status needs far less. */
const maxLength = 512;

function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth += 1) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return [...new Set(parts.filter(Boolean))].join(': ');
}

/** Secret values from an environment: the variables whose names say they hold one. */
export function secretValues(environment: NodeJS.ProcessEnv): string[] {
  return Object.entries(environment)
    .filter(([name, value]) => /TOKEN|SECRET|PASSWORD|KEY/.test(name) && value && value.length >= 4)
    .map(([, value]) => value as string);
}

export function buildTerminationMessage(error: unknown, secrets: readonly string[]): string {
  let text = describe(error).replace(/\s+/g, ' ').trim() || 'stopped';
  // longest first, so a secret that contains another is blotted out whole
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    text = text.split(secret).join('***');
  }
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
