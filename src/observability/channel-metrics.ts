// Prometheus metrics of a channel pod: chat messages by what access control decided, and replies
// by how their delivery ended, so a reply the service refused for good is counted, not only logged.
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export interface ChannelMetrics {
  registry: Registry;
  /** outcome: published, denied, ignored. */
  messages: Counter<'outcome'>;
  /**
   * outcome: delivered, refused (the service will not take it), undeliverable (given up after the
   * last delivery from the bus), retried (attempts the service turned away).
   */
  replies: Counter<'outcome'>;
}

export function createChannelMetrics(): ChannelMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'k8sclaw_' });
  return {
    registry,
    messages: new Counter({
      name: 'k8sclaw_channel_messages_total',
      help: 'Chat messages received, by outcome: published to the bus, denied, or ignored.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    replies: new Counter({
      name: 'k8sclaw_channel_replies_total',
      help: 'Replies by outcome: delivered, refused by the service for good, given up as undeliverable, or an attempt retried.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
