// Decentralized (JWT) authentication of the event bus: one operator, one application account with
// JetStream, one system account, and user credentials whose permissions confine each holder to its
// own subjects. Keys and JWTs are plain strings so the installer can keep them in a Secret; nothing
// here talks to a server.
import {
  createAccount,
  createOperator,
  createUser,
  encodeAccount,
  encodeOperator,
  encodeUser,
  fmtCreds,
  fromSeed,
  type KeyPair,
} from '@nats-io/jwt';
import type { RunIdentity } from '../api/run-events.ts';
import { BusError, busErrorCodes } from './bus-error.ts';
import {
  allRunHistoryFilter,
  buildRunEventsFilter,
  buildRunHistorySubject,
  buildRunInboxPrefix,
  buildRunInputConsumerName,
  buildRunInputSubject,
  busStreams,
  runEventsPrefix,
  runEventsStream,
  runHistoryQueue,
  runInputPrefix,
  runInputStream,
  channelsStream,
} from './subjects.ts';
import { checkDurableName } from './durable-consumer.ts';
import {
  allChannelInboundFilter,
  allChannelReceiptFilter,
  buildChannelInboundSubject,
  buildChannelInboxPrefix,
  buildChannelOutboundConsumerName,
  buildChannelOutboundSubject,
  buildChannelReceiptSubject,
  channelInboundConsumerName,
  channelReceiptConsumerName,
  channelsPrefix,
  type ChannelIdentity,
} from './channel-subjects.ts';

export interface NamedKey {
  name: string;
  publicKey: string;
  seed: string;
  jwt: string;
}

/** Everything needed to configure the server and issue credentials; secret as a whole. */
export interface BusAuthority {
  operator: NamedKey;
  /** The application account every K8sClaw component connects to. */
  account: NamedKey & {
    /** Issues user credentials, so the account's identity key can stay offline. */
    signingKey: { publicKey: string; seed: string };
  };
  /** The server's own account (monitoring, internal events). */
  systemAccount: NamedKey;
}

/** What issuing user credentials needs: the account and one of its signing keys. */
export interface AccountSigner {
  accountPublicKey: string;
  signingSeed: string;
}

export interface JetStreamAccountLimits {
  /** Bytes of file storage; -1 for no limit. */
  diskStorageBytes: number;
  memoryStorageBytes: number;
  streams: number;
  /** Each running agent holds one input consumer, so this bounds concurrent runs. */
  consumers: number;
}

export const defaultJetStreamAccountLimits: JetStreamAccountLimits = {
  diskStorageBytes: 1024 * 1024 * 1024,
  memoryStorageBytes: 64 * 1024 * 1024,
  streams: 8,
  consumers: 4096,
};

export interface SubjectPermission {
  allow: string[];
  deny?: string[];
}

export interface BusPermissions {
  publish: SubjectPermission;
  subscribe: SubjectPermission;
  /**
   * May answer requests it received: publish once to each request's reply subject, within `ttlMs`,
   * whatever the publish permissions say (NATS `allow_responses`).
   */
  responses?: { max: number; ttlMs: number };
}

