// Section 9: one message to rooms of 1,000, 10,000 and 50,000 subscribers (subscription items only), delivered by the
// real message handler inline, and by the same handler splitting the room across fan-out workers. The rooms'
// subscriptions are read from memory (bench/lib/listed-subscriptions.ts: dynalite would take minutes to take them);
// everything else the send does goes to dynalite. The workers are
// simulated: each is the real fan-out handler on a worker thread of this process (its own notifier and sockets), at
// most `workers` running at once, one batch each at a time, as Lambda runs a function with that reserved
// concurrency. The management API (services worker, its own process) answers after 10 ms and throttles to
// `throttleRps` requests a second with 429. Measured: time from the send to the last delivery the API saw, posts
// throttled, frames deferred (retries exhausted: on AWS the redelivery queue's), and the CPU of this process
// (message handler and worker threads together) per post.
import { Worker } from 'node:worker_threads';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import { ASYNC_INVOKE_MAX_BYTES } from '../../lambdas/adapters/lambda-fan-out-dispatcher.js';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { createMessageHandler } from '../../lambdas/adapters/message-handler.js';
import type { FanOutBatch, FanOutDispatcher, FrameQueue, SubscriptionRecord } from '../../lambdas/chat/ports.js';
import { embeddedDynamoClientConfig, ensureTable } from '../../local/embedded-dynamo.js';
import { AWS_PRICES } from '../cost/cost-model.js';
import { CHAT_TABLE_NAME, silentLogger } from '../capacity/capacity-bench.js';
import { connectionIdOf, MAX_CONNECTION_MS, roomItems, userItems, writeItems } from '../capacity/seed.js';
import { listedSubscriptions } from '../lib/listed-subscriptions.js';
import { progress } from '../lib/progress.js';
import type { WorkerProcess } from '../lib/worker-process.js';
import { benchRuntimeConfig, messageEvent } from './invocation-rate.js';

const SENDER = 'split-sender';
/** The fan-out settings deployed (DEFAULT_FAN_OUT_SETTINGS), used by the workers variant. */
export const SPLIT_SETTINGS = { inlineMax: 200, batchSize: 200 };
/** Lambda's CPU share at the functions' 512 MB: 1,769 MB is one vCPU. */
export const LAMBDA_VCPU_SHARE = 512 / 1769;
/** The worker's reserved concurrency deployed by default (lib/chat-fan-out-worker.ts). */
export const AWS_WORKERS = 10;
/** API Gateway's account throttle (requests a second), shared by every API and every @connections call. */
export const AWS_THROTTLE_RPS = 10_000;
/** A worker's start on AWS, assumed: an asynchronous invoke and a cold start of the 330 KB bundle at 512 MB. */
export const AWS_WORKER_START_S = 0.5;
/** A subscription item's size as DynamoDB counts it (keys, userId, expiry, muted), for the read units of the query. */
const SUBSCRIPTION_ITEM_BYTES = 120;

export interface SplitFanOutRow {
  variant: 'inline' | 'workers';
  recipients: number;
  /** The management API's throttle during this run (requests a second). */
  throttleRps: number;
  timeToLastDeliveryMs: number;
  delivered: number;
  throttled: number;
  /** Frames whose posts outlasted the retries or the invocation's retry budget: the redelivery queue's on AWS. */
  deferred: number;
  batches: number;
  workerFailures: number;
  cpuMicrosPerPost: number;
  postsPerSecond: number;
}

export interface SplitFanOutResults {
  delayMs: number;
  throttleRps: number;
  workers: number;
  settings: typeof SPLIT_SETTINGS;
  rows: SplitFanOutRow[];
}

/** The simulated worker function: threads running the real fan-out handler, at most `size` at once. */
class WorkerPool implements FanOutDispatcher {
  readonly maxBatchBytes = ASYNC_INVOKE_MAX_BYTES;
  batches = 0;
  failures = 0;
  deferred = 0;
  private readonly queue: string[] = [];
  private readonly free: Worker[] = [];
  private readonly waiters: Array<() => void> = [];
  private running = 0;

  private constructor(private readonly threads: Worker[]) {
    this.free.push(...threads);
    for (const thread of threads) {
      thread.on('message', (reply: { ok?: boolean; deferred?: number; ready?: boolean }) => {
        if (reply.ready) return;
        this.deferred += reply.deferred ?? 0;
        if (!reply.ok) this.failures += 1;
        this.running -= 1;
        this.free.push(thread);
        this.pump();
      });
    }
  }

