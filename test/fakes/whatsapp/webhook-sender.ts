// Meta's side of a Cloud API webhook, for tests: builds the payload Meta posts when a person
// writes to the business number (`object: whatsapp_business_account`, `entry[].changes[].value`
// with `metadata`, `contacts` and `messages`), signs its raw bytes with the app secret as
// `X-Hub-Signature-256: sha256=<hex>` (or forges the signature on request), posts it, and posts it
// again while the webhook answers anything but 200, as Meta does. It also does the GET handshake
// Meta does when a webhook URL is configured.
import { createHmac, randomBytes } from 'node:crypto';

type Json = Record<string, unknown>;

export interface PersonMessage {
  /** The person's WhatsApp id (their number with country code, digits only). */
  from: string;
  /** Their profile name. */
  name?: string;
  text: string;
}

export type Forgery = 'signature' | 'missing-signature';

export interface WebhookDelivery {
  wamid: string;
  /** The webhook's HTTP status; 0 when it could not be reached. */
  status: number;
  forged: boolean;
}

export interface WebhookSenderOptions {
  appSecret: string;
  phoneNumberId: string;
  displayPhoneNumber?: string;
  businessAccountId?: string;
  url?: string;
  /** The pause between posts of a payload the webhook did not take (default 200 ms). */
  retryDelayMs?: number;
  /** Posts of one payload before giving up (default 50). */
  maxAttempts?: number;
}

export function newWamid(): string {
  return `wamid.${randomBytes(24).toString('base64url')}`;
}

export function signPayload(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

export class WebhookSender {
  url: string | undefined;
  private readonly options: WebhookSenderOptions;
  private readonly deliveries: WebhookDelivery[] = [];
  private readonly payloads = new Map<string, string>();
  private readonly retrying = new Set<Promise<void>>();
  private closed = false;

  constructor(options: WebhookSenderOptions) {
    this.options = options;
    this.url = options.url;
  }

  /** The payload Meta posts for one text message a person sent. */
  buildPayload(message: PersonMessage, wamid: string, sentAt = new Date()): Json {
    return {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: this.options.businessAccountId ?? '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: {
                  display_phone_number: this.options.displayPhoneNumber ?? '15550783881',
                  phone_number_id: this.options.phoneNumberId,
                },
                contacts: [{ profile: { name: message.name ?? 'Someone' }, wa_id: message.from }],
                messages: [
                  {
                    from: message.from,
                    id: wamid,
                    timestamp: String(Math.floor(sentAt.getTime() / 1000)),
                    type: 'text',
                    text: { body: message.text },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
  }

  /**
   * Posts a payload (signed, or forged) and answers with the webhook's status; a genuine one the
   * webhook did not take is posted again in the background until it answers 200.
   */
  async deliver(payload: Json, wamid: string, forge?: Forgery): Promise<number> {
    const body = JSON.stringify(payload);
    if (!forge) this.payloads.set(wamid, body);
    const status = await this.post(body, wamid, forge);
    if (status !== 200 && !forge) {
      const retry = this.redeliverUntilTaken(body, wamid);
      this.retrying.add(retry);
      void retry.finally(() => this.retrying.delete(retry));
    }
    return status;
  }

  /** Posts a payload delivered before once more, as Meta sometimes does after a 200. */
  async redeliver(wamid: string): Promise<number> {
    const body = this.payloads.get(wamid);
    if (body === undefined) throw new Error(`no payload with ${wamid} was delivered`);
    return await this.post(body, wamid);
  }

  private async redeliverUntilTaken(body: string, wamid: string): Promise<void> {
    for (let attempt = 2; attempt <= (this.options.maxAttempts ?? 50) && !this.closed; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 200));
      if ((await this.post(body, wamid)) === 200) return;
    }
  }

  private async post(body: string, wamid: string, forge?: Forgery): Promise<number> {
    if (!this.url) throw new Error('no webhook URL is configured');
    const signature =
      forge === 'signature'
        ? signPayload(body, `not-${this.options.appSecret}`)
        : signPayload(body, this.options.appSecret);
    let status: number;
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'facebookexternalua',
          ...(forge === 'missing-signature' ? {} : { 'x-hub-signature-256': signature }),
        },
        body,
        signal: AbortSignal.timeout(60_000),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch {
      status = 0;
    }
    this.deliveries.push({ wamid, status, forged: forge !== undefined });
    return status;
  }

  /** Meta's verification GET; `ok` when the webhook answered 200 with the challenge. */
  async verify(verifyToken: string): Promise<{ status: number; ok: boolean }> {
    if (!this.url) throw new Error('no webhook URL is configured');
    const challenge = String(randomBytes(6).readUIntBE(0, 6));
    const url = new URL(this.url);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.verify_token', verifyToken);
    url.searchParams.set('hub.challenge', challenge);
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    return { status: response.status, ok: response.status === 200 && text === challenge };
  }

  history(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.retrying]);
  }
}
