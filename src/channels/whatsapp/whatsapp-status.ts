// The messages the business sent that WhatsApp reports as failed in a status callback (pure). The
// Cloud API accepts a message first and tells later whether it was delivered: a reply after the
// 24-hour customer service window (131047) or to a number that cannot get it (131026) fails only
// here, so the channel can log it but not send it again.
import { z } from 'zod';

const failedStatusSchema = z.object({
  id: z.string(),
  status: z.literal('failed'),
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.object({
        code: z.number().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.object({ details: z.string().optional() }).optional(),
      }),
    )
    .default([]),
});

const payloadSchema = z.object({
  entry: z.array(
    z.object({
      changes: z
        .array(
          z.object({
            field: z.string(),
            value: z.object({
              metadata: z.object({ phone_number_id: z.string() }),
              statuses: z.array(z.unknown()).optional(),
            }),
          }),
        )
        .default([]),
    }),
  ),
});

export interface DeliveryFailure {
  wamid: string;
  recipient?: string;
  /** Graph's codes and words, e.g. `131047 Re-engagement message (…)`. */
  reasons: string[];
}

export function buildDeliveryFailures(payload: unknown, phoneNumberId: string): DeliveryFailure[] {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return [];
  const failures: DeliveryFailure[] = [];
  for (const change of parsed.data.entry.flatMap((entry) => entry.changes)) {
    if (change.field !== 'messages' || change.value.metadata.phone_number_id !== phoneNumberId) continue;
    for (const raw of change.value.statuses ?? []) {
      const status = failedStatusSchema.safeParse(raw);
      if (!status.success) continue;
      failures.push({
        wamid: status.data.id,
        ...(status.data.recipient_id !== undefined ? { recipient: status.data.recipient_id } : {}),
        reasons: status.data.errors.map((error) =>
          [
            error.code,
            error.title ?? error.message,
            error.error_data?.details && `(${error.error_data.details})`,
          ]
            .filter((part) => part !== undefined && part !== '')
            .join(' '),
        ),
      });
    }
  }
  return failures;
}
