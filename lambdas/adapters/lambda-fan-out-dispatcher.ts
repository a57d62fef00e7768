// The FanOutDispatcher port over Lambda's asynchronous invocation, with the real @aws-sdk/client-lambda client: one
// Invoke (InvocationType 'Event') of the fan-out worker function per batch. Lambda answers 202 once the event is in
// its own queue, and runs it at once (or as soon as the worker's reserved concurrency allows); a worker that fails is
// run again up to twice. On the local stack the same client talks to the stack's Lambda Invoke API (local/lambda).
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { settleWithConcurrency } from '../chat/paging.js';
import type { FanOutBatch, FanOutDispatcher, Logger } from '../chat/ports.js';
import { cachedByKey } from './cached-by-key.js';

/**
 * The largest asynchronous invocation payload. Lambda has since accepted 1 MB; 256 KiB held everywhere for years and
 * leaves any batch plenty of room (a maximal message frame is about 50 KB, 200 recipients about 30 KB).
 */
export const ASYNC_INVOKE_MAX_BYTES = 262_144;

export interface LambdaFanOutDispatcherOptions {
  /** The fan-out worker function's name or ARN. */
  functionName: string;
  region: string;
  /** Local only: the local stack's Lambda API; on AWS the regional endpoint. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  /** Invoke calls in flight at once. */
  concurrency?: number;
}

export function createLambdaFanOutDispatcher(options: LambdaFanOutDispatcherOptions): FanOutDispatcher {
  const agentOptions = { keepAlive: true, maxSockets: options.concurrency ?? 10 };
  const client = new LambdaClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // The SDK's standard retries (3 attempts) cover throttling and 5xx of the Invoke call itself.
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 2_000,
      requestTimeout: 5_000,
    }),
  });
  const encoder = new TextEncoder();

  async function invoke(batch: FanOutBatch): Promise<void> {
    const answer = await client.send(
      new InvokeCommand({
        FunctionName: options.functionName,
        InvocationType: 'Event',
        Payload: encoder.encode(JSON.stringify(batch)),
      }),
    );
    if (answer.StatusCode !== 202) throw new Error(`Invoke answered ${answer.StatusCode}, expected 202`);
  }

  return {
    maxBatchBytes: ASYNC_INVOKE_MAX_BYTES,
    async dispatch(batches) {
      const results = await settleWithConcurrency(batches, options.concurrency ?? 10, invoke);
      const failed = batches.filter((_, index) => results[index]!.status === 'rejected');
      const firstFailure = results.find((result) => result.status === 'rejected');
      if (firstFailure) {
        const reason = firstFailure.reason as Error;
        options.logger.error('invoking the fan-out worker failed', {
          batches: failed.length,
          errorName: reason?.name,
          errorMessage: reason?.message,
        });
      }
      return { failed };
    },
  };
}

/** One client per worker function for the life of the execution environment. */
export const lambdaFanOutDispatcherFor = cachedByKey(
  (options: LambdaFanOutDispatcherOptions) => `${options.endpoint ?? ''}|${options.functionName}`,
  createLambdaFanOutDispatcher,
);
