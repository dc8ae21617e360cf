// Public surface of the WhatsApp Cloud API fake and Meta's webhook sender.
export {
  startWhatsAppFake,
  type InjectedFault,
  type SentCall,
  type WhatsAppFake,
  type WhatsAppFakeOptions,
} from './whatsapp-fake.ts';
export {
  newWamid,
  signPayload,
  WebhookSender,
  type Forgery,
  type PersonMessage,
  type WebhookDelivery,
} from './webhook-sender.ts';
