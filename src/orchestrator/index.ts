// Public surface of the orchestrator: pure builders that turn K8sClaw resources into the Kubernetes
// objects the controller applies (Job, NetworkPolicy, ConfigMaps, Deployments), the resolution of a
// run's effective settings under its policy, and the memory document helpers. No I/O.
export * from './kubernetes-manifests.ts';
export * from './child-names.ts';
export * from './object-labels.ts';
export * from './build-owner-reference.ts';
export * from './hardened-security-context.ts';
export * from './parse-duration.ts';
export * from './parse-quantity.ts';
export * from './agent-tools.ts';
export * from './agent-pod-paths.ts';
export * from './resolve-effective-run.ts';
export * from './build-agent-job.ts';
export * from './build-run-network-policy.ts';
export * from './build-skillpack-configmap.ts';
export * from './skill-pack-content-hash.ts';
export * from './build-memory-configmap.ts';
export * from './memory-markers.ts';
export * from './apply-memory-updates.ts';
export * from './build-channel-deployment.ts';
export * from './build-run-bus-credentials.ts';
export * from './build-channel-bus-credentials.ts';
export * from './sandbox-exec.ts';
export * from './model-endpoint-egress.ts';
export * from './build-subagent-run.ts';