  static async start(size: number, config: RuntimeConfig): Promise<WorkerPool> {
    const entry = new URL('../workers/fanout-thread-entry.mjs', import.meta.url);
    const threads = await Promise.all(
      Array.from(
        { length: size },
        () =>
          new Promise<Worker>((resolve, reject) => {
            const thread = new Worker(entry, { workerData: config });
            thread.once('error', reject);
            thread.once('message', () => resolve(thread));
          }),
      ),
    );
    return new WorkerPool(threads);
  }

  async dispatch(batches: readonly FanOutBatch[]): Promise<{ failed: readonly FanOutBatch[] }> {
    // As the Invoke API takes it: the batch as JSON, which the worker parses afresh.
    this.queue.push(...batches.map((batch) => JSON.stringify(batch)));
    this.batches += batches.length;
    this.pump();
    return { failed: [] };
  }

  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.pump();
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.free.length > 0) {
      const thread = this.free.pop()!;
      this.running += 1;
      thread.postMessage({ id: this.batches, batch: JSON.parse(this.queue.shift()!) });
    }
    if (this.queue.length === 0 && this.running === 0) for (const waiter of this.waiters.splice(0)) waiter();
  }
}

export async function runSplitFanOut(options: {
  services: WorkerProcess;
  roomSizes: readonly number[];
  workers: number;
  /** One more run of the workers variant with the throttle this low, so that it binds on this machine. */
  throttled?: { size: number; rps: number };
}): Promise<SplitFanOutResults> {
  const { services } = options;
  const dynamoEndpoint = services.info.dynamoEndpoint as string;
  const managementEndpoint = services.info.managementEndpoint as string;
  const base = new DynamoDBClient(embeddedDynamoClientConfig(dynamoEndpoint));
  const setup = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const connectedAt = Date.now();
  await ensureTable(base, CHAT_TABLE_NAME);
  const items = userItems([SENDER], connectedAt);
  for (const size of options.roomSizes) items.push(...roomItems(roomOf(size), [SENDER], connectedAt));
  await writeItems(setup, CHAT_TABLE_NAME, items);
  const subscriptions = listedSubscriptions(
    new Map(options.roomSizes.map((size) => [roomOf(size), roomSubscriptions(roomOf(size), size, connectedAt)])),
  );
  const stores = { ...createDynamoStores({ client: setup, tableName: CHAT_TABLE_NAME }), subscriptions };

  const config = benchRuntimeConfig(dynamoEndpoint, managementEndpoint);
  let deferredInline = 0;
  const countingQueue: FrameQueue = {
    enqueue: async (frames) => {
      deferredInline += frames.length;
      return { queued: frames.length, failed: 0 };
    },
  };
  const pool = await WorkerPool.start(options.workers, config);
  const common = { stores, logger: silentLogger, metrics: { count() {} }, frameQueue: countingQueue };
  const unthrottled = { rateLimit: { perSecond: 1e6, burst: 1e6 } };
  const handlers = {
    inline: createMessageHandler(config, { ...common, chatConfig: unthrottled }),
    workers: createMessageHandler(config, {
      ...common,
      fanOutDispatcher: pool,
      chatConfig: { ...unthrottled, fanOut: SPLIT_SETTINGS },
    }),
  };
  const rows: SplitFanOutRow[] = [];
  try {
    // Warm-up: a warm Lambda has run its code before (JIT, sockets), workers included.
    for (const variant of ['inline', 'workers'] as const)
      await handlers[variant](
        messageEvent(roomOf(options.roomSizes[0]!), `warm-${variant}`, managementEndpoint, SENDER),
      );
    await pool.idle();
    const baseRps = Number(services.info.throttleRps);
    const cases = options.roomSizes.flatMap((size) =>
      (['inline', 'workers'] as const).map((variant) => ({ variant, size, rps: baseRps })),
    );
    if (options.throttled) cases.push({ variant: 'workers', ...options.throttled });
    for (const { variant, size, rps } of cases) {
      await services.request('setThrottle', { rps });
      await services.request('resetPostStats');
      // The throttle's bucket refills between runs, as it would between two unrelated messages.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const before = { batches: pool.batches, failures: pool.failures, deferred: pool.deferred + deferredInline };
      const cpuBefore = process.cpuUsage();
      const start = performance.timeOrigin + performance.now();
      await handlers[variant](
        messageEvent(roomOf(size), `split-${variant}-${size}-${rps}`, managementEndpoint, SENDER),
      );
      await pool.idle();
      const used = process.cpuUsage(cpuBefore);
      const stats = await services.request<{ posts: number; lastAt: number; throttled: number }>('postStats');
      const batches = pool.batches - before.batches;
      const deferred = pool.deferred + deferredInline - before.deferred;
      const posts = stats.posts + stats.throttled;
      const cpuSeconds = (used.user + used.system) / 1e6;
      // Every recipient once: each post the API accepted is a delivery, each deferred frame one not made yet (the
      // ack may be deferred too when the throttle binds).
      if (Math.abs(stats.posts - 1 + deferred - size) > 1 || pool.failures !== before.failures)
        throw new Error(
          `${variant} ${size}: ${stats.posts - 1} delivered + ${deferred} deferred, expected ${size}; ` +
            `${pool.failures - before.failures} worker failures`,
        );
      const timeToLastDeliveryMs = stats.lastAt - start;
      const row: SplitFanOutRow = {
        variant,
        recipients: size,
        throttleRps: rps,
        timeToLastDeliveryMs,
        delivered: stats.posts - 1,
        throttled: stats.throttled,
        deferred,
        batches,
        workerFailures: pool.failures - before.failures,
        cpuMicrosPerPost: (cpuSeconds * 1e6) / Math.max(1, posts),
        postsPerSecond: ((stats.posts - 1) / Math.max(1, timeToLastDeliveryMs)) * 1000,
      };
      rows.push(row);
      progress(
        `  ${size.toLocaleString('en-US')} recipients, ${variant}: last delivery after ${(row.timeToLastDeliveryMs / 1000).toFixed(2)} s, ` +
          `${row.postsPerSecond.toFixed(0)} posts/s, ${row.cpuMicrosPerPost.toFixed(0)} µs CPU/post, ` +
          `${row.throttled} throttled, ${row.deferred} deferred, ${batches} batches`,
      );
    }
  } finally {
    await pool.stop();
    setup.destroy();
    base.destroy();
  }
  return {
    delayMs: Number(services.info.delayMs),
    throttleRps: Number(services.info.throttleRps),
    workers: options.workers,
    settings: SPLIT_SETTINGS,
    rows,
  };
}

