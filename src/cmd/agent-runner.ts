// Entry point of the agent runner (the `agent` container of every agent pod): parses the run's
// configuration from the environment the Job builder set, runs the agent, and exits 0 when the run
// succeeded and 1 when it failed, so the Job's status agrees with the result.
import { z } from 'zod';
import { channelTypes, featureGateNames, providers, thinkingLevels } from '../api/index.ts';
import { runAgent } from '../agent/index.ts';
import { createLogger } from '../observability/index.ts';

const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
const json = <T extends z.ZodType>(schema: T) =>
  z.string().transform((text, context) => {
    try {
      return schema.parse(JSON.parse(text)) as z.infer<T>;
    } catch (error) {
      context.addIssue({ code: 'custom', message: `not valid JSON for this setting: ${String(error)}` });
      return z.NEVER;
    }
  });
const bool = z.enum(['true', 'false']).transform((text) => text === 'true');

const configSchema = z.object({
  K8SCLAW_RUN_NAME: z.string().min(1),
  K8SCLAW_NAMESPACE: z.string().min(1),
  INSTANCE_NAME: z.string().min(1),
  K8SCLAW_TASK: z.string().min(1),
  K8SCLAW_PROVIDER: z.enum(providers),
  K8SCLAW_MODEL: z.string().min(1),
  K8SCLAW_BASE_URL: z.string().url().optional(),
  K8SCLAW_THINKING: z.enum(thinkingLevels).default('off'),
  K8SCLAW_PROVIDER_KEY_FILE: z.string().min(1).optional(),
  K8SCLAW_AZURE_API_VERSION: z.string().min(1).optional(),
  K8SCLAW_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(600),
  K8SCLAW_MAX_TOOL_ITERATIONS: z.coerce.number().int().min(1).max(500).default(25),
  K8SCLAW_TOOLS: list,
  /** Tools the policy marks `ask`: never offered until approvals exist. */
  K8SCLAW_TOOLS_NEEDING_APPROVAL: list.default([]),
  K8SCLAW_FEATURE_GATES: json(z.partialRecord(z.enum(featureGateNames), z.boolean())).default({}),
  K8SCLAW_SANDBOX_ENABLED: bool.default(false),
  K8SCLAW_EGRESS_POLICY: json(
    z.object({
      denyAll: z.boolean(),
      allowedHosts: z.array(z.object({ host: z.string(), port: z.number().int().optional() })),
    }),
  ).default({ denyAll: false, allowedHosts: [] }),
  K8SCLAW_CHANNEL_TARGETS: json(
    z.array(z.object({ channel: z.enum(channelTypes), chats: z.array(z.string().min(1)) })),
  ).default([]),
  MEMORY_ENABLED: bool.default(false),
  K8SCLAW_MEMORY_FILE: z.string().min(1).optional(),
  K8SCLAW_SKILLS_DIR: z.string().min(1).optional(),
  K8SCLAW_SYSTEM_PROMPT: z.string().optional(),
  K8SCLAW_IPC_DIR: z.string().min(1).default('/ipc'),
  K8SCLAW_WORKSPACE_DIR: z.string().min(1).default('/workspace'),
  K8SCLAW_TMP_DIR: z.string().min(1).default('/tmp'),
  K8SCLAW_EXEC_DIR: z.string().min(1).default('/var/run/k8sclaw/exec'),
  K8SCLAW_TERMINATION_MESSAGE_FILE: z.string().min(1).default('/dev/termination-log'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    console.error(`invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const config = parsed.data;
const logger = createLogger({ component: 'agent-runner', level: config.LOG_LEVEL }).child({
  namespace: config.K8SCLAW_NAMESPACE,
  instance: config.INSTANCE_NAME,
  run: config.K8SCLAW_RUN_NAME,
});

const result = await runAgent(
  {
    task: config.K8SCLAW_TASK,
    provider: config.K8SCLAW_PROVIDER,
    model: config.K8SCLAW_MODEL,
    ...(config.K8SCLAW_BASE_URL ? { baseURL: config.K8SCLAW_BASE_URL } : {}),
    thinking: config.K8SCLAW_THINKING,
    ...(config.K8SCLAW_PROVIDER_KEY_FILE ? { apiKeyFile: config.K8SCLAW_PROVIDER_KEY_FILE } : {}),
    ...(config.K8SCLAW_AZURE_API_VERSION ? { azureApiVersion: config.K8SCLAW_AZURE_API_VERSION } : {}),
    timeoutSeconds: config.K8SCLAW_TIMEOUT_SECONDS,
    maxIterations: config.K8SCLAW_MAX_TOOL_ITERATIONS,
    tools: config.K8SCLAW_TOOLS,
    toolsNeedingApproval: config.K8SCLAW_TOOLS_NEEDING_APPROVAL,
    featureGates: config.K8SCLAW_FEATURE_GATES,
    sandboxEnabled: config.K8SCLAW_SANDBOX_ENABLED,
    egressPolicy: config.K8SCLAW_EGRESS_POLICY,
    channelTargets: config.K8SCLAW_CHANNEL_TARGETS,
    memoryEnabled: config.MEMORY_ENABLED,
    ...(config.K8SCLAW_MEMORY_FILE ? { memoryFile: config.K8SCLAW_MEMORY_FILE } : {}),
    ...(config.K8SCLAW_SKILLS_DIR ? { skillsDir: config.K8SCLAW_SKILLS_DIR } : {}),
    ...(config.K8SCLAW_SYSTEM_PROMPT ? { systemPrompt: config.K8SCLAW_SYSTEM_PROMPT } : {}),
    ipcDir: config.K8SCLAW_IPC_DIR,
    workspaceDir: config.K8SCLAW_WORKSPACE_DIR,
    tmpDir: config.K8SCLAW_TMP_DIR,
    execDir: config.K8SCLAW_EXEC_DIR,
    terminationMessageFile: config.K8SCLAW_TERMINATION_MESSAGE_FILE,
  },
  { logger },
);
logger.info(
  { status: result.status, reason: result.reason, usage: result.usage, toolCalls: result.toolCalls },
  'agent run finished',
);
process.exit(result.status === 'succeeded' ? 0 : 1);
