// Where things are inside an agent pod: the contract between the Job builder and the agent runner
// and IPC bridge, which are told these paths through environment variables.
export const agentPodPaths = {
  /** The file protocol between the runner and the bridge (a memory-backed emptyDir). */
  ipc: '/ipc',
  /** Written by the IPC bridge once it watches /ipc: the agent starts only after it exists. */
  bridgeReadyFile: '/ipc/.bridge-ready',
  /** Scratch space shared by the runner and the sandbox. */
  workspace: '/workspace',
  tmp: '/tmp',
  /** Skills at /skills/<pack>/<skill>/SKILL.md. */
  skills: '/skills',
  /** The instance's memory at /memory/MEMORY.md. */
  memory: '/memory',
  /** The provider API key, one file, never an environment variable. */
  providerCredentials: '/var/run/k8sclaw/provider',
  providerKeyFile: 'api-key',
  /** The IPC bridge's event bus credentials (a NATS .creds file), mounted in the bridge only. */
  busCredentials: '/var/run/k8sclaw/bus',
  busCredentialsFile: 'bus.creds',
} as const;