const roomOf = (size: number): string => `split-${size}`;

/** The sender's own subscription and `size` listeners', as the seeded rooms of the other sections have them. */
function roomSubscriptions(roomId: string, size: number, connectedAt: number): SubscriptionRecord[] {
  const subscription = (userId: string): SubscriptionRecord => ({
    roomId,
    connectionId: connectionIdOf(userId),
    userId,
    expiresAt: connectedAt + MAX_CONNECTION_MS,
    muted: false,
  });
  return [
    subscription(SENDER),
    ...Array.from({ length: size }, (_, index) => subscription(`listener-${roomId}-${index}`)),
  ];
}

/** What bounds a row's figure on this machine. */
export function boundHere(row: SplitFanOutRow, results: Pick<SplitFanOutResults, 'workers'>): string {
  if (row.throttled > 0)
    return `throttle (${row.throttleRps.toLocaleString('en-US')}/s)${row.deferred > 0 ? ': the rest deferred after 4 tries' : ''}`;
  if (row.variant === 'inline' && row.deferred > 0)
    return "the invocation's 10 s retry budget: the rest deferred to the redelivery queue";
  return row.variant === 'inline'
    ? 'CPU (one invocation, one core)'
    : `CPU (${results.workers} worker threads on 2 shared cores)`;
}

/**
 * The inline threshold this run implies: the inline path's posts a second from its least CPU per post (the
 * machine was shared), at 512 MB's CPU share, times a worker's start on AWS.
 */
export function thresholdOf(rows: readonly SplitFanOutRow[]): {
  inlinePostsPerSecond: number;
  lambdaPostsPerSecond: number;
  breakEvenRecipients: number;
} {
  const inlinePostsPerSecond = 1e6 / leastCpuPerPost(rows, 'inline');
  const lambdaPostsPerSecond = inlinePostsPerSecond * LAMBDA_VCPU_SHARE;
  return {
    inlinePostsPerSecond,
    lambdaPostsPerSecond,
    breakEvenRecipients: Math.round(lambdaPostsPerSecond * AWS_WORKER_START_S),
  };
}

