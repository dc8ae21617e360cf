// Public surface of the Telegram channel (grammY is imported only in this folder).
export { TelegramAdapter, type TelegramAdapterOptions } from './telegram-adapter.ts';
export { buildReceivedMessage, type TelegramBotIdentity } from './telegram-message.ts';
export { createTelegramAdapter } from './telegram-settings.ts';
