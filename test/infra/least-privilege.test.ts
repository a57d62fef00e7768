// The IAM grants of lib/table-access.ts against what the handlers really do: the real connect, message,
// disconnect, redelivery, fan-out worker, sweeper and push handlers run a session that touches every protocol action
// and the failure paths (gone connections, unknown users, bad frames) against dynalite, a local management API and
// the SNS emulation, while every DynamoDB command, every @connections request, every Lambda Invoke call and every
// event put on the moderation bus (a local EventBridge) is recorded per handler. A path that needs an action the
// stack does not grant would be an AccessDenied on AWS; a grant that no path uses is privilege to remove. Both fail
// here.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import { FUNCTION_NAMES } from '../../lambdas/adapters/function-names.js';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import type { WebSocketHandlerEvent } from '../../lambdas/adapters/gateway-events.js';
import { createMessageFunctionHandler } from '../../lambdas/adapters/message-handler.js';
import {
  createConnectHandler,
  createDisconnectHandler,
  createFanOutHandler,
  type EventHandler,
  createRedeliveryHandler,
  createSweeperHandler,
  type QueueHandler,
  type SweeperHandler,
  type WebSocketHandler,
} from '../../lambdas/adapters/wiring.js';
import { lambdaFanOutDispatcherFor } from '../../lambdas/adapters/lambda-fan-out-dispatcher.js';
import type { Logger } from '../../lambdas/chat/ports.js';
import { ACTION_NAMES } from '../../lambdas/protocol/actions.js';
import type { HandlerName } from '../../lambdas/protocol/routes.js';
import {
  embeddedDynamoClientConfig,
  ensureTable,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../local/embedded-dynamo.js';
import type { AsyncInvoker } from '../../local/lambda/async-invoker.js';
import { createLambdaInvokeApi } from '../../local/lambda/lambda-invoke-api.js';
import {
  INVOKE_ACCESS,
  MANAGEMENT_ACCESS,
  MODERATION_EVENTS_ACCESS,
  PUSH_SNS_ACCESS,
  TABLE_ACCESS,
  type TableUser,
} from '../../lib/table-access.js';
import { createPushHandler } from '../../lambdas/adapters/push-wiring.js';
import { startLocalSns, type LocalSns } from '../../local/sns/local-sns.js';
import { MemoryPushJobQueue } from '../fakes/recording-push.js';
import { ATTACHMENT_ACTIONS } from '../../lib/chat-attachments.js';
import { createLocalS3 } from '../../local/s3/local-s3.js';
import { startLocalEventBridge, type LocalEventBridge } from '../../local/eventbridge/local-eventbridge.js';
import { startManagementRecorder, type ManagementRecorder } from './support/management-recorder.js';

/** Every function but the authorizer (which touches no table): derived from the one list, so a new one is covered. */
const HANDLERS: readonly TableUser[] = FUNCTION_NAMES.filter((name): name is TableUser => name !== 'authorizer');

interface Observed {
  table: Set<string>;
  userIndex: Set<string>;
  management: Set<string>;
  /** Functions invoked through the Lambda API. */
  invokes: Set<string>;
  /** Events put on the moderation bus. */
  events: Set<string>;
}

let dynamo: EmbeddedDynamo;
let bucketServer: Server;
/**
 * The S3 actions the attachment bucket saw, as IAM names them. Every request was signed by the message function
 * (the clients' PUT and GET with its presigned URLs, its own HEAD, DELETE and DELETE ?tagging), so each counts as
 * its action.
 */
const s3Actions = new Set<string>();
let bucketUrl: string;
let management: ManagementRecorder;
let sns: LocalSns;
let eventBridge: LocalEventBridge;
let baseClient: DynamoDBClient;
const errors: Array<{ message: string; extra?: Record<string, unknown> }> = [];
const observed = Object.fromEntries(
  HANDLERS.map((h) => [
    h,
    { table: new Set(), userIndex: new Set(), management: new Set(), invokes: new Set(), events: new Set() },
  ]),
) as Record<TableUser, Observed>;
const actionsSent = new Set<string>();
let current: TableUser | undefined;

const logger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error(message, extra) {
    errors.push({ message, ...(extra && { extra }) });
  },
};

