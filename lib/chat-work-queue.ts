import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WorkQueueProps {
  /** The consuming function's timeout: the queue's visibility timeout is six times it, as Lambda advises. */
  readonly consumerTimeout: Duration;
  readonly removalPolicy: RemovalPolicy;
  /** Tries of a message before it goes to the dead-letter queue. */
  readonly maxReceives: number;
  /** What ends in the dead-letter queue, for cdk-nag's question why it has no dead-letter queue of its own. */
  readonly deadLettersAre: string;
  /** The policy statement id of grantSend. */
  readonly sendSid: string;
}

/**
 * A dead-letter queue: encrypted, TLS only, keeping what no try delivered for 14 days (the longest SQS keeps
 * anything: time to look at what failed, and why). `deadLettersAre` says what ends there, for cdk-nag's question why
 * it has no dead-letter queue of its own.
 */
export function deadLetterQueue(
  scope: Construct,
  id: string,
  removalPolicy: RemovalPolicy,
  deadLettersAre: string,
): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      `This is a dead-letter queue: the end of the line for ${deadLettersAre}, watched by an alarm on its ` +
      'depth; a dead-letter queue of its own would only move them once more.',
  });
  return queue;
}

/**
 * A queue of work for a function, and the dead-letter queue where messages end after maxReceives tries. Both
 * encrypted at rest with SQS-managed keys and reachable over TLS only.
 */
export class WorkQueue extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  private readonly sendSid: string;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.sendSid = props.sendSid;
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.removalPolicy, props.deadLettersAre);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceives },
      removalPolicy: props.removalPolicy,
    });
  }

  /** sqs:SendMessage (SendMessageBatch included) on this queue only: nothing to read, nothing on other queues. */
  public grantSend(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: this.sendSid, actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
  }
}
