// Where the local stack's Lambda functions run. On the gateway's own event loop they compete with the gateway, the
// management API and dynalite for one core; on a worker thread of their own they get the second core, as on AWS,
// where functions never share a process with API Gateway or DynamoDB. The worker is the default; the caller's thread
// remains for tests that inject faults by handing in objects (those cannot cross to another thread).
import { Worker } from 'node:worker_threads';
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import type { FunctionName } from '../../lambdas/adapters/function-names.js';
import { createLocalFunctions, functionNamed, type LocalFunctionOptions } from './local-functions.js';
import type { FunctionReply, FunctionRequest, FunctionThreadData } from './function-thread-protocol.js';

export type FunctionPlacement = 'in-process' | 'in-worker';

export interface FunctionHost {
  readonly placement: FunctionPlacement;
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  /** After the last invocation has settled: ends the worker, if any. */
  close(): Promise<void>;
}

export function inProcessFunctions(config: RuntimeConfig, options: LocalFunctionOptions): FunctionHost {
  const functions = createLocalFunctions(config, options);
  return {
    placement: 'in-process',
    invoke: (name, event) => functionNamed(functions, name)(event as never),
    close: async () => undefined,
  };
}

/** The functions on a worker thread; resolves once it has built them (or rejects with why it could not). */
export async function startFunctionThread(
  config: RuntimeConfig,
  options: Omit<LocalFunctionOptions, 'overrides'>,
): Promise<FunctionHost> {
  const data: FunctionThreadData = { config, logLevel: options.logLevel };
  let current = await spawn(data);
  let replacement: Promise<FunctionThread> | undefined;
  let closing = false;
  // A thread that died (an uncaught error in a function) is replaced, as Lambda replaces a crashed environment; once,
  // however many invocations notice it.
  const live = (): FunctionThread | Promise<FunctionThread> => {
    if (!current.dead || closing) return current;
    replacement ??= spawn(data).then(
      (fresh) => {
        current = fresh;
        replacement = undefined;
        return fresh;
      },
      (error: unknown) => {
        replacement = undefined;
        throw error;
      },
    );
    return replacement;
  };
  return {
    placement: 'in-worker',
    invoke: async (name, event) => (await live()).invoke(name, event),
    async close() {
      closing = true;
      await replacement?.catch(() => undefined);
      await current.terminate();
    },
  };
}

/**
 * At most `limit` invocations run at once; the rest wait, in order, before they start. Lambda runs one invocation per
 * execution environment, each with its own socket pools; here all of them share one environment, and with a burst
 * of concurrent fan-outs the management client's posts queue for its sockets, where the SDK's 3 s connection timeout
 * already runs, and were lost. Waiting before the handler starts costs no timeout: overload becomes delay.
 */
export function withConcurrencyLimit(host: FunctionHost, limit: number): FunctionHost {
  if (!(limit >= 1)) throw new RangeError('maxConcurrentInvocations: must be 1 or more');
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return {
    placement: host.placement,
    async invoke(name, event) {
      if (running < limit) running += 1;
      // The slot is handed over by release(): `running` stays counted for the waiter.
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await host.invoke(name, event);
      } finally {
        release();
      }
    },
    close: () => host.close(),
  };
}

interface FunctionThread {
  readonly dead: boolean;
  invoke(name: FunctionName, event: unknown): Promise<unknown>;
  terminate(): Promise<void>;
}

const ENTRY = new URL('./function-thread-entry.mjs', import.meta.url);

function spawn(data: FunctionThreadData): Promise<FunctionThread> {
  const worker = new Worker(ENTRY, { workerData: data });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let dead = false;
  const failAll = (error: Error) => {
    dead = true;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  return new Promise((resolveStart, rejectStart) => {
    worker.on('message', (reply: FunctionReply) => {
      if (reply.type === 'ready') {
        resolveStart(thread);
        return;
      }
      if (reply.type === 'failed-to-start') {
        rejectStart(errorFrom(reply.error));
        void worker.terminate();
        return;
      }
      const waiter = pending.get(reply.id);
      if (!waiter) return;
      pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(errorFrom(reply.error));
    });
    worker.on('error', (error) => {
      failAll(error);
      rejectStart(error);
    });
    worker.on('exit', (code) => {
      const error = new Error(`the functions' thread exited (${code})`);
      failAll(error);
      rejectStart(error);
    });
    const thread: FunctionThread = {
      get dead() {
        return dead;
      },
      invoke(name, event) {
        if (dead) return Promise.reject(new Error("the functions' thread is not running"));
        const id = nextId++;
        // As JSON, the way Lambda's runtime receives an event: the function gets freshly parsed plain objects.
        const request: FunctionRequest = { id, name, event: JSON.stringify(event) };
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          worker.postMessage(request);
        });
      },
      async terminate() {
        dead = true;
        await worker.terminate();
      },
    };
  });
}

/** The thrown error as the caller would have seen it in process: its name and message (the gateway reads both). */
function errorFrom(error: { name: string; message: string }): Error {
  const rebuilt = new Error(error.message);
  rebuilt.name = error.name;
  return rebuilt;
}