/** Fan-out batches the message handler dispatched; run by the worker handler once the message handler returned. */
const dispatched: unknown[] = [];
let lambdaApi: Server;

async function startLambdaApi(): Promise<string> {
  const invoker = {
    accept: (_name: string, event: unknown) => void dispatched.push(event),
  } as unknown as AsyncInvoker;
  const api = createLambdaInvokeApi({
    functions: new Set(['fanout']),
    invoker,
    runSync: () => Promise.reject(new Error('only asynchronous invocations here')),
  });
  lambdaApi = createServer((request, response) => {
    const name = /\/functions\/([^/]+)\//.exec(request.url ?? '')?.[1];
    if (current && name) observed[current].invokes.add(decodeURIComponent(name));
    void api.handle(request, response, new URL(request.url ?? '/', 'http://x').pathname);
  });
  await new Promise<void>((resolve) => lambdaApi.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  management = await startManagementRecorder();
  sns = await startLocalSns({ region: 'us-east-1' });
  const lambdaEndpoint = await startLambdaApi();
  eventBridge = await startLocalEventBridge({ region: 'us-east-1' });
  eventBridge.createEventBus('moderation');
  baseClient = new DynamoDBClient(embeddedDynamoClientConfig(dynamo.endpoint));
  const tableName = `chat-least-privilege-${randomUUID()}`;
  await ensureTable(baseClient, tableName);
  // Recorded on the low-level client: the names are the API operations IAM knows (GetItem, Query, ...).
  baseClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (current) {
        const action = `dynamodb:${(context.commandName ?? '?').replace(/Command$/, '')}`;
        const input = args.input as { IndexName?: string };
        observed[current][input.IndexName ? 'userIndex' : 'table'].add(action);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordDynamoDbActions' },
  );
  const stores = createDynamoStores({
    client: DynamoDBDocumentClient.from(baseClient, { marshallOptions: { removeUndefinedValues: true } }),
    tableName,
  });
  const bucket = createLocalS3({
    bucket: 'attachments',
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxObjectBytes: 1024,
  });
  bucketServer = createServer((request, response) => {
    const tagging = /[?&]tagging(=|&|$)/.test(request.url ?? '');
    void bucket.handle(request, response).then(() => {
      if (response.statusCode >= 300) return;
      if (request.method === 'PUT' && !tagging) s3Actions.add('s3:PutObject');
      if (request.method === 'PUT' && (tagging || request.headers['x-amz-tagging'])) {
        s3Actions.add('s3:PutObjectTagging');
      }
      // HeadObject is allowed by s3:GetObject.
      if (request.method === 'GET' || request.method === 'HEAD') s3Actions.add('s3:GetObject');
      if (request.method === 'DELETE') s3Actions.add(tagging ? 's3:DeleteObjectTagging' : 's3:DeleteObject');
    });
  });
  await new Promise<void>((resolve) => bucketServer.listen(0, '127.0.0.1', resolve));
  bucketUrl = bucket.bucketUrl(`http://127.0.0.1:${(bucketServer.address() as AddressInfo).port}`);
  const config: RuntimeConfig = {
    attachmentsBucketUrl: bucketUrl,
    tableName,
    region: 'us-east-1',
    dynamoEndpoint: dynamo.endpoint,
    managementEndpoint: management.endpoint,
    moderationEventBus: 'moderation',
    eventBridgeEndpoint: eventBridge.endpoint,
    maxConnectionS: 7200,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    fanOutFunctionName: 'fanout',
    lambdaEndpoint,
  };
  // No grace period after $connect: the session's stale connections are made stale right after they open, and the
  // 410s that meet them are meant as "gone".
  // No offline grace either: the session looks for the offline announcements at once. Rooms over 5 recipients are
  // split: only the session's last room is that large.
  const overrides = {
    stores,
    logger,
    metrics: { count() {} },
    chatConfig: { connectGraceMs: 0, offlineGraceMs: 0, fanOut: { inlineMax: 5, batchSize: 10 } },
  };
  handlers = {
    connect: createConnectHandler(config, overrides),
    disconnect: createDisconnectHandler(config, overrides),
    message: createMessageFunctionHandler(config, { ...overrides, fanOutDispatcherFor: lambdaFanOutDispatcherFor }),
  };
  redelivery = createRedeliveryHandler(config, overrides);
  pushHandler = createPushHandler(
    { ...config, push: { applications: sns.applications, preview: true, snsEndpoint: sns.endpoint } },
    { stores, logger, metrics: { count() {} }, jobs: new MemoryPushJobQueue() },
  );
  fanout = createFanOutHandler(config, overrides);
  sweeper = createSweeperHandler(config, overrides);
  await runSession();
});

