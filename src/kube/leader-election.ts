// Leader election on a coordination.k8s.io Lease, as client-go does it: candidates try to acquire
// the Lease every retry period; the holder renews it and loses leadership when it cannot renew
// within the renew deadline; others take over once the holder's renewals have not been observed
// for a whole lease duration (measured on the local clock, so clock skew between pods is harmless).
// A holder that reads the Lease held by someone else has lost it at once, without waiting out the
// renew deadline, and a renewal still unanswered at the deadline counts as failed. Updates use the Lease's resourceVersion, so two candidates never both win.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Lease } from '@kubernetes/client-node';
import type { KubeClient } from './kube-client.ts';
import { isNotFound } from './kube-error.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  now?: () => number;
}

export interface LeaderCallbacks {
  /** Called once leadership is acquired; `lost` aborts when it is lost or the elector stops. */
  onStartedLeading(lost: AbortSignal): void;
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
}

/** metav1.MicroTime: RFC 3339 with exactly six fractional digits (the apiserver insists). */
export function toMicroTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly options: Required<LeaderElectionOptions>;
  private readonly kube: KubeClient;
  private observed: { record: string; at: number } | undefined;
  private leading = false;

  constructor(kube: KubeClient, options: LeaderElectionOptions) {
    this.kube = kube;
    this.options = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      now: () => Date.now(),
      ...options,
    };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns, leads, and returns when `stop` aborts ('stopped') or when leadership, once held, is
   * lost ('lost'): the renew deadline passed without a renewal, or another candidate holds the Lease.
   */
  async run(callbacks: LeaderCallbacks, stop: AbortSignal): Promise<'stopped' | 'lost'> {
    const { retryPeriodMs, renewDeadlineMs } = this.options;
    while (!stop.aborted && (await this.tryAcquireOrRenew(callbacks)) !== 'held') {
      await sleep(retryPeriodMs, undefined, { signal: stop }).catch(() => undefined);
    }
    if (stop.aborted) return 'stopped';
    this.leading = true;
    const lost = new AbortController();
    callbacks.onStartedLeading(lost.signal);
    let lastRenew = this.options.now();
    while (!stop.aborted) {
      await sleep(retryPeriodMs, undefined, { signal: stop }).catch(() => undefined);
      if (stop.aborted) break;
      const attempt = await this.withinDeadline(
        this.tryAcquireOrRenew(callbacks),
        lastRenew + renewDeadlineMs - this.options.now(),
      );
      if (attempt === 'held') lastRenew = this.options.now();
      else if (attempt === 'held-by-other') break;
      else if (this.options.now() - lastRenew > renewDeadlineMs) break;
    }
    this.leading = false;
    lost.abort();
    const ended = stop.aborted ? 'stopped' : 'lost';
    if (ended === 'stopped') await this.release();
    callbacks.onStoppedLeading?.();
    return ended;
  }

  /**
   * A renewal that has not answered by the renew deadline counts as failed: a request that hangs
   * must not keep a leader leading past the point where a standby may take the Lease.
   */
  private async withinDeadline(
    attempt: Promise<'held' | 'held-by-other' | 'failed'>,
    remainingMs: number,
  ): Promise<'held' | 'held-by-other' | 'failed'> {
    const timer = new AbortController();
    try {
      return await Promise.race([
        attempt,
        sleep(Math.max(0, remainingMs), 'failed' as const, { signal: timer.signal }),
      ]);
    } finally {
      timer.abort();
    }
  }

  /** 'held': this candidate holds the Lease now; 'failed': it could not tell or could not write. */
  private async tryAcquireOrRenew(callbacks: LeaderCallbacks): Promise<'held' | 'held-by-other' | 'failed'> {
    const { namespace, name, identity, leaseDurationMs } = this.options;
    const now = this.options.now();
    const spec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      renewTime: toMicroTime(now) as unknown as Date,
    };
    let lease: V1Lease;
    try {
      lease = await this.kube.coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (!isNotFound(error)) return 'failed';
      try {
        await this.kube.coordination.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { ...spec, acquireTime: spec.renewTime, leaseTransitions: 0 },
          },
        });
        callbacks.onNewLeader?.(identity);
        return 'held';
      } catch {
        return 'failed';
      }
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const record = `${holder}@${String(lease.spec?.renewTime ?? '')}`;
    if (this.observed?.record !== record) {
      const previousHolder = this.observed?.record.split('@')[0];
      this.observed = { record, at: now };
      if (holder && holder !== identity && holder !== previousHolder) callbacks.onNewLeader?.(holder);
    }
    const heldByOther = holder !== '' && holder !== identity;
    const expired = this.observed.at + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 <= now;
    if (heldByOther && !expired) return 'held-by-other';
    const takeover = holder !== identity;
    lease.spec = {
      ...lease.spec,
      ...spec,
      ...(takeover
        ? {
            acquireTime: spec.renewTime,
            leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (holder ? 1 : 0),
          }
        : {}),
    };
    try {
      await this.kube.coordination.replaceNamespacedLease({ name, namespace, body: lease });
      this.observed = { record: `${identity}@${String(spec.renewTime)}`, at: now };
      return 'held';
    } catch {
      // a conflict means another candidate wrote first; any failure means not leading this round
      return 'failed';
    }
  }

  /** Gives the Lease up on a clean stop, so a standby takes over at once instead of after expiry. */
  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    try {
      const lease = await this.kube.coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 };
      await this.kube.coordination.replaceNamespacedLease({ name, namespace, body: lease });
    } catch {
      // the Lease expires by itself
    }
  }
}
