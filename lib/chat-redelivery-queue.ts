import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

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
 * A dead-letter queue: encrypted, TLS only, keeping what no try delivered for 14 days (the longest SQS keeps
 * anything: time to look at what could not be delivered, and why). `of` names whose dead letters it keeps.
 */
export function deadLetterQueue(scope: Construct, id: string, removalPolicy: RemovalPolicy, of: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      `This is the dead-letter queue of ${of}: the end of the line for what no try delivered, watched by an ` +
      'alarm on its depth; a dead-letter queue of its own would only move them once more.',
  });
  return queue;
}

/**
 * Frames whose posts kept failing (timeouts, resets, 5xx, throttling past the retry budget), kept for the
 * redelivery function, and the dead-letter queue where those still undelivered after REDELIVERY_MAX_RECEIVES tries
 * end. Both encrypted at rest with SQS-managed keys (frames hold chat content) and reachable over TLS only.
 */
export class RedeliveryQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: RedeliveryQueueProps) {
    super(scope, id);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.removalPolicy, 'the redelivery queue');
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: REDELIVERY_MAX_RECEIVES },
      removalPolicy: props.removalPolicy,
    });
  }

  /** sqs:SendMessage (SendMessageBatch included) on this queue only: nothing to read, nothing on other queues. */
  public grantSend(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RedeliveryQueueSend',
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
      }),
    );
  }
}
