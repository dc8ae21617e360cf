// The answer of an admission rule: allowed, or refused with one sentence naming the field, the
// tool or gate, and the policy. The HTTPS edge turns a refusal into `allowed: false` with code 403.
export type AdmissionVerdict = { allowed: true } | { allowed: false; message: string };

export const admit: AdmissionVerdict = { allowed: true };

export function refuse(message: string): AdmissionVerdict {
  return { allowed: false, message };
}
