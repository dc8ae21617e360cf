// The labels every object K8sClaw builds carries: who manages it, what it is part of and which
// component it is, plus the object-specific keys (instance, run, channel, skill pack) that selectors
// and the TUI use.
import { labels, labelValues } from '../api/index.ts';

export type ManagedComponent = 'agent-run' | 'channel' | 'memory' | 'skillpack';

export function buildObjectLabels(
  component: ManagedComponent,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    [labels.managedBy]: labelValues.managedBy,
    [labels.partOf]: labelValues.partOf,
    [labels.component]: component,
    ...extra,
  };
}
