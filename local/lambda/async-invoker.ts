// Lambda's asynchronous invocation, as the local stack needs it: an event is accepted at once and queued; it runs on
// the function host as soon as the function's concurrency allows (its reserved concurrency on AWS: events beyond it
// wait in Lambda's queue instead of failing); an invocation that fails (throws, or its thread dies) is run again up
// to `retryAttempts` more times, after a delay (AWS: about 1 and 2 minutes; shortened here, and for tests); after the
// last failure the event is dropped and logged, as by a function without an on-failure destination.
import type { Logger } from '../../lambdas/chat/ports.js';

export interface AsyncInvokerOptions {
  /** Runs the function once with the event; rejects when the invocation failed. */
  run: (functionName: string, event: unknown) => Promise<unknown>;
  logger: Logger;
  /** Invocations of one function at once (its reserved concurrency); default 10. */
  maxConcurrency?: number;
  /** Retries after a failed invocation (Lambda's MaximumRetryAttempts, default 2). */
  retryAttempts?: number;
  /** The wait before each retry; default 1 s, then 2 s (Lambda waits about 1 minute, then 2). */
  retryDelaysMs?: readonly number[];
}

export interface AsyncInvokerStats {
  accepted: number;
  /** Invocations run, retries included. */
  invocations: number;
  failures: number;
  /** Events dropped after their last retry failed. */
  dropped: number;
}

export interface AsyncInvoker {
  /** Queues the event; returns at once (the API's 202). */
  accept(functionName: string, event: unknown): void;
  stats(): AsyncInvokerStats;
  /** Resolves when nothing is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /** Stops taking events and drops pending retries; waits for the invocations in progress. */
  stop(): Promise<void>;
}

interface QueuedEvent {
  functionName: string;
  event: unknown;
  attempt: number;
}

export function createAsyncInvoker(options: AsyncInvokerOptions): AsyncInvoker {
  const maxConcurrency = options.maxConcurrency ?? 10;
  const retryAttempts = options.retryAttempts ?? 2;
  const retryDelaysMs = options.retryDelaysMs ?? [1_000, 2_000];
  const stats: AsyncInvokerStats = { accepted: 0, invocations: 0, failures: 0, dropped: 0 };
  const queue: QueuedEvent[] = [];
  const running = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const retryTimers = new Set<NodeJS.Timeout>();
  const idleWaiters: Array<() => void> = [];
  let stopped = false;

  const busy = () => queue.length > 0 || inFlight.size > 0 || retryTimers.size > 0;
  const settleIdle = () => {
    if (busy()) return;
    for (const waiter of idleWaiters.splice(0)) waiter();
  };

  function pump(): void {
    for (let index = 0; index < queue.length && !stopped;) {
      const next = queue[index]!;
      if ((running.get(next.functionName) ?? 0) >= maxConcurrency) {
        index += 1;
        continue;
      }
      queue.splice(index, 1);
      start(next);
    }
    settleIdle();
  }

  function start(item: QueuedEvent): void {
    running.set(item.functionName, (running.get(item.functionName) ?? 0) + 1);
    stats.invocations += 1;
    const invocation = options
      .run(item.functionName, item.event)
      .then(
        () => undefined,
        (error: unknown) => failed(item, error),
      )
      .finally(() => {
        running.set(item.functionName, running.get(item.functionName)! - 1);
        inFlight.delete(invocation);
        pump();
      });
    inFlight.add(invocation);
  }

  function failed(item: QueuedEvent, error: unknown): void {
    stats.failures += 1;
    const errorMessage = error instanceof Error ? error.message : String(error);
    if (item.attempt >= retryAttempts || stopped) {
      stats.dropped += 1;
      options.logger.error('asynchronous invocation failed on its last attempt; event dropped', {
        functionName: item.functionName,
        attempts: item.attempt + 1,
        errorMessage,
      });
      return;
    }
    options.logger.warn('asynchronous invocation failed; it runs again', {
      functionName: item.functionName,
      attempt: item.attempt + 1,
      errorMessage,
    });
    const delay = retryDelaysMs[Math.min(item.attempt, retryDelaysMs.length - 1)] ?? 0;
    const timer = setTimeout(() => {
      retryTimers.delete(timer);
      queue.push({ ...item, attempt: item.attempt + 1 });
      pump();
    }, delay);
    retryTimers.add(timer);
  }

  return {
    accept(functionName, event) {
      if (stopped) throw new Error('the local Lambda API is stopping');
      stats.accepted += 1;
      queue.push({ functionName, event, attempt: 0 });
      pump();
    },
    stats: () => ({ ...stats }),
    idle: () =>
      new Promise((resolve) => {
        idleWaiters.push(resolve);
        settleIdle();
      }),
    async stop() {
      stopped = true;
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      queue.length = 0;
      await Promise.all([...inFlight]);
      settleIdle();
    },
  };
}
