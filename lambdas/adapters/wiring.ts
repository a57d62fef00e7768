// Builds the Lambda handlers (the three WebSocket routes, the redelivery of queued frames, the fan-out worker of
// large rooms and the scheduled sweeper) from a RuntimeConfig:
// clients, stores, notifier and chat service are created once
// per execution environment (module scope in the handler files), never per invocation. The local stack builds the
// very same handlers, with its own endpoints in the config and, in tests, faults injected through `overrides`.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createChatCore, type FrameRouterFactory } from '../chat/chat-core.js';
import { FanOutBatchIncompleteError } from '../chat/errors.js';
import type { RedeliveryRequest } from '../chat/redelivery.js';
import type {
  AttachmentStorage,
  ChatStores,
  Clock,
  FanOutDispatcher,
  FrameQueue,
  Logger,
  Metrics,
  ModerationEvents,
  Notifier,
  PushJobQueue,
} from '../chat/ports.js';
import {
  DEFAULT_CHAT_CONFIG,
  DEFAULT_UPLOADS,
  type ChatConfig,
  type ChatService,
  type SweepOutcome,
} from '../chat/service.js';
import { ConfigError, DEFAULT_REDELIVERY_MAX_RECEIVES, type RuntimeConfig } from './config.js';
import { createDynamoStores } from './dynamo-stores.js';
import {
  BadHandshakeError,
  toConnectRequest,
  toDisconnectRequest,
  toFrameRequest,
  type WebSocketHandlerEvent,
} from './gateway-events.js';
import type { TokenVerifier } from './jwt-verifier.js';
import { fanOutBatchOf } from './fan-out-batch-event.js';
import type { LambdaFanOutDispatcherOptions } from './lambda-fan-out-dispatcher.js';
import { managementEndpointFor, managementNotifierFor } from './management-notifier.js';
import { observabilityFor, type Observability } from './observability.js';
import {
  currentRetryDeadline,
  DEFAULT_RETRY_BUDGET,
  withRetryBudget,
  type RetryBudgetSettings,
} from './retry-budget.js';
import { redeliveryRequestOf, sqsFrameQueueFor } from './sqs-frame-queue.js';
import { shardsOfSweepEvent } from './sweep-targets.js';
import { sqsPushQueueFor } from './sqs-push-queue.js';

// The authorizer is not re-exported here: it is imported from ./authorizer-handler.js, so aws-jwt-verify stays out
// of the connect, disconnect and message bundles (and DynamoDB code out of the authorizer's).

export interface HandlerOverrides {
  stores: ChatStores;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  /** A `flush()` on it, if any, runs at the end of every invocation. */
  metrics: Metrics;
  chatConfig: Partial<ChatConfig>;
  /** The authorizer's token verifier (else built from config.auth). */
  verifier: TokenVerifier;
  /** Where frames whose posts kept failing go (else the SQS queue of config.redeliveryQueueUrl, if any). */
  frameQueue: FrameQueue;
  /** How long an invocation may spend retrying posts. */
  retryBudget: RetryBudgetSettings;
  /** Where push jobs go (else the SQS queue of config.pushQueueUrl, if any). */
  pushJobs: PushJobQueue;
  /** Where the message handler hands large rooms (else the worker function of config.fanOutFunctionName, if any). */
  fanOutDispatcher: FanOutDispatcher;
  /**
   * Builds the dispatcher to config.fanOutFunctionName: lambdaFanOutDispatcherFor, handed in by the message
   * handler's entry file, so that the Lambda client is bundled into the message function only.
   */
  fanOutDispatcherFor: (options: LambdaFanOutDispatcherOptions) => FanOutDispatcher;
  /** Where reportMessage publishes; none here (see message-handler.ts for the message function's, from config). */
  moderationEvents: ModerationEvents;
  /**
   * The attachment bucket; none here (message-handler.ts builds the message function's from
   * config.attachmentsBucketUrl, so that its S3 signing is bundled into the message function only).
   */
  attachments: AttachmentStorage;
}

export type WebSocketHandler = (event: WebSocketHandlerEvent, context?: Context) => Promise<{ statusCode: number }>;