afterAll(async () => {
  bucketServer?.closeAllConnections();
  await new Promise((resolve) => bucketServer?.close(resolve));
  baseClient?.destroy();
  await management?.stop();
  await sns?.stop();
  lambdaApi?.closeAllConnections();
  await new Promise((resolve) => lambdaApi?.close(resolve));
  await eventBridge?.stop();
  await dynamo?.stop();
});

let handlers: Record<HandlerName, WebSocketHandler>;
let redelivery: QueueHandler;
let pushHandler: QueueHandler;

/** The push job of a message, handed to the push function as SQS would; it must settle it. */
async function push(roomId: string, seq: number): Promise<void> {
  current = 'push';
  try {
    const record = { messageId: `p-${roomId}-${seq}`, body: JSON.stringify({ roomId, seq }) };
    expect(await pushHandler({ Records: [record as never] })).toEqual({ batchItemFailures: [] });
  } finally {
    current = undefined;
  }
}

let fanout: EventHandler;

/** Runs the batches the message handler dispatched through the fan-out worker handler. */
async function runWorkers(): Promise<void> {
  const callsBefore = management.calls.length;
  current = 'fanout';
  try {
    for (const batch of dispatched.splice(0)) await fanout(batch);
  } finally {
    current = undefined;
  }
  for (const call of management.calls.slice(callsBefore)) observed.fanout.management.add(call.method);
}

let sweeper: SweeperHandler;

