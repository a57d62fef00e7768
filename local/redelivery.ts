// The redelivery path on the local stack, as on AWS: the handlers queue frames whose posts kept failing in an SQS
// queue (local/sqs, reached with the real SQS client), and an event source mapping hands them to the very same
// redelivery handler, with a dead-letter queue behind maxReceiveCount tries.
import { SQSClient } from '@aws-sdk/client-sqs';
import type { QueueHandler } from '../lambdas/adapters/wiring.js';
import type { Logger } from '../lambdas/chat/ports.js';
import type { LocalQueue } from './sqs/local-queue.js';
import { startEventSourceMapping, type EventSourceMapping } from './sqs/event-source-mapping.js';
import { startLocalSqs } from './sqs/local-sqs.js';

export interface LocalRedeliveryOptions {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  /**
   * How long a received frame stays out of sight: its next try comes after it. Default 30 s (AWS: 3 minutes), longer
   * than one run of the redelivery handler can take (its 10 s retry budget plus a post's 5 s timeout), or SQS would
   * hand the frame to a second poller while the first still tries it, and the client would get it twice.
   */
  visibilityTimeoutMs?: number;
  /** Tries before the dead-letter queue; default 5, as deployed. */
  maxReceiveCount?: number;
}

export interface LocalRedelivery {
  /** The SQS endpoint (for an SQS client in tests). */
  endpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  maxReceiveCount: number;
  /** Starts feeding the queue to the redelivery handler. */
  start(handler: QueueHandler): void;
  /** Stops the event source mapping (finishing the batches in hand), then the queue endpoint. */
  stop(): Promise<void>;
}

export async function startLocalRedelivery(options: LocalRedeliveryOptions): Promise<LocalRedelivery> {
  const sqs = await startLocalSqs({ region: options.region });
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const visibilityTimeoutMs = options.visibilityTimeoutMs ?? 30_000;
  const deadLetters: LocalQueue = sqs.createQueue('chat-redelivery-dlq', { visibilityTimeoutMs });
  const queue = sqs.createQueue('chat-redelivery', {
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
