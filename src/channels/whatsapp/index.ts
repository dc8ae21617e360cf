// Public surface of the WhatsApp channel (the Cloud API, spoken with fetch in this folder only).
export { WhatsAppAdapter, defaultWhatsAppApiUrl, type WhatsAppAdapterOptions } from './whatsapp-adapter.ts';
export { buildGraphDeliveryError } from './whatsapp-graph-error.ts';
export { buildReceivedMessages } from './whatsapp-message.ts';
export { createWhatsAppAdapter } from './whatsapp-settings.ts';
export { isValidWebhookSignature } from './whatsapp-signature.ts';
export { buildDeliveryFailures, type DeliveryFailure } from './whatsapp-status.ts';
export { answerVerification } from './whatsapp-verification.ts';