/** The CPU a post costs a variant: its least per post over the run's rooms (larger rooms add the deferred frames). */
const leastCpuPerPost = (rows: readonly SplitFanOutRow[], variant: SplitFanOutRow['variant']): number =>
  Math.min(...rows.filter((r) => r.variant === variant).map((r) => r.cpuMicrosPerPost));

/** Retry budget of one invocation (lambdas/adapters/retry-budget.ts): posts stop and the rest is queued after it. */
const RETRY_BUDGET_S = 10;

/**
 * A row modelled on AWS: 512 MB functions posting at the rate their CPU share allows (the variant's CPU per post
 * measured here), the default 10 workers, API Gateway's 10,000/s throttle, and its cost per million deliveries.
 */
export function awsProjection(
  row: SplitFanOutRow,
  rows: readonly SplitFanOutRow[],
): { seconds: number; boundBy: string; deferred: number; cost: ReturnType<typeof costPerMillionDeliveries> } {
  const cpuMicros = leastCpuPerPost(rows, row.variant);
  const perFunctionRate = (1e6 / cpuMicros) * LAMBDA_VCPU_SHARE;
  const overflow = Math.max(0, row.recipients - SPLIT_SETTINGS.inlineMax);
  const cost = costPerMillionDeliveries(row.recipients, cpuMicros, row.variant === 'workers' ? row.batches : 0);
  if (row.variant === 'inline' || overflow === 0) {
    const seconds = row.recipients / perFunctionRate;
    const reached = Math.min(row.recipients, Math.floor(perFunctionRate * RETRY_BUDGET_S));
    return {
      seconds: Math.min(seconds, RETRY_BUDGET_S),
      boundBy:
        seconds > RETRY_BUDGET_S
          ? `the 10 s budget of one invocation at ${Math.round(perFunctionRate)}/s: the rest queued for minutes`
          : `CPU of one 512 MB invocation (${Math.round(perFunctionRate)}/s)`,
      deferred: row.recipients - reached,
      cost,
    };
  }
  // Workers run one batch each at a time: a room of fewer batches than the concurrency uses only as many.
  const workers = Math.min(AWS_WORKERS, row.batches);
  const workerRate = workers * perFunctionRate;
  const rate = Math.min(workerRate, AWS_THROTTLE_RPS);
  return {
    seconds: AWS_WORKER_START_S + overflow / rate,
    boundBy:
      workerRate >= AWS_THROTTLE_RPS
        ? `throttle (${AWS_THROTTLE_RPS.toLocaleString('en-US')}/s)`
        : workers < AWS_WORKERS
          ? `worker start, then one batch each (${workers} workers × ${Math.round(perFunctionRate)}/s)`
          : `concurrency (${AWS_WORKERS} workers × ${Math.round(perFunctionRate)}/s)`,
    deferred: 0,
    cost,
  };
}

/**
 * Dollars per million deliveries on AWS: the gateway's frames (the message in, its ack, one per delivery), the
 * functions' duration (this run's CPU per post at 512 MB's CPU share; the posts' 10 ms waits overlap) and requests,
 * and the send's DynamoDB units (4 read and 3 write units) plus the query of the room's subscriptions.
 */
export function costPerMillionDeliveries(
  recipients: number,
  cpuMicrosPerPost: number,
  workerInvocations: number,
): { gateway: number; lambda: number; dynamo: number; total: number } {
  const posts = recipients + 1;
  const gateway = ((recipients + 2) * AWS_PRICES.gatewayPerMillionMessages) / 1e6;
  const seconds = (posts * cpuMicrosPerPost) / 1e6 / LAMBDA_VCPU_SHARE;
  const lambda =
    seconds * 0.5 * AWS_PRICES.lambdaPerGbSecond +
    ((1 + workerInvocations) * AWS_PRICES.lambdaPerMillionRequests) / 1e6;
  const queryUnits = Math.ceil((recipients * SUBSCRIPTION_ITEM_BYTES) / 4096) * 0.5;
  const dynamo =
    ((4 + queryUnits) * AWS_PRICES.dynamoPerMillionReadUnits + 3 * AWS_PRICES.dynamoPerMillionWriteUnits) / 1e6;
  const perMillion = (dollars: number) => (dollars * 1e6) / recipients;
  return {
    gateway: perMillion(gateway),
    lambda: perMillion(lambda),
    dynamo: perMillion(dynamo),
    total: perMillion(gateway + lambda + dynamo),
  };
}