export interface UserCredentialsRequest {
  /** Shown in server monitoring, e.g. `bridge/<namespace>/<run>`. */
  name: string;
  permissions: BusPermissions;
  /** After this instant the server refuses the credentials and drops connections using them. */
  expiresAt?: Date;
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

const seedOf = (kp: KeyPair): string => textDecoder.decode(kp.getSeed());

export async function createBusAuthority(
  options: {
    operatorName?: string;
    accountName?: string;
    jetStreamLimits?: Partial<JetStreamAccountLimits>;
  } = {},
): Promise<BusAuthority> {
  const limits = { ...defaultJetStreamAccountLimits, ...options.jetStreamLimits };
  const operatorKey = createOperator();
  const accountKey = createAccount();
  const signingKey = createAccount();
  const systemKey = createAccount();
  const operatorName = options.operatorName ?? 'k8sclaw';
  const accountName = options.accountName ?? 'K8SCLAW';
  const systemName = 'SYS';

  const operatorJwt = await encodeOperator(operatorName, operatorKey, {
    system_account: systemKey.getPublicKey(),
  });
  const accountJwt = await encodeAccount(
    accountName,
    accountKey,
    {
      signing_keys: [signingKey.getPublicKey()],
      limits: {
        subs: -1,
        data: -1,
        payload: -1,
        imports: -1,
        exports: -1,
        wildcards: true,
        conn: -1,
        leaf: -1,
        disk_storage: limits.diskStorageBytes,
        mem_storage: limits.memoryStorageBytes,
        streams: limits.streams,
        consumer: limits.consumers,
      },
    },
    { signer: operatorKey },
  );
  const systemJwt = await encodeAccount(
    systemName,
    systemKey,
    { limits: { subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1 } },
    { signer: operatorKey },
  );
  return {
    operator: {
      name: operatorName,
      publicKey: operatorKey.getPublicKey(),
      seed: seedOf(operatorKey),
      jwt: operatorJwt,
    },
    account: {
      name: accountName,
      publicKey: accountKey.getPublicKey(),
      seed: seedOf(accountKey),
      jwt: accountJwt,
      signingKey: { publicKey: signingKey.getPublicKey(), seed: seedOf(signingKey) },
    },
    systemAccount: {
      name: systemName,
      publicKey: systemKey.getPublicKey(),
      seed: seedOf(systemKey),
      jwt: systemJwt,
    },
  };
}

/** The nats.conf fragment that trusts the authority's operator and knows its accounts. */
export function renderServerAuthConfig(authority: BusAuthority): string {
  const quote = (value: string) => JSON.stringify(value);
  return [
    `operator: ${quote(authority.operator.jwt)}`,
    `system_account: ${quote(authority.systemAccount.publicKey)}`,
    'resolver: MEMORY',
    'resolver_preload: {',
    `  ${authority.account.publicKey}: ${quote(authority.account.jwt)}`,
    `  ${authority.systemAccount.publicKey}: ${quote(authority.systemAccount.jwt)}`,
    '}',
    '',
  ].join('\n');
}

export function accountSignerOf(authority: BusAuthority): AccountSigner {
  return { accountPublicKey: authority.account.publicKey, signingSeed: authority.account.signingKey.seed };
}

function isAuthority(issuer: BusAuthority | AccountSigner): issuer is BusAuthority {
  return 'account' in issuer;
}

/** A `.creds` file (user JWT and seed) for one holder of the application account. */
export async function issueUserCredentials(
  issuer: BusAuthority | AccountSigner,
  request: UserCredentialsRequest,
): Promise<string> {
  const signer = isAuthority(issuer) ? accountSignerOf(issuer) : issuer;
  let signingKey: KeyPair;
  try {
    signingKey = fromSeed(textEncoder.encode(signer.signingSeed));
  } catch (error) {
    throw new BusError(busErrorCodes.invalidCredentials, 'the account signing seed is not valid', {
      cause: error,
    });
  }
  const userKey = createUser();
  const { publish, subscribe, responses } = request.permissions;
  const jwt = await encodeUser(
    request.name,
    userKey,
    signer.accountPublicKey,
    {
      pub: { allow: [...publish.allow], deny: [...(publish.deny ?? [])] },
      sub: { allow: [...subscribe.allow], deny: [...(subscribe.deny ?? [])] },
      // the JWT's ttl is in nanoseconds
      ...(responses ? { resp: { max: responses.max, ttl: responses.ttlMs * 1_000_000 } } : {}),
    },
    {
      signer: signingKey,
      ...(request.expiresAt ? { exp: Math.floor(request.expiresAt.getTime() / 1000) } : {}),
    },
  );
  return textDecoder.decode(fmtCreds(jwt, userKey));
}

const jsApi = '$JS.API';

/**
 * A run's IPC bridge: publish its own run's events, ask for its own session's history (a request on
 * its run's history subject, answered on its inbox), and read its own input through one durable pull
 * consumer. The pull consumer needs exactly: CONSUMER.CREATE with its filter in the subject (so the
 * server checks the filter against the permission), CONSUMER.INFO (the client re-checks the consumer
 * after a reconnect), CONSUMER.MSG.NEXT (pull requests) and `$JS.ACK` of that consumer. Replies come
 * back on the run's own inbox prefix only.
 */
export function runBridgePermissions(identity: RunIdentity): BusPermissions {
  const stream = runInputStream.name;
  const consumer = buildRunInputConsumerName(identity);
  return {
    publish: {
      allow: [
        buildRunEventsFilter(identity),
        buildRunHistorySubject(identity),
        `${jsApi}.CONSUMER.CREATE.${stream}.${consumer}.${buildRunInputSubject(identity)}`,
        `${jsApi}.CONSUMER.INFO.${stream}.${consumer}`,
        `${jsApi}.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
        `$JS.ACK.${stream}.${consumer}.>`,
      ],
    },
    subscribe: { allow: [`${buildRunInboxPrefix(identity)}.>`] },
  };
}

/**
 * The controller: create and update the streams, manage and read consumers on them (completed
 * events, cleanup of run input consumers), and publish input. Its replies use the default inbox.
 */
export function controllerPermissions(): BusPermissions {
  const allow: string[] = [];
  for (const { name } of busStreams) {
    allow.push(
      `${jsApi}.STREAM.CREATE.${name}`,
      `${jsApi}.STREAM.UPDATE.${name}`,
      `${jsApi}.STREAM.INFO.${name}`,
      `${jsApi}.CONSUMER.*.${name}.>`,
      `${jsApi}.CONSUMER.MSG.NEXT.${name}.*`,
      `$JS.ACK.${name}.>`,
    );
  }
  allow.push(`${runInputPrefix}.>`);
  return { publish: { allow }, subscribe: { allow: ['_INBOX.>'] } };
}

/** Inbox prefix of the API server: its replies apart from the controller's and the bridges'. */
export const apiServerInboxPrefix = '_INBOX_APISERVER';

/** How long after a history request the API server may still answer it. */
export const historyResponseTtlMs = 60_000;

/** Create (with `filter`), inspect, pull from and acknowledge one durable pull consumer. */
function pullConsumerPermissions(stream: string, consumer: string, filter: string): string[] {
  return [
    `${jsApi}.CONSUMER.CREATE.${stream}.${consumer}.${filter}`,
    `${jsApi}.CONSUMER.INFO.${stream}.${consumer}`,
    `${jsApi}.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
    `$JS.ACK.${stream}.${consumer}.>`,
  ];
}

/**
 * The API server: read every run's events through its own durable consumer `durableName` on the
 * run events stream (create or update it with any filter, read its info, pull, acknowledge), and
 * follow runs for its WebSocket streams through ordered consumers: ephemeral consumers of any name
 * whose filter lies within the run events, pulled, inspected and deleted without acknowledgement. Consumer
 * names are single tokens, so these rights cannot be confined to a name prefix: `protectedDurables`
 * (the other components' durable consumers on the stream) are denied by name instead, so the API
 * server can neither pull, change nor delete them. It answers runs' history requests (subscribes to
 * them in its queue group only and replies once to each), reads every channel's inbound chat
 * messages and every channel's reply receipts through its one consumer of each, and publishes
 * replies to any channel. It creates no streams (the controller does) and publishes no run events.
 */
export function apiServerPermissions(
  durableName: string,
  { protectedDurables = [] }: { protectedDurables?: readonly string[] } = {},
): BusPermissions {
  const stream = runEventsStream.name;
  const consumer = checkDurableName(durableName);
  const deny = protectedDurables
    .map(checkDurableName)
    .flatMap((name) => [
      `${jsApi}.CONSUMER.CREATE.${stream}.${name}.>`,
      `${jsApi}.CONSUMER.MSG.NEXT.${stream}.${name}`,
      `${jsApi}.CONSUMER.DELETE.${stream}.${name}`,
    ]);
  return {
    publish: {
      allow: [
        ...pullConsumerPermissions(stream, consumer, '>'),
        `${jsApi}.STREAM.INFO.${stream}`,
        `${jsApi}.CONSUMER.CREATE.${stream}.*.${runEventsPrefix}.>`,
        `${jsApi}.CONSUMER.INFO.${stream}.*`,
        `${jsApi}.CONSUMER.MSG.NEXT.${stream}.*`,
        `${jsApi}.CONSUMER.DELETE.${stream}.*`,
        ...pullConsumerPermissions(channelsStream.name, channelInboundConsumerName, allChannelInboundFilter),
        ...pullConsumerPermissions(channelsStream.name, channelReceiptConsumerName, allChannelReceiptFilter),
        `${channelsPrefix}.out.>`,
      ],
      ...(deny.length > 0 ? { deny } : {}),
    },
    // `<subject> <queue>`: a queue subscription in that group, never a plain one
    subscribe: { allow: [`${apiServerInboxPrefix}.>`, `${allRunHistoryFilter} ${runHistoryQueue}`] },
    responses: { max: 1, ttlMs: historyResponseTtlMs },
  };
}

/** Inbox prefix of input publishers (channels, the API server): apart from the controller's replies. */
export const inputPublisherInboxPrefix = '_INBOX_INPUT';

/** Channels and the API server: publish input to any run, nothing else. */
export function inputPublisherPermissions(): BusPermissions {
  return {
    publish: { allow: [`${runInputPrefix}.>`] },
    subscribe: { allow: [`${inputPublisherInboxPrefix}.>`] },
  };
}

/**
 * A channel pod: publish the chat messages of its own channel and the receipts of its own replies
 * (nothing else), and read the replies for its channel through its one durable consumer, whose
 * filter is named in the create subject so the server checks it. Replies come back on its own inbox
 * prefix only.
 */
export function channelPermissions(identity: ChannelIdentity): BusPermissions {
  return {
    publish: {
      allow: [
        buildChannelInboundSubject(identity),
        buildChannelReceiptSubject(identity),
        ...pullConsumerPermissions(
          channelsStream.name,
          buildChannelOutboundConsumerName(identity),
          buildChannelOutboundSubject(identity),
        ),
      ],
    },
    subscribe: { allow: [`${buildChannelInboxPrefix(identity)}.>`] },
  };
}
