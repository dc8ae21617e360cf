// Public surface of the Telegram Bot API fake.
export {
  startTelegramFake,
  type FakeUser,
  type InjectedFault,
  type PushedMessage,
  type SentCall,
  type TelegramFake,
  type TelegramFakeOptions,
} from './telegram-fake.ts';
export { checkMarkdownV2, plainTextOfMarkdownV2 } from './markdown-v2.ts';
