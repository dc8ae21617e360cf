// Public surface of the Slack fake (Web API, Socket Mode and signed Events API posts).
export {
  startSlackFake,
  type InjectedFault,
  type PushedMessage,
  type SignedDelivery,
  type SlackCall,
  type SlackFake,
  type SlackFakeOptions,
} from './slack-fake.ts';
