// Public surface of the webhook component: the pure admission rules, the HTTPS edge that serves
// them to the kube-apiserver, the reads it does, and its serving certificates.
export * from './admission-verdict.ts';
export * from './admit-agent-run.ts';
export * from './admit-claw-schedule.ts';
export * from './admit-claw-policy.ts';
export * from './admit-skill-pack.ts';
export * from './mutate-agent-run.ts';
export * from './admission-review.ts';
export * from './admission-reads.ts';
export * from './review-admission.ts';
export * from './webhook-server.ts';
export * from './serving-certificate.ts';
export * from './tls-files.ts';
export * from './tls-secret.ts';
export * from './certificate-plan.ts';
export * from './certificate-keeper.ts';