/** An asynchronously invoked function: Lambda invokes it again (twice at most) when it throws. */
export type EventHandler = (event: unknown, context?: Context) => Promise<void>;

/** An SQS-triggered function that reports the records to try again (ReportBatchItemFailures). */
export type QueueHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

export const systemClock: Clock = { now: () => Date.now() };

export function createConnectHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides> = {},
): WebSocketHandler {
  // A failed connect (500) refuses the handshake: API Gateway answers the client with the error status.
  const handler = chatHandler(chatPartsFor(config, overrides, 'connect'), 'connect failed', (chat, event, now) =>
    chat.onConnect(toConnectRequest(event, now)),
  );
  return async (event, context) => {
    // A query string the protocol does not offer is the client's mistake (400), found before anything is written.
    try {
      toConnectRequest(event, 0);
    } catch (error) {
      if (error instanceof BadHandshakeError) return { statusCode: 400 };
    }
    return handler(event, context);
  };
}

export function createDisconnectHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides> = {},
): WebSocketHandler {
  // The socket is gone whatever we answer; what a failure leaves behind expires with the connection's items.
  return chatHandler(chatPartsFor(config, overrides, 'disconnect'), 'disconnect failed', (chat, event) =>
    chat.onDisconnect(toDisconnectRequest(event)),
  );
}

/**
 * The message route's handler, with the frame router it is handed: message-handler.ts hands in the router with every
 * action, which only the message function's bundle then carries.
 */
export function createFrameHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides>,
  routeFrames: FrameRouterFactory,
): WebSocketHandler {
  // onFrame answers bad input itself (an error frame; the connection stays open) and never throws for it.
  return chatHandler(chatPartsFor(config, overrides, 'message', routeFrames), 'frame failed', (chat, event, now) =>
    chat.onFrame(toFrameRequest(event, now)),
  );
}

/**
 * Tries the frames of the redelivery queue again. Records it could not settle are reported back, so SQS makes them
 * visible again after the visibility timeout, and moves them to the dead-letter queue after maxReceiveCount tries.
 */
export function createRedeliveryHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides> = {},
): QueueHandler {
  if (!overrides.notifier && !config.managementEndpoint) {
    // Fail at cold start: SQS events carry no requestContext to derive the endpoint from.
    throw new ConfigError('MANAGEMENT_ENDPOINT', 'the redelivery handler needs it (its events do not name the API)');
  }
  const parts = chatPartsFor(config, overrides, 'redelivery');
  const maxReceives = config.redeliveryMaxReceives ?? DEFAULT_REDELIVERY_MAX_RECEIVES;
  return (event, context) =>
    parts.observability.run(context, {}, () =>
      withRetryBudget(parts.clock.now(), context, parts.retryBudget, async () => {
        const frames: RedeliveryRequest[] = [];
        for (const record of event.Records) {
          const frame = redeliveryRequestOf(record, maxReceives);
          // Not a frame this backend queued: nothing to deliver, and trying again would not change that.
          if (frame) frames.push(frame);
          else
            parts.observability.logger.error('queue record is not a frame, dropped', { messageId: record.messageId });
        }
        const { retryLater } = await parts.chatFor(NO_GATEWAY_EVENT).redeliver(frames);
        return { batchItemFailures: retryLater.map((itemIdentifier) => ({ itemIdentifier })) };
      }),
    );
}

/**
 * The fan-out worker: delivers one batch of a large room's recipients (see lambdas/chat/fan-out.ts). It throws only
 * when frames could neither be delivered nor queued for redelivery, so that Lambda runs the batch again.
 */
export function createFanOutHandler(config: RuntimeConfig, overrides: Partial<HandlerOverrides> = {}): EventHandler {
  if (!overrides.notifier && !config.managementEndpoint) {
    throw new ConfigError('MANAGEMENT_ENDPOINT', 'the fan-out handler needs it (its events do not name the API)');
  }
  const parts = chatPartsFor(config, overrides, 'fanout');
  return (event, context) =>
    parts.observability.run(context, {}, () =>
      withRetryBudget(parts.clock.now(), context, parts.retryBudget, async () => {
        const batch = fanOutBatchOf(event);
        // Not a batch this backend dispatched: running it again would not change that.
        if (!batch) {
          parts.observability.logger.error('fan-out event is not a batch, dropped');
          return;
        }
        try {
          await parts.chatFor(NO_GATEWAY_EVENT).deliverBatch(batch);
        } catch (error) {
          if (error instanceof FanOutBatchIncompleteError) parts.observability.logger.warn(error.message);
          throw error;
        }
      }),
    );
}

