// Public surface of the Slack channel (Bolt and the Slack SDKs are imported only in this folder).
export { SlackAdapter, type SlackAdapterOptions } from './slack-adapter.ts';
export { buildReceivedMessage as buildSlackReceivedMessage, type SlackBotIdentity } from './slack-message.ts';
export { createSlackAdapter } from './slack-settings.ts';
