// Retries an API call the apiserver asked to repeat: 429 Too Many Requests (priority and fairness,
// or storage re-initialising after a CRD change) and 503, honouring Retry-After, a bounded number
// of times.
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException } from '@kubernetes/client-node';

export async function retryThrottled<T>(call: () => Promise<T>, attempts = 10): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = error instanceof ApiException ? error.code : undefined;
      if ((status !== 429 && status !== 503) || attempt >= attempts) throw error;
      const retryAfter = Number((error as ApiException<unknown>).headers?.['retry-after'] ?? 1);
      await sleep(Math.min(Math.max(retryAfter, 0.2), 10) * 1000);
    }
  }
}