/** What the scheduled sweeper returns (its invocation's result; the schedule ignores it). */
export type SweeperHandler = (event: unknown, context?: Context) => Promise<SweepOutcome>;

/**
 * The scheduled sweep (EventBridge, every minute; the local stack's timer): connections closed without their
 * $disconnect are removed and their users announced offline. A sweep that could not check or remove some
 * connections fails the invocation (the errors alarm), after doing all it could; the next sweep tries them again.
 */
export function createSweeperHandler(config: RuntimeConfig, overrides: Partial<HandlerOverrides> = {}): SweeperHandler {
  if (!overrides.notifier && !config.managementEndpoint) {
    throw new ConfigError('MANAGEMENT_ENDPOINT', 'the sweeper needs it (its events do not name the API)');
  }
  const parts = chatPartsFor(config, overrides, 'sweeper');
  return (event, context) =>
    parts.observability.run(context, {}, () =>
      withRetryBudget(parts.clock.now(), context, parts.retryBudget, async () => {
        const shards = shardsOfSweepEvent(event);
        const outcome = await parts.chatFor(NO_GATEWAY_EVENT).sweep(shards);
        parts.observability.logger.info('sweep done', { ...outcome, shards: shards ?? 'all' });
        if (outcome.failed > 0) throw new Error(`sweep: ${outcome.failed} connection(s) or shard(s) not swept`);
        return outcome;
      }),
    );
}

// ---------------------------------------------------------------------------------------------------------------

/** What the redelivery, fan-out and sweeper handlers hand chatFor: no gateway event, so the configured endpoint is used. */
const NO_GATEWAY_EVENT = { requestContext: {} } as WebSocketHandlerEvent;

function chatHandler(
  parts: ChatParts,
  failure: string,
  invoke: (chat: ChatService, event: WebSocketHandlerEvent, now: number) => Promise<void>,
): WebSocketHandler {
  return (event, context) =>
    parts.observability.run(context, keysOf(event), async () => {
      const now = parts.clock.now();
      try {
        await withRetryBudget(now, context, parts.retryBudget, () => invoke(parts.chatFor(event), event, now));
        return { statusCode: 200 };
      } catch (error) {
        parts.observability.logger.error(failure, { error });
        return { statusCode: 500 };
      }
    });
}

interface ChatParts {
  observability: Observability;
  clock: Clock;
  retryBudget: RetryBudgetSettings;
  chatFor(event: WebSocketHandlerEvent): ChatService;
}

