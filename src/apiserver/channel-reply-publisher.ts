// The reply of a recorded run that came from a chat goes to its channel's outbound subject, under
// the message id `<run uid>:reply`: a completion recorded again after a restart publishes the same
// id, which the bus stores once, so the channel pod delivers each reply once.
import type { AgentRun, RunEvent } from '../api/index.ts';
import type { EventBus } from '../eventbus/index.ts';
import type { Logger } from '../observability/index.ts';
import { planChannelReply } from './plan-channel-run.ts';

export async function publishChannelReply(
  deps: { bus: Pick<EventBus, 'publishChannelReply'>; logger: Logger },
  completed: RunEvent,
  agentRun: AgentRun | undefined,
): Promise<boolean> {
  const planned = planChannelReply(completed, agentRun);
  if (!planned) return false;
  const result = await deps.bus.publishChannelReply(planned.identity, planned.reply);
  deps.logger.info(
    { ...planned.identity, run: completed.identity.run, duplicate: result.duplicate },
    'reply published to its channel',
  );
  return true;
}
