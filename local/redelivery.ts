// The redelivery path on the local stack, as on AWS: the handlers queue frames whose posts kept failing, and the
// very same redelivery handler takes them from the queue (local/queued-function.ts).
import type { Logger } from '../lambdas/chat/ports.js';
import { startLocalQueuedFunction, type LocalQueuedFunction } from './queued-function.js';

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

export type LocalRedelivery = LocalQueuedFunction;

export function startLocalRedelivery(options: LocalRedeliveryOptions): Promise<LocalRedelivery> {
  return startLocalQueuedFunction({
    queueName: 'chat-redelivery',
    region: options.region,
    credentials: options.credentials,
    logger: options.logger,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
    maxReceiveCount: options.maxReceiveCount ?? 5,
  });
}
