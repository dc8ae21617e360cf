// The security contexts every pod and container K8sClaw creates runs with: non-root with a fixed
// uid/gid, no privilege escalation, a read-only root filesystem, no capabilities and the runtime's
// seccomp profile. This satisfies the `restricted` Pod Security Standard; writable paths are
// emptyDir volumes the builders mount explicitly.
import type { ContainerSecurityContext, PodSecurityContext } from './kubernetes-manifests.ts';

/** The distroless "nonroot" uid and gid: no image K8sClaw runs needs to be root. */
export const nonRootId = 65532;

export function buildPodSecurityContext(): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: nonRootId,
    runAsGroup: nonRootId,
    fsGroup: nonRootId,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function buildContainerSecurityContext(): ContainerSecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}
