// Section 5: how fast one invocation of the message handler fans a message out, against a management API that
// answers every post after 10 ms (the services worker). The handler is the real one (createMessageHandler: the
// DynamoDB store, the management-API notifier with its keep-alive sockets, the chat logic's bounded fan-out); only the
// logger is silenced. A second variant is the same handler posting through the AWS SDK's management API client (as
// the notifier did before its lean path), to show how much of the time is the SDK client's own per-call work.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import { createMessageHandler } from '../../lambdas/adapters/message-handler.js';
import { embeddedDynamoClientConfig, ensureTable } from '../../local/embedded-dynamo.js';
import { BENCH_CONTENT, CHAT_TABLE_NAME, silentLogger } from '../capacity/capacity-bench.js';
import { connectionIdOf, roomItems, subscriberItems, userItems, writeItems } from '../capacity/seed.js';
import { progress } from '../lib/progress.js';
import type { WorkerProcess } from '../lib/worker-process.js';
import { spread, type Spread } from '../lib/stats.js';
import { notifierFor } from './poster-variants.js';
import { CHAT_FUNCTION_MEMORY_MB } from '../../lib/chat-functions.js';

const SENDER = 'fanout-sender';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const UNTHROTTLED = { rateLimit: { perSecond: 1e6, burst: 1e6 } };
export const LEAN_VARIANT = 'message handler as deployed (lean post path: SignatureV4 over the HTTP/1.1 client)';
export const SDK_VARIANT = 'same handler, posts by the AWS SDK management client (as before the lean path)';
/** The memory the CDK stack gives the message function. */
export const MESSAGE_FUNCTION_MEMORY_MB = CHAT_FUNCTION_MEMORY_MB.message;

export interface FanOutRateRow {
  variant: string;
  recipients: number;
  /** Posts (deliveries + the ack) per second of the whole invocation. */
  invocationPostsPerSecond: Spread;
  /** Posts per second between the first post's arrival and the last one's answer, at the management API. */
  fanOutPostsPerSecond: Spread;
  durationMs: Spread;
  /** Process CPU time per post (the handler's process only; the management API runs elsewhere). */
  cpuMicrosPerPost: Spread;
  /** Posts in flight at once at the management API: the most, and the average (rate × 10 ms). */
  maxInFlight: number;
  averageInFlight: number;
  /** New TCP connections the management API saw during the invocation (keep-alive reuses the rest). */
  newSockets: number;
}

export interface FanOutRateResults {
  delayMs: number;
  memoryMb: number;
  rows: FanOutRateRow[];
}

interface PostStats {
  posts: number;
  firstAt: number;
  lastAt: number;
  maxInFlight: number;
  sockets: number;
}

