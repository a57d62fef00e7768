import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_FAN_OUT_SETTINGS, type FanOutSettings } from '../lambdas/chat/fan-out-batches.js';
import { deadLetterQueue } from './chat-work-queue.js';

/**
 * Fan-out workers running at once by default. Each posts about 400 frames a second at 512 MB, so 10 of them reach
 * about 4,000 deliveries a second: 40 % of the account's default API Gateway throttle of 10,000 requests a second,
 * which every API of the account and every @connections call share. A huge room waits for free workers (Lambda
 * keeps the events queued) instead of throttling everyone else.
 */
export const DEFAULT_FAN_OUT_CONCURRENCY = 10;

/** Lambda's retries of a failed asynchronous invocation (its maximum); the third failure goes to the dead letters. */
export const FAN_OUT_RETRY_ATTEMPTS = 2;

/**
 * A batch still waiting in Lambda's queue after this long (reserved concurrency saturated, or retries) is dropped to
 * the dead-letter queue: as long as the redelivery queue keeps trying a frame, after which clients close the gap with
 * getHistory anyway.
 */
export const FAN_OUT_MAX_EVENT_AGE = Duration.minutes(15);

export interface FanOutWorkerProps {
  readonly removalPolicy: RemovalPolicy;
  /** Reserved concurrency of the worker function; undefined for none (it then shares the account's pool). */
  readonly concurrency: number | undefined;
  /** Which rooms the message function keeps inline, and recipients per worker. */
  readonly settings?: FanOutSettings;
}

/**
 * What the fan-out worker function needs beyond the other functions: its asynchronous invocation settings (bounded
 * concurrency, two retries, a maximum age), the dead-letter queue of batches that failed every try, and the one
 * grant that lets the message function invoke it.
 */
export class FanOutWorker extends Construct {
  /** Batches whose three tries all failed, or that waited longer than FAN_OUT_MAX_EVENT_AGE. */
  public readonly deadLetterQueue: sqs.Queue;
  public readonly settings: FanOutSettings;
  private readonly concurrency: number | undefined;

  constructor(scope: Construct, id: string, props: FanOutWorkerProps) {
    super(scope, id);
    if (props.concurrency !== undefined && !(Number.isInteger(props.concurrency) && props.concurrency >= 1)) {
      throw new Error(`fanOutConcurrency: must be a whole number of at least 1, got ${props.concurrency}`);
    }
    this.concurrency = props.concurrency;
    this.settings = props.settings ?? DEFAULT_FAN_OUT_SETTINGS;
    this.deadLetterQueue = deadLetterQueue(
      this,
      'DeadLetters',
      props.removalPolicy,
      'fan-out batches no try delivered',
    );
  }

  /** The worker function's own settings (the rest it shares with the other functions). */
  public functionOptions(): Pick<
    lambda.FunctionProps,
    'reservedConcurrentExecutions' | 'retryAttempts' | 'maxEventAge' | 'deadLetterQueue'
  > {
    return {
      ...(this.concurrency !== undefined && { reservedConcurrentExecutions: this.concurrency }),
      retryAttempts: FAN_OUT_RETRY_ATTEMPTS,
      maxEventAge: FAN_OUT_MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
    };
  }

  /** The message function may invoke the worker (this function only, no version or alias) and is told its name. */
  public connect(message: lambda.Function, messageRole: iam.IRole, worker: lambda.IFunction): void {
    messageRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeFanOutWorker',
        actions: ['lambda:InvokeFunction'],
        resources: [worker.functionArn],
      }),
    );
    message.addEnvironment('FANOUT_FUNCTION_NAME', worker.functionName);
    message.addEnvironment('FANOUT_INLINE_MAX', String(this.settings.inlineMax));
    message.addEnvironment('FANOUT_BATCH_SIZE', String(this.settings.batchSize));
  }
}
