// Consumes the completion events of every run from the event bus with one durable consumer and
// records each result (status and memory) once. Connection loss is not fatal: the loop reconnects
// with backoff, and the durable consumer redelivers whatever was not acknowledged; runs whose
// result never arrives fall back to their termination message (see plan-run).
import { whileConnected, type EventBus } from '../../eventbus/index.ts';
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
  await whileConnected({
    connect: deps.connect,
    signal,
    ...(deps.maxRetryDelayMs !== undefined ? { maxDelayMs: deps.maxRetryDelayMs } : {}),
    onLost: (error, retryInMs) => logger.warn({ err: error, retryInMs }, 'event bus unavailable; retrying'),
    ready: (bus) => bus.ensureStreams({ signal }),
    consume: async (bus) => {
      logger.info({ consumer: resultConsumerName }, 'consuming run results from the event bus');
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
    },
  });
}
