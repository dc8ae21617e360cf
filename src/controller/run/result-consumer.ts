// Consumes the completion events of every run from the event bus with one durable consumer and
// records each result (status and memory) once. Connection loss is not fatal: the loop reconnects
// with backoff, and the durable consumer redelivers whatever was not acknowledged; runs whose
// result never arrives fall back to their termination message (see plan-run).
import type { EventBus } from '../../eventbus/index.ts';
import type { Logger } from '../../observability/index.ts';
import type { KubeClient } from '../../kube/index.ts';
import { recordRunResult, type RecordResultDeps } from './record-result.ts';

/** The controller's durable consumer: its position survives restarts and failovers. */
export const resultConsumerName = 'k8sclaw-controller-results';

export interface ResultConsumerDeps {
  connect: () => Promise<EventBus>;
  kube: KubeClient;
  now: () => Date;
  logger: Logger;
  signal: AbortSignal;
  maxRetryDelayMs?: number;
  onRunResult?: RecordResultDeps['onOutcome'];
}

export async function runResultConsumer(deps: ResultConsumerDeps): Promise<void> {
  const { logger, signal } = deps;
  const maxDelayMs = deps.maxRetryDelayMs ?? 30_000;
  for (let delayMs = 1000; !signal.aborted; delayMs = Math.min(delayMs * 2, maxDelayMs)) {
    let bus: EventBus | undefined;
    try {
      bus = await deps.connect();
      await bus.ensureStreams({ signal });
      logger.info({ consumer: resultConsumerName }, 'consuming run results from the event bus');
      delayMs = 1000;
      await bus.consumeCompletedEvents(
        resultConsumerName,
        async (event) => {
          if (event.body.type !== 'completed') return;
          const { namespace, run, runUid } = event.identity;
          const outcome = await recordRunResult(
            {
              kube: deps.kube,
              now: deps.now,
              ...(deps.onRunResult ? { onOutcome: deps.onRunResult } : {}),
            },
            { namespace, name: run, uid: runUid },
            event.body.result,
            'event-bus',
          );
          logger.info({ namespace, run, ...outcome }, 'run result handled');
        },
        {
          signal,
          onInvalid: (message) => logger.warn({ message }, 'ignored an invalid run event'),
          onHandlerError: (error, delivery) =>
            logger.warn({ err: error, delivery }, 'recording a run result failed; it will be retried'),
          onError: (error) => logger.warn({ err: error }, 'event bus consumer error'),
        },
      );
    } catch (error) {
      if (signal.aborted) break;
      logger.warn({ err: error, retryInMs: delayMs }, 'event bus unavailable; retrying');
    } finally {
      await bus?.close().catch(() => undefined);
    }
    if (!signal.aborted) await sleep(delayMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
