// What to do with the webhook's certificates, decided from what the Secret holds (pure): keep them,
// issue a new serving certificate from the same CA, or make a new CA (and a serving certificate from
// it). Anything is renewed once less than a third of its lifetime is left, so a failed renewal has
// a long time to be retried before the certificate expires. During a CA rotation the caBundle holds
// the new CA and the previous one until the previous expires: a replica still serving a certificate
// of the previous CA is trusted while the new one spreads.
import type { CertificateFacts } from './serving-certificate.ts';

/** Renew once the remaining lifetime is less than this share of the whole lifetime. */
export const renewWhenRemaining = 1 / 3;

export interface TlsSecretFacts {
  /** The CA, when the Secret holds a certificate that parses and its key. */
  ca?: CertificateFacts | undefined;
  /** The serving certificate, when the Secret holds one that parses and its key. */
  serving?: (CertificateFacts & { signedByCa: boolean }) | undefined;
}

export type CertificatePlan =
  { action: 'keep' } | { action: 'issue-serving'; reason: string } | { action: 'new-ca'; reason: string };

/** Whether `facts` is expired or inside its renewal window at `now`. */
export function isDue(facts: CertificateFacts, now: Date): boolean {
  const lifetime = facts.notAfter.getTime() - facts.notBefore.getTime();
  return facts.notAfter.getTime() - now.getTime() < lifetime * renewWhenRemaining;
}

export function planCertificates(
  facts: TlsSecretFacts,
  names: readonly string[],
  now: Date,
): CertificatePlan {
  const { ca, serving } = facts;
  if (!ca) return { action: 'new-ca', reason: 'there is no CA' };
  if (now >= ca.notAfter)
    return { action: 'new-ca', reason: `the CA expired at ${ca.notAfter.toISOString()}` };
  if (isDue(ca, now)) return { action: 'new-ca', reason: `the CA expires at ${ca.notAfter.toISOString()}` };
  if (!serving) return { action: 'issue-serving', reason: 'there is no serving certificate' };
  if (!serving.signedByCa)
    return { action: 'issue-serving', reason: 'the serving certificate is not signed by the CA' };
  const missing = names.filter((name) => !serving.names.includes(name));
  if (missing.length > 0)
    return {
      action: 'issue-serving',
      reason: `the serving certificate is not valid for ${missing.join(', ')}`,
    };
  if (now >= serving.notAfter)
    return {
      action: 'issue-serving',
      reason: `the serving certificate expired at ${serving.notAfter.toISOString()}`,
    };
  if (isDue(serving, now))
    return {
      action: 'issue-serving',
      reason: `the serving certificate expires at ${serving.notAfter.toISOString()}`,
    };
  return { action: 'keep' };
}

/**
 * How long a new serving certificate lives: its configured validity, but never past its CA (a
 * certificate outliving its issuer would be refused after the CA expires anyway).
 */
export function servingValidityMs(configuredMs: number, caNotAfter: Date, now: Date): number {
  return Math.min(configuredMs, caNotAfter.getTime() - now.getTime());
}

/** The caBundle: the current CA, then the previous one while it has not expired. */
export function caBundleOf(
  currentCaPem: string,
  previous: { pem: string; notAfter: Date } | undefined,
  now: Date,
): string {
  const pems = [currentCaPem];
  if (previous && now < previous.notAfter && previous.pem.trim() !== currentCaPem.trim())
    pems.push(previous.pem);
  return pems.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}