export async function runInvocationRate(options: {
  services: WorkerProcess;
  runs: number;
  recipients: readonly number[];
}): Promise<FanOutRateResults> {
  const { services } = options;
  const dynamoEndpoint = services.info.dynamoEndpoint as string;
  const managementEndpoint = services.info.managementEndpoint as string;
  const delayMs = Number(services.info.delayMs);
  const base = new DynamoDBClient(embeddedDynamoClientConfig(dynamoEndpoint));
  const setup = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const connectedAt = Date.now();
  await ensureTable(base, CHAT_TABLE_NAME);
  const items = userItems([SENDER], connectedAt);
  for (const count of options.recipients) {
    items.push(
      ...roomItems(roomOf(count), [SENDER], connectedAt),
      ...subscriberItems(roomOf(count), count, connectedAt),
    );
  }
  await writeItems(setup, CHAT_TABLE_NAME, items);

  const config = benchRuntimeConfig(dynamoEndpoint, managementEndpoint);
  const handler = createMessageHandler(config, { logger: silentLogger, chatConfig: UNTHROTTLED });
  const sdkNotifier = notifierFor(managementEndpoint, 'sdk-tuned', CREDENTIALS);
  const sdkHandler = createMessageHandler(config, {
    logger: silentLogger,
    chatConfig: UNTHROTTLED,
    notifier: sdkNotifier,
  });

  const variants: Array<{ name: string; send: (roomId: string, clientMessageId: string) => Promise<unknown> }> = [
    {
      name: LEAN_VARIANT,
      send: (roomId, clientMessageId) => handler(messageEvent(roomId, clientMessageId, managementEndpoint)),
    },
    {
      name: SDK_VARIANT,
      send: (roomId, clientMessageId) => sdkHandler(messageEvent(roomId, clientMessageId, managementEndpoint)),
    },
  ];

  const rows: FanOutRateRow[] = [];
  try {
    for (const count of options.recipients) {
      for (const variant of variants) {
        // Warm-up invocations: a warm Lambda has run its code before (JIT, sockets).
        for (let warm = 0; warm < 2; warm++) await variant.send(roomOf(count), `warm-${count}-${warm}-${Date.now()}`);
        const invocation: number[] = [];
        const window: number[] = [];
        const durations: number[] = [];
        const cpu: number[] = [];
        let maxInFlight = 0;
        let newSockets = 0;
        for (let run = 0; run < options.runs; run++) {
          await services.request('resetPostStats');
          const cpuBefore = process.cpuUsage();
          const begin = performance.now();
          await variant.send(roomOf(count), `rate-${count}-${run}-${Date.now()}`);
          const duration = performance.now() - begin;
          const used = process.cpuUsage(cpuBefore);
          const stats = await services.request<PostStats>('postStats');
          durations.push(duration);
          invocation.push((stats.posts / duration) * 1000);
          window.push((stats.posts / Math.max(1, stats.lastAt - stats.firstAt)) * 1000);
          cpu.push((used.user + used.system) / Math.max(1, stats.posts));
          maxInFlight = Math.max(maxInFlight, stats.maxInFlight);
          newSockets = Math.max(newSockets, stats.sockets);
          if (stats.posts !== count + 1)
            throw new Error(`fan-out to ${count}: the management API saw ${stats.posts} posts, expected ${count + 1}`);
        }
        const row: FanOutRateRow = {
          variant: variant.name,
          recipients: count,
          invocationPostsPerSecond: spread(invocation),
          fanOutPostsPerSecond: spread(window),
          durationMs: spread(durations),
          cpuMicrosPerPost: spread(cpu),
          maxInFlight,
          averageInFlight: (spread(window).median * delayMs) / 1000,
          newSockets,
        };
        rows.push(row);
        progress(
          `  ${count} recipients, ${variant.name}: ${row.invocationPostsPerSecond.median.toFixed(0)} posts/s ` +
            `(${row.cpuMicrosPerPost.median.toFixed(0)} µs CPU per post, up to ${maxInFlight} in flight)`,
        );
      }
    }
    return { delayMs, memoryMb: MESSAGE_FUNCTION_MEMORY_MB, rows };
  } finally {
    sdkNotifier.destroy();
    setup.destroy();
    base.destroy();
  }
}

const roomOf = (count: number): string => `fanout-${count}`;

/** What the handlers run with in the bench: the bench table on dynalite, the services' management API. */
export function benchRuntimeConfig(dynamoEndpoint: string, managementEndpoint: string): RuntimeConfig {
  return {
    tableName: CHAT_TABLE_NAME,
    region: 'us-east-1',
    dynamoEndpoint,
    managementEndpoint,
    maxConnectionS: 7200,
    credentials: CREDENTIALS,
  };
}

export function sendBody(roomId: string, clientMessageId: string): string {
  return JSON.stringify({ action: 'sendMessage', requestId: 'r-1', roomId, clientMessageId, content: BENCH_CONTENT });
}

/** A message-route event as API Gateway sends it (the fields the handler reads, plus the usual others). */
export function messageEvent(roomId: string, clientMessageId: string, managementEndpoint: string, sender = SENDER) {
  const host = new URL(managementEndpoint).host;
  return {
    requestContext: {
      routeKey: 'sendMessage',
      eventType: 'MESSAGE',
      connectionId: connectionIdOf(sender),
      connectedAt: Date.now(),
      domainName: host,
      stage: 'bench',
      requestId: `bench-${clientMessageId}`,
      authorizer: { userId: sender, displayName: sender, principalId: sender },
    },
    body: sendBody(roomId, clientMessageId),
    isBase64Encoded: false,
  };
}
