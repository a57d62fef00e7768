import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { WorkQueue } from './chat-work-queue.js';

/**
 * Tries of a queued frame before it goes to the dead-letter queue. The redelivery function reads the same number
 * (REDELIVERY_MAX_RECEIVES) to know its last try, where it counts the frame given up.
 */
export const REDELIVERY_MAX_RECEIVES = 5;

export interface RedeliveryQueueProps {
  /** The redelivery function's timeout: the queue's visibility timeout is six times it, as Lambda advises. */
  readonly consumerTimeout: Duration;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Frames whose posts kept failing (timeouts, resets, 5xx, throttling past the retry budget), kept for the
 * redelivery function, and the dead-letter queue where those still undelivered after REDELIVERY_MAX_RECEIVES tries
 * end (frames hold chat content: both encrypted).
 */
export class RedeliveryQueue extends WorkQueue {
  constructor(scope: Construct, id: string, props: RedeliveryQueueProps) {
    super(scope, id, {
      ...props,
      maxReceives: REDELIVERY_MAX_RECEIVES,
      deadLettersAre: 'frames no try delivered',
      sendSid: 'RedeliveryQueueSend',
    });
  }
}