function chatPartsFor(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides>,
  handler: string,
  routeFrames?: FrameRouterFactory,
): ChatParts {
  if (!overrides.stores && !config.tableName) {
    throw new ConfigError('TABLE_NAME', `the ${handler} handler needs the table (load the config with need "chat")`);
  }
  const observability = observabilityFor(config, overrides);
  const clock = overrides.clock ?? systemClock;
  const stores =
    overrides.stores ?? createDynamoStores({ client: documentClientFor(config), tableName: config.tableName! });
  const chatConfig: ChatConfig = {
    ...DEFAULT_CHAT_CONFIG,
    maxConnectionMs: config.maxConnectionS * 1000,
    ...(config.pushDelayS !== undefined && { pushDelaySeconds: config.pushDelayS }),
    uploads: {
      ...DEFAULT_UPLOADS,
      ...(config.uploadContentTypes && { contentTypes: config.uploadContentTypes }),
      ...(config.uploadMaxBytes !== undefined && { maxBytes: config.uploadMaxBytes }),
    },
    ...(config.fanOut && { fanOut: config.fanOut }),
    ...(config.offlineGraceMs !== undefined && { offlineGraceMs: config.offlineGraceMs }),
    ...(config.heartbeat && { heartbeat: config.heartbeat }),
    ...overrides.chatConfig,
  };
  const pushJobs = overrides.pushJobs ?? pushJobQueueFor(config, observability.logger);
  const fanOutDispatcher = handler === 'message' ? fanOutDispatcherOf(config, overrides, observability) : undefined;
  const frameQueue =
    overrides.frameQueue ??
    (config.redeliveryQueueUrl
      ? sqsFrameQueueFor({
          queueUrl: config.redeliveryQueueUrl,
          region: config.region,
          logger: observability.logger,
          ...(config.credentials ? { credentials: config.credentials } : {}),
        })
      : undefined);
  const { moderationEvents, attachments } = overrides;
  const build = (notifier: Notifier): ChatService =>
    createChatCore(
      {
        stores,
        notifier,
        clock,
        logger: observability.logger,
        metrics: observability.metrics,
        config: chatConfig,
        ...(frameQueue ? { frameQueue } : {}),
        ...(pushJobs ? { pushJobs } : {}),
        ...(attachments ? { attachments } : {}),
        ...(fanOutDispatcher ? { fanOutDispatcher } : {}),
        ...(moderationEvents ? { moderationEvents } : {}),
      },
      routeFrames,
    );
  const retryBudget = overrides.retryBudget ?? DEFAULT_RETRY_BUDGET;

  if (overrides.notifier) {
    const chat = build(overrides.notifier);
    return { observability, clock, retryBudget, chatFor: () => chat };
  }
  // The notifier needs the management endpoint, which on AWS only the event tells (domainName/stage): one chat
  // service per endpoint, built on first sight and kept (every event of a stage names the same one).
  const chatsByEndpoint = new Map<string, ChatService>();
  return {
    observability,
    clock,
    retryBudget,
    chatFor(event) {
      const endpoint = managementEndpointFor(config.managementEndpoint, event.requestContext);
      let chat = chatsByEndpoint.get(endpoint);
      if (!chat) {
        chat = build(
          managementNotifierFor({
            endpoint,
            region: config.region,
            retryDeadline: currentRetryDeadline,
            ...(config.credentials ? { credentials: config.credentials } : {}),
          }),
        );
        chatsByEndpoint.set(endpoint, chat);
      }
      return chat;
    },
  };
}

/** The SQS push job queue of config.pushQueueUrl; none without it (no pushes). */
export function pushJobQueueFor(config: RuntimeConfig, logger: Logger): PushJobQueue | undefined {
  if (!config.pushQueueUrl) return undefined;
  return sqsPushQueueFor({
    queueUrl: config.pushQueueUrl,
    region: config.region,
    logger,
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}

/** Only the message handler splits large rooms: it is the one function allowed to invoke the worker. */
function fanOutDispatcherOf(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides>,
  observability: Observability,
): FanOutDispatcher | undefined {
  if (overrides.fanOutDispatcher) return overrides.fanOutDispatcher;
  if (!config.fanOutFunctionName) return undefined;
  if (!overrides.fanOutDispatcherFor) {
    throw new ConfigError('FANOUT_FUNCTION_NAME', 'is set, but the handler was built without a way to invoke it');
  }
  return overrides.fanOutDispatcherFor({
    functionName: config.fanOutFunctionName,
    region: config.region,
    logger: observability.logger,
    ...(config.lambdaEndpoint ? { endpoint: config.lambdaEndpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
}

const documentClients = new Map<string, DynamoDBDocumentClient>();

/** One DynamoDB client per (region, endpoint, credentials) for the life of the execution environment. */
export function documentClientFor(
  config: Pick<RuntimeConfig, 'region' | 'dynamoEndpoint' | 'credentials'>,
): DynamoDBDocumentClient {
  const key = JSON.stringify([config.region, config.dynamoEndpoint ?? null, config.credentials?.accessKeyId ?? null]);
  let client = documentClients.get(key);
  if (!client) {
    const dynamo = new DynamoDBClient({
      region: config.region,
      ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
    });
    // removeUndefinedValues: optional fields (avatarUrl, attachmentUrl, ...) are simply left out of items.
    client = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
    documentClients.set(key, client);
  }
  return client;
}

function keysOf(event: WebSocketHandlerEvent): Record<string, string | undefined> {
  return { connectionId: event.requestContext?.connectionId, routeKey: event.requestContext?.routeKey };
}
