import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { platformApplicationArn, PUSH_APPLICATION_VARIABLES } from '../lambdas/adapters/config.js';
import { SNS_PLATFORM } from '../lambdas/adapters/sns-push-payload.js';
import type { PushPlatform } from '../lambdas/protocol/index.js';
import { createChatFunction, grantTableAccess, type FunctionSettings } from './chat-function-factory.js';
import type { ChatTable } from './chat-table.js';
import { WorkQueue } from './chat-work-queue.js';
import { PUSH_SNS_ACCESS, TABLE_ACCESS } from './table-access.js';

/** Tries of a push job before it goes to the dead-letter queue. */
export const PUSH_MAX_RECEIVES = 5;

/**
 * Pages of members with bounded concurrency; a run with less than 15 s left hands the rest of the room to a job of
 * its own, so a minute leaves 45 s of work per run.
 */
const PUSH_SETTINGS: FunctionSettings = {
  description: 'Push notifications for a stored message: to the registered devices of members with no live connection',
  memorySize: 512,
  timeout: Duration.seconds(60),
};

export interface ChatPushProps {
  readonly table: ChatTable;
  /** The SNS platform application ARN of each platform to push to (at least one). */
  readonly applications: Partial<Record<PushPlatform, string>>;
  /** Message previews in pushes (default true); false sends a generic text. */
  readonly preview?: boolean;
  /** Seconds a push job waits before it runs (default 5). */
  readonly delaySeconds?: number;
  /** The message function: it queues the jobs. */
  readonly messageFunction: NodejsFunction;
  readonly messageRole: iam.IRole;
  /** POWERTOOLS_* and NODE_OPTIONS, as the other functions have them. */
  readonly baseEnvironment: Record<string, string>;
  readonly handlersDir: string;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Push notifications: the queue of push jobs (with its dead-letter queue), the push function fed by it, and the
 * function's grants: the table actions it uses, sns:CreatePlatformEndpoint on the configured platform applications
 * and the endpoint actions on their endpoints only.
 */
export class ChatPush extends Construct {
  public readonly jobs: WorkQueue;
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ChatPushProps) {
    super(scope, id);
    const applications = Object.entries(props.applications).filter(
      (entry): entry is [PushPlatform, string] => entry[1] !== undefined,
    );
    if (applications.length === 0) throw new Error('ChatPush: give at least one platform application');
    for (const [platform, arn] of applications) assertApplicationArn(platform, arn);
    const delaySeconds = props.delaySeconds ?? 5;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900) {
      throw new Error(`pushDelaySeconds: ${delaySeconds} must be a whole number from 0 to 900`);
    }

    this.jobs = new WorkQueue(this, 'Jobs', {
      consumerTimeout: PUSH_SETTINGS.timeout,
      removalPolicy: props.removalPolicy,
      maxReceives: PUSH_MAX_RECEIVES,
      deadLettersAre: 'push jobs that failed every try',
      sendSid: 'PushQueueSend',
    });
    const made = createChatFunction(this, {
      name: 'push',
      entry: `${props.handlersDir}/push.ts`,
      settings: PUSH_SETTINGS,
      environment: {
        ...props.baseEnvironment,
        TABLE_NAME: props.table.table.tableName,
        PUSH_QUEUE_URL: this.jobs.queue.queueUrl,
        PUSH_PREVIEW: String(props.preview ?? true),
        ...Object.fromEntries(applications.map(([platform, arn]) => [PUSH_APPLICATION_VARIABLES[platform], arn])),
      },
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.function = made.fn;
    this.role = made.role;
    this.logGroup = made.logGroup;

    grantTableAccess(this.role, TABLE_ACCESS.push, props.table);
    // The push function continues large rooms in jobs of their own.
    this.jobs.grantSend(this.role);
    this.jobs.grantSend(props.messageRole);
    props.messageFunction.addEnvironment('PUSH_QUEUE_URL', this.jobs.queue.queueUrl);
    props.messageFunction.addEnvironment('PUSH_DELAY_S', String(delaySeconds));
    // ReportBatchItemFailures: only jobs that failed in part come back (their retries send only what was not sent).
    this.function.addEventSource(new SqsEventSource(this.jobs.queue, { batchSize: 10, reportBatchItemFailures: true }));

    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PushApplications',
        actions: [...PUSH_SNS_ACCESS.application],
        resources: applications.map(([, arn]) => arn),
      }),
    );
    const endpoints = applications.map(([, arn]) => endpointArnsOf(arn));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'PushEndpoints', actions: [...PUSH_SNS_ACCESS.endpoint], resources: endpoints }),
    );
    Validations.of(this.role).acknowledge(
      ...endpoints.map((endpoint) => ({
        id: `AwsSolutions-IAM5[Resource::${endpoint}]`,
        reason:
          'SNS names each platform endpoint by an id it assigns when the endpoint is created from a device token, so ' +
          'the policy cannot list them; the ARN is pinned to this platform application.',
      })),
    );
  }
}

/** arn:...:app/<PLATFORM>/<name> → arn:...:endpoint/<PLATFORM>/<name>/*: every endpoint of that application. */
export function endpointArnsOf(applicationArn: string): string {
  return `${applicationArn.replace(':app/', ':endpoint/')}/*`;
}

function assertApplicationArn(platform: PushPlatform, arn: string): void {
  if (!platformApplicationArn(SNS_PLATFORM[platform]).test(arn)) {
    throw new Error(
      `push application for ${platform}: "${arn}" is not an SNS platform application ARN of ${SNS_PLATFORM[platform]} ` +
        `(arn:aws:sns:<region>:<account>:app/${SNS_PLATFORM[platform]}/<name>)`,
    );
  }
}
