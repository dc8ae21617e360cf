// What a Graph API refusal means for a reply (pure): the Cloud API answers errors as
// `{ error: { message, type, code, error_subcode, error_data: { details }, fbtrace_id } }`. Throttling
// (HTTP 429, or the codes Meta uses for rate and spam limits) and Meta's own failures (5xx, its
// "temporary" codes) are worth trying again, waiting what `Retry-After` says when it is sent;
// everything else refuses the message for good: the 24-hour window closed (131047), an undeliverable
// number (131026), an invalid or expired token (190), a bad parameter (100). The message names the
// code and Meta's words but never the access token.
import { DeliveryError, deliveryErrorCodes } from '../kit/index.ts';

/** Rate limits: the app's (4), the account's (80007), throughput (130429), spam (131048), per person (131056). */
const throttlingCodes = new Set([4, 17, 32, 613, 80007, 130429, 131048, 131056]);
/** Meta's temporary failures: unknown (1), service (2), something went wrong (131000), unavailable (131016, 133004). */
const transientCodes = new Set([1, 2, 131000, 131016, 133004]);

export interface GraphFailure {
  /** The HTTP status of the answer. */
  status: number;
  /** The raw answer body. */
  body: string;
  /** The `Retry-After` header: seconds or an HTTP date. */
  retryAfter?: string | null;
  /** What was being sent, for the message ("a reply"). */
  what: string;
  /** Values that must never appear in the error (the access token). */
  secrets: readonly string[];
  now?: Date;
}

interface GraphErrorBody {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  error_subcode?: unknown;
  error_data?: { details?: unknown };
  fbtrace_id?: unknown;
}

function graphError(body: string): GraphErrorBody | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'object' && parsed.error !== null
      ? (parsed.error as GraphErrorBody)
      : undefined;
  } catch {
    return undefined;
  }
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.replaceAll(secret, '[redacted]');
  return out;
}

function retryAfterMs(header: string | null | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

export function buildGraphDeliveryError(failure: GraphFailure): DeliveryError {
  const error = graphError(failure.body);
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const retryable =
    failure.status === 429 ||
    failure.status >= 500 ||
    (code !== undefined && (throttlingCodes.has(code) || transientCodes.has(code)));
  const details = typeof error?.error_data?.details === 'string' ? ` (${error.error_data.details})` : '';
  const described = error
    ? `code ${String(code ?? '?')}${typeof error.error_subcode === 'number' ? `/${error.error_subcode}` : ''}: ${String(error.message ?? '')}${details}${typeof error.fbtrace_id === 'string' ? ` [fbtrace_id ${error.fbtrace_id}]` : ''}`
    : failure.body.slice(0, 200);
  const wait = retryable ? retryAfterMs(failure.retryAfter, failure.now ?? new Date()) : undefined;
  return new DeliveryError(
    retryable ? deliveryErrorCodes.retryable : deliveryErrorCodes.rejected,
    redactSecrets(`WhatsApp refused ${failure.what}: HTTP ${failure.status}, ${described}`, failure.secrets),
    wait !== undefined ? { retryAfterMs: wait } : {},
  );
}
