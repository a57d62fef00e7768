// A function fed by an SQS queue, as on AWS: the handlers send to a queue of the local SQS emulation (local/sqs,
// reached with the real SQS client), and an event source mapping hands its messages to the function, with a
// dead-letter queue behind maxReceiveCount tries. The redelivery and push paths each run one.
import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueHandler } from '../lambdas/adapters/wiring.js';
import type { Logger } from '../lambdas/chat/ports.js';
import type { LocalQueue } from './sqs/local-queue.js';
import { startEventSourceMapping, type EventSourceMapping } from './sqs/event-source-mapping.js';
import { startLocalSqs } from './sqs/local-sqs.js';

export interface LocalQueuedFunctionOptions {
  /** The queue's name; its dead-letter queue is `<name>-dlq`. */
  queueName: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  /** How long a received message stays out of sight: its next try comes after it. */
  visibilityTimeoutMs: number;
  /** Tries before the dead-letter queue. */
  maxReceiveCount: number;
}

export interface LocalQueuedFunction {
  /** The SQS endpoint (for an SQS client in tests). */
  endpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  /** Starts feeding the queue to the function. */
  start(handler: QueueHandler): void;
  /** Stops the event source mapping (finishing the batches in hand), then the queue endpoint. */
  stop(): Promise<void>;
}

export async function startLocalQueuedFunction(options: LocalQueuedFunctionOptions): Promise<LocalQueuedFunction> {
  const sqs = await startLocalSqs({ region: options.region });
  const { maxReceiveCount, visibilityTimeoutMs } = options;
  const deadLetters: LocalQueue = sqs.createQueue(`${options.queueName}-dlq`, { visibilityTimeoutMs });
  const queue = sqs.createQueue(options.queueName, {
    visibilityTimeoutMs,
    redrive: { deadLetterQueue: deadLetters, maxReceiveCount },
  });
  const client = new SQSClient({ region: options.region, endpoint: sqs.endpoint, credentials: options.credentials });
  let mapping: EventSourceMapping | undefined;
  return {
    endpoint: sqs.endpoint,
    queueUrl: queue.url,
    deadLetterQueueUrl: deadLetters.url,
    maxReceiveCount,
    start(handler) {
      mapping ??= startEventSourceMapping({
        client,
        queueUrl: queue.url,
        queueArn: queue.arn,
        region: options.region,
        handler,
        logger: options.logger,
      });
    },
    async stop() {
      // The mapping stops taking batches at once; the endpoint's closing answers its long polls.
      const stopping = mapping?.stop();
      await sqs.stop();
      await stopping;
      client.destroy();
    },
  };
}
