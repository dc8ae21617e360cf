// Public surface of the Discord fake (REST and Gateway).
export {
  gatewayIntents,
  startDiscordFake,
  type DiscordFake,
  type DiscordFakeOptions,
  type FakeDiscordUser,
  type GatewayEvent,
  type InjectedFault,
  type PushedDiscordMessage,
  type RecordedCall,
} from './discord-fake.ts';