/** One scheduled sweep; every connection it finds closed must be removed. */
async function sweep(): Promise<void> {
  const callsBefore = management.calls.length;
  current = 'sweeper';
  try {
    const outcome = await sweeper({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
    expect(outcome.failed).toBe(0);
    expect(outcome.removed).toBeGreaterThan(0);
  } finally {
    current = undefined;
  }
  for (const call of management.calls.slice(callsBefore)) observed.sweeper.management.add(call.method);
}

/** Queued frames handed to the redelivery handler as SQS records; none may be left to try again. */
async function redeliver(frames: ReadonlyArray<{ connectionId: string; payload: string }>): Promise<void> {
  const callsBefore = management.calls.length;
  current = 'redelivery';
  try {
    const result = await redelivery({
      Records: frames.map((frame, index) => ({
        messageId: `m-${index}`,
        receiptHandle: `r-${index}`,
        body: frame.payload,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'x',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {
          connectionId: { dataType: 'String', stringValue: frame.connectionId },
          userId: { dataType: 'String', stringValue: users[connections.get(frame.connectionId)!] },
        },
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:redelivery',
        awsRegion: 'us-east-1',
      })),
    });
    expect(result).toEqual({ batchItemFailures: [] });
  } finally {
    current = undefined;
  }
  for (const call of management.calls.slice(callsBefore)) observed.redelivery.management.add(call.method);
}

const users = {
  alice: `alice-${randomUUID()}`,
  bob: `bob-${randomUUID()}`,
  carol: `carol-${randomUUID()}`,
  erin: `erin-${randomUUID()}`,
  neverConnected: `nobody-${randomUUID()}`,
};
type UserKey = keyof typeof users;
const connections = new Map<string, UserKey>();

async function invoke(handler: HandlerName, connectionId: string, body?: string): Promise<void> {
  const user = connections.get(connectionId)!;
  const routeKey = handler === 'connect' ? '$connect' : handler === 'disconnect' ? '$disconnect' : '$default';
  const event: WebSocketHandlerEvent = {
    requestContext: {
      connectionId,
      connectedAt: Date.now(),
      routeKey,
      eventType: handler.toUpperCase(),
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      stage: 'dev',
      requestId: randomUUID(),
      authorizer: { principalId: users[user], userId: users[user], displayName: user },
    },
    isBase64Encoded: false,
    ...(body !== undefined && { body }),
  };
  const callsBefore = management.calls.length;
  const eventsBefore = eventBridge.events().length;
  current = handler;
  try {
    const result = await handler_(handler)(event);
    expect(result, `${handler} ${body ?? ''}: ${JSON.stringify(errors.at(-1))}`).toEqual({ statusCode: 200 });
  } finally {
    current = undefined;
  }
  for (const call of management.calls.slice(callsBefore)) observed[handler].management.add(call.method);
  if (eventBridge.events().length > eventsBefore) observed[handler].events.add('events:PutEvents');
}
const handler_ = (name: HandlerName) => handlers[name];

async function connect(user: UserKey): Promise<string> {
  const connectionId = `${user}-${randomUUID()}=`;
  connections.set(connectionId, user);
  await invoke('connect', connectionId);
  return connectionId;
}

let requestCounter = 0;
/** Sends a frame and returns the ack (or error) that answers it. */
async function send(connectionId: string, frame: Record<string, unknown>): Promise<Record<string, unknown>> {
  const requestId = `r-${++requestCounter}`;
  if (typeof frame.action === 'string') actionsSent.add(frame.action);
  await invoke('message', connectionId, JSON.stringify({ ...frame, requestId }));
  const answer = management.framesTo(connectionId).find((f) => f.requestId === requestId);
  expect(answer, `an answer to ${JSON.stringify(frame)}`).toBeDefined();
  return answer!;
}

async function runSession(): Promise<void> {
  const erin1 = await connect('erin');
  const carol1 = await connect('carol');
  const bob1 = await connect('bob');
  const alice1 = await connect('alice');
  const alice2 = await connect('alice');

  await send(alice1, { action: 'hello' });
  await send(alice1, { action: 'ping' });
  await send(alice1, { action: 'updateProfile', displayName: 'Alice A.', avatarUrl: 'https://example.com/a.png' });
  const created = await send(alice1, { action: 'createRoom', name: 'team', memberIds: [users.bob, users.carol] });
  const roomId = (created.room as { roomId: string }).roomId;
  await send(alice1, { action: 'openDirect', userId: users.bob });
  await send(alice1, { action: 'openDirect', userId: users.bob });
  await send(alice1, { action: 'addMembers', roomId, userIds: [users.erin] });
  await send(alice1, { action: 'addMembers', roomId, userIds: [users.neverConnected] });
  await send(alice1, { action: 'listRooms' });
  await send(alice1, { action: 'listMembers', roomId });
  await send(alice1, { action: 'unsubscribe', roomId });
  await send(alice1, { action: 'subscribe', roomId });
  await send(bob1, { action: 'typing', roomId, isTyping: true });
  await send(bob1, { action: 'typing', roomId, isTyping: true });
  await send(alice1, { action: 'getPresence', roomId });
  await send(bob1, { action: 'typing', roomId, isTyping: false });

  // Carol's connection went away without a $disconnect: fan-out meets a 410 and cleans up after it.
  management.gone.add(carol1);
  await send(alice1, { action: 'sendMessage', roomId, clientMessageId: 'm-1', content: 'hello' });
  await send(alice1, { action: 'sendMessage', roomId, clientMessageId: 'm-1', content: 'hello' });
  await send(bob1, { action: 'typing', roomId, isTyping: true });
  await send(bob1, { action: 'sendMessage', roomId, clientMessageId: 'm-2', content: 'hi', replyTo: 1 });
  await send(alice1, { action: 'editMessage', roomId, seq: 1, content: 'hello, edited' });
  await send(bob1, { action: 'react', roomId, seq: 1, emoji: '👍', on: true });
  await send(bob1, { action: 'react', roomId, seq: 1, emoji: '👍', on: false });
  await send(alice1, { action: 'deleteMessage', roomId, seq: 1 });
  await send(alice1, { action: 'getHistory', roomId });
  await send(alice1, { action: 'getHistory', roomId, after: 0, limit: 1 });
  await send(alice1, { action: 'getHistory', roomId, before: 2 });
  await send(alice1, { action: 'markRead', roomId, seq: 1 });
  await send(alice1, { action: 'markRead', roomId, seq: 1 });
  // An attachment: uploaded with the presigned PUT, sent (marked sent), read with the presigned GET.
  const upload = await send(alice1, { action: 'createUpload', roomId, contentType: 'image/png', size: 3 });
  const put = await fetch(upload.uploadUrl as string, {
    method: 'PUT',
    headers: upload.headers as Record<string, string>,
    body: new Uint8Array([1, 2, 3]),
  });
  expect(put.status).toBe(200);
  const attachmentUrl = upload.attachmentUrl as string;
  const withFile = await send(alice1, {
    action: 'sendMessage',
    roomId,
    clientMessageId: 'm-4',
    content: 'a file',
    attachmentUrl,
  });
  const link = await send(bob1, { action: 'getAttachmentUrl', roomId, attachmentUrl });
  expect((await fetch(link.url as string)).status).toBe(200);
  // Deleting the message removes its file; the link then reads nothing and no new one is signed.
  await send(alice1, { action: 'deleteMessage', roomId, seq: (withFile.message as { seq: number }).seq });
  expect((await fetch(link.url as string)).status).toBe(404);
  expect((await send(bob1, { action: 'getAttachmentUrl', roomId, attachmentUrl })).code).toBe('NOT_FOUND');
  await send(bob1, { action: 'reportMessage', roomId, seq: 1, reason: 'spam' });
  await send(bob1, { action: 'reportMessage', roomId, seq: 1, reason: 'spam' });
  await send(alice1, { action: 'blockUser', userId: users.erin });
  await send(alice1, { action: 'listBlocked' });
  expect((await send(erin1, { action: 'openDirect', userId: users.alice })).code).toBe('BLOCKED');
  await send(erin1, { action: 'sendMessage', roomId, clientMessageId: 'm-e', content: 'hidden from alice' });
  await send(alice1, { action: 'getHistory', roomId });
  await send(alice1, { action: 'unblockUser', userId: users.erin });
  await send(erin1, { action: 'leaveRoom', roomId });

  // Bad input and refusals: answered with error frames, nothing written.
  await invoke('message', alice1, 'not json');
  await send(alice1, { action: 'noSuchAction' });
  await send(alice1, { action: 'createRoom', name: '' });
  await send(erin1, { action: 'sendMessage', roomId, clientMessageId: 'm-3', content: 'not a member any more' });

  // The last connection of a user closes (offline presence); a reconnect re-subscribes to the user's rooms and
  // announces presence, which meets another stale connection of Carol's: the connect handler cleans up after it.
  await invoke('disconnect', alice2);
  await invoke('disconnect', alice1);
  const carol2 = await connect('carol');
  management.gone.add(carol2);
  const bob2 = await connect('bob');
  const alice3 = await connect('alice');
  await send(alice3, { action: 'hello' });
  // Bob's last connection closing announces him offline and meets a third stale one: the disconnect handler's turn.
  const carol3 = await connect('carol');
  management.gone.add(carol3);
  await invoke('disconnect', bob1);
  await invoke('disconnect', bob2);
  await invoke('disconnect', alice3);
  await invoke('disconnect', erin1);
  expect(management.calls.filter((c) => c.connectionId === carol2).length, 'posts to carol2').toBeGreaterThan(0);
  expect(management.calls.filter((c) => c.connectionId === carol3).length, 'posts to carol3').toBeGreaterThan(0);
  // A $disconnect for a connection already cleaned up after a 410.
  await invoke('disconnect', carol1);

  // Queued frames tried again: one is delivered, one meets a connection gone meanwhile and cleans up after it,
  // announcing Carol offline to Bob.
  const bob3 = await connect('bob');
  const carol4 = await connect('carol');
  management.gone.add(carol4);
  await redeliver([
    { connectionId: bob3, payload: '{"type":"typing","roomId":"r","userId":"u","displayName":"U","isTyping":true}' },
    { connectionId: carol4, payload: '{"type":"typing","roomId":"r","userId":"u","displayName":"U","isTyping":true}' },
  ]);
  expect(
    management.framesTo(bob3).some((f) => f.type === 'presence' && f.userId === users.carol && f.isOnline === false),
  ).toBe(true);

  // Carol's connection closes without its $disconnect, while she was typing: the sweep finds it closed (GET 410),
  // removes it, ends her typing and announces her offline to Bob.
  const bob4 = await connect('bob');
  const carol5 = await connect('carol');
  await send(carol5, { action: 'typing', roomId, isTyping: true });
  management.gone.add(carol5);
  await sweep();
  expect(
    management.framesTo(bob4).some((f) => f.type === 'presence' && f.userId === users.carol && f.isOnline === false),
  ).toBe(true);
  await invoke('disconnect', bob4);

  // Carol's phone loses its network after her hello declared a heartbeat: the gateway still says open, but she has
  // been silent for ten minutes. The sweep closes her connection (DELETE) and announces her offline to Bob.
  const bob5 = await connect('bob');
  const carol7 = await connect('carol');
  await send(carol7, { action: 'hello', heartbeatMs: 30_000 });
  management.lastActiveAt.set(carol7, Date.now() - 600_000);
  await sweep();
  expect(management.calls.some((call) => call.method === 'DELETE' && call.connectionId === carol7)).toBe(true);
  expect(
    management.framesTo(bob5).some((f) => f.type === 'presence' && f.userId === users.carol && f.isOnline === false),
  ).toBe(true);
  await invoke('disconnect', bob5);

  // A room over the inline threshold: bob's five other devices (their ids sort first) are served inline, the rest by a
  // worker, which meets Carol's only connection gone, cleans up after it and announces her offline.
  const bobs: string[] = [];
  for (let i = 0; i < 5; i += 1) bobs.push(await connect('bob'));
  const crowd = await send(bob3, { action: 'createRoom', name: 'crowd', memberIds: [users.carol, users.erin] });
  const crowdId = (crowd.room as { roomId: string }).roomId;
  await runWorkers();
  const carol6 = await connect('carol');
  const erin2 = await connect('erin');
  await runWorkers();
  management.gone.add(carol6);
  await send(bob3, { action: 'sendMessage', roomId: crowdId, clientMessageId: 'm-crowd', content: 'all of you' });
  expect(dispatched.length, 'batches dispatched').toBeGreaterThan(0);
  await runWorkers();
  expect(management.framesTo(erin2).some((f) => f.type === 'message')).toBe(true);
  expect(management.framesTo(erin2).some((f) => f.type === 'presence' && f.userId === users.carol)).toBe(true);
  for (const connectionId of [bob3, ...bobs, erin2]) await invoke('disconnect', connectionId);
  await runWorkers();
  await pushSession(roomId);
}

/**
 * Devices and mutes through the message handler, then push jobs: a push to a new device (its endpoint created and
 * checked), to a device whose endpoint SNS reports disabled (removed, endpoint deleted), and to a device registered
 * again after its endpoint was disabled (found, enabled again).
 */
async function pushSession(roomId: string): Promise<void> {
  const bob = await connect('bob');
  await send(bob, { action: 'registerDevice', platform: 'fcm', token: 'lp-bob-tablet' });
  await send(bob, { action: 'unregisterDevice', token: 'lp-bob-tablet' });
  await send(bob, { action: 'registerDevice', platform: 'apns', token: 'lp-bob-phone' });
  await send(bob, { action: 'registerDevice', platform: 'fcm', token: 'disabled-lp-bob-old' });
  await send(bob, { action: 'muteRoom', roomId, muted: true });
  await send(bob, { action: 'muteRoom', roomId, muted: false });
  await invoke('disconnect', bob);
  const alice = await connect('alice');
  const first = (await send(alice, { action: 'sendMessage', roomId, clientMessageId: 'p-1', content: 'push me' }))
    .message as { seq: number };
  await push(roomId, first.seq);
  // The badge counts what Bob has not read of others': Alice's "hello" (m-1) and "a file" (m-4), Erin's message sent
  // while Alice blocked her (m-e: Bob blocked nobody) and "push me".
  expect(sns.pushes().map((p) => [p.token, p.badge])).toEqual([['lp-bob-phone', 4]]);

  sns.disableToken('lp-bob-phone');
  const bobAgain = await connect('bob');
  await send(bobAgain, { action: 'registerDevice', platform: 'apns', token: 'lp-bob-phone' });
  await invoke('disconnect', bobAgain);
  const second = (await send(alice, { action: 'sendMessage', roomId, clientMessageId: 'p-2', content: 'again' }))
    .message as { seq: number };
  await push(roomId, second.seq);
  expect(sns.pushes().map((p) => p.token)).toEqual(['lp-bob-phone', 'lp-bob-phone']);
  await invoke('disconnect', alice);
}

describe('least privilege: the grants match what the handlers do', () => {
  it('the session exercised every protocol action', () => {
    for (const action of ACTION_NAMES) expect(actionsSent, action).toContain(action);
    expect(errors).toEqual([]);
  });

  it.each(HANDLERS)('%s uses only the table actions granted to it, and every one of them', (handler) => {
    expect([...observed[handler].table].sort()).toEqual([...TABLE_ACCESS[handler].table].sort());
  });

  it.each(HANDLERS)('%s queries the user index only if granted, and uses the grant', (handler) => {
    expect([...observed[handler].userIndex].sort()).toEqual([...TABLE_ACCESS[handler].userIndex].sort());
  });

  it('the requests the message function signs use exactly the attachment actions granted to it', () => {
    expect([...s3Actions].sort()).toEqual([...ATTACHMENT_ACTIONS].sort());
  });

  // Every handler is given the bus in its config, as the local stack does: only the message function must put on it.
  it.each(HANDLERS)('%s puts moderation events only if granted, and uses the grant', (handler) => {
    expect([...observed[handler].events]).toEqual([...MODERATION_EVENTS_ACCESS[handler]]);
  });

  it.each(HANDLERS)('%s calls only the management API methods granted to it, and every one of them', (handler) => {
    expect([...observed[handler].management].sort()).toEqual([...MANAGEMENT_ACCESS[handler]].sort());
  });

  it.each(HANDLERS)('%s invokes only the functions granted to it, and every one of them', (handler) => {
    expect([...observed[handler].invokes].sort()).toEqual([...INVOKE_ACCESS[handler]].sort());
  });

  it('push calls only the SNS actions granted to it, and every one of them', () => {
    const granted = [...PUSH_SNS_ACCESS.application, ...PUSH_SNS_ACCESS.endpoint].map((a) => a.replace('sns:', ''));
    expect([...new Set(sns.actions())].sort()).toEqual(granted.sort());
  });
});
