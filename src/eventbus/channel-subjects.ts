// The subjects, stream and consumer names of chat channels: a channel pod publishes the messages
// people sent on its inbound subject, reads the replies for its chats from its outbound subject and
// publishes what became of each reply on its receipts subject, all scoped to one namespace,
// instance and channel type. Pure: no connection, no NATS import.
import { createHash } from 'node:crypto';
import type { ChannelType } from '../api/index.ts';
import { BusError } from './bus-error.ts';
import { escapeNameToken, subjectRoot, unescapeNameToken } from './subjects.ts';

export const channelsPrefix = `${subjectRoot}.channels`;
const inboundPrefix = `${channelsPrefix}.in`;
const outboundPrefix = `${channelsPrefix}.out`;
const receiptsPrefix = `${channelsPrefix}.receipts`;

export type ChannelDirection = 'in' | 'out' | 'receipts';
const directions: readonly string[] = ['in', 'out', 'receipts'] satisfies ChannelDirection[];

/** One channel of one instance. */
export interface ChannelIdentity {
  namespace: string;
  instance: string;
  channel: ChannelType;
}

function channelTokens(identity: ChannelIdentity): string {
  if (!/^[a-z]+$/.test(identity.channel)) {
    throw new BusError('bus.InvalidName', `"${identity.channel}" is not a channel type`);
  }
  return [escapeNameToken(identity.namespace), escapeNameToken(identity.instance), identity.channel].join(
    '.',
  );
}

export function buildChannelInboundSubject(identity: ChannelIdentity): string {
  return `${inboundPrefix}.${channelTokens(identity)}`;
}

export function buildChannelOutboundSubject(identity: ChannelIdentity): string {
  return `${outboundPrefix}.${channelTokens(identity)}`;
}

export function buildChannelReceiptSubject(identity: ChannelIdentity): string {
  return `${receiptsPrefix}.${channelTokens(identity)}`;
}

/** Every channel's inbound messages: what the API server's durable consumer reads. */
export const allChannelInboundFilter = `${inboundPrefix}.*.*.*`;

/** The API server replicas' shared durable consumer of inbound chat messages. */
export const channelInboundConsumerName = 'k8sclaw-apiserver-channel-inbound';

/** Every channel's reply receipts: what the API server's second durable consumer reads. */
export const allChannelReceiptFilter = `${receiptsPrefix}.*.*.*`;

/** The API server replicas' shared durable consumer of reply receipts. */
export const channelReceiptConsumerName = 'k8sclaw-apiserver-channel-receipts';

/** The channel a subject names, or undefined when it is not a channel subject. */
export function parseChannelSubject(
  subject: string,
): (ChannelIdentity & { direction: ChannelDirection }) | undefined {
  const tokens = subject.split('.');
  if (tokens.length !== 6 || `${tokens[0]}.${tokens[1]}` !== channelsPrefix) return undefined;
  const [, , direction, namespace, instance, channel] = tokens as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!directions.includes(direction)) return undefined;
  return {
    direction: direction as ChannelDirection,
    namespace: unescapeNameToken(namespace),
    instance: unescapeNameToken(instance),
    channel: channel as ChannelType,
  };
}

/**
 * A short stable token for one channel: consumer names allow 64 characters and no `.`, while a
 * namespace and an instance name together may be longer.
 */
function channelDigest(identity: ChannelIdentity): string {
  return createHash('sha256')
    .update(`${identity.namespace}/${identity.instance}/${identity.channel}`)
    .digest('hex')
    .slice(0, 24);
}

/** The channel pod's durable consumer of its replies: its position survives pod restarts. */
export function buildChannelOutboundConsumerName(identity: ChannelIdentity): string {
  return `channel-${identity.channel}-${channelDigest(identity)}`;
}

/** The channel pod's inbox prefix: replies to its requests, apart from everyone else's. */
export function buildChannelInboxPrefix(identity: ChannelIdentity): string {
  return `_INBOX_CHANNEL_${channelDigest(identity)}`;
}

/**
 * Message id of an inbound chat message. It carries the instance's uid, which only those who may
 * read the instance know, so no other channel can suppress this message by publishing its id first.
 */
export function buildChannelInboundMessageId(instanceUid: string, channel: ChannelType, id: string): string {
  return `${instanceUid}:${channel}:${id}`;
}

/** Message id of a reply: one per run, whose uid nobody else knows in advance. */
export function buildChannelReplyMessageId(replyId: string): string {
  return `${replyId}:reply`;
}

/** Message id of a reply's receipt: one per reply, so a receipt published again is stored once. */
export function buildChannelReceiptMessageId(replyId: string): string {
  return `${replyId}:receipt`;
}
