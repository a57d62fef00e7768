import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ApiGatewayLoggingRole } from './api-gateway-logging-role.js';
import { ChatAttachments } from './chat-attachments.js';
import { ChatAuth, type ExistingUserPool } from './chat-auth.js';
import { DEFAULT_FAN_OUT_CONCURRENCY, FanOutWorker } from './chat-fan-out-worker.js';
import { ChatFunctions, REDELIVERY_TIMEOUT } from './chat-functions.js';
import { ModerationEventBus } from './chat-moderation-events.js';
import { ChatMonitoring } from './chat-monitoring.js';
import { ChatPush } from './chat-push.js';
import type { PushPlatform } from '../lambdas/protocol/index.js';
import { RedeliveryQueue } from './chat-redelivery-queue.js';
import { ChatTable } from './chat-table.js';
import { ChatWebSocketApi, type StageThrottle } from './chat-websocket-api.js';

/** The stage that may be torn down with its data: everything else keeps table, users and logs. */
export const DISPOSABLE_STAGE = 'dev';

/** Where the handlers' Powertools metrics land; the `service` dimension (`chat-<stage>`) keeps stages apart. */
export const METRICS_NAMESPACE = 'ChatBackend';

export interface ChatBackendStackProps extends StackProps {
  /** The API Gateway stage name and the suffix of every stage-specific name (default `dev`). */
  readonly stage: string;
  /** Use this Cognito pool and app client instead of creating them. */
  readonly existingUserPool?: ExistingUserPool;
  /** For a created pool: let users sign themselves up (default false: administrators create users). */
  readonly selfSignUpEnabled?: boolean;
  /** Set API Gateway's account-wide CloudWatch role (default true); false when the account already has one. */
  readonly manageApiGatewayLogsRole?: boolean;
  readonly throttle?: StageThrottle;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** Folder with the handler entry files (default lambdas/handlers). */
  readonly handlersDir?: string;
  /**
   * Reserved concurrency of the fan-out worker (default DEFAULT_FAN_OUT_CONCURRENCY): how many batches of large
   * rooms are delivered at once. 'none' reserves nothing (for accounts whose concurrency limit cannot spare it).
   */
  readonly fanOutConcurrency?: number | 'none';
  /**
   * Push notifications through Amazon SNS mobile push: the platform application of each platform to push to. Without
   * any, no push queue or function is made and nobody is pushed to (devices are still registered).
   */
  readonly push?: ChatPushSettings;
  /** What createUpload accepts: media types (default images and PDF) and the largest size (default 25 MB). */
  readonly uploads?: { contentTypes?: string[]; maxBytes?: number };
  /** Browser origins allowed to upload and download attachments (CORS); default any. */
  readonly attachmentOrigins?: string[];
}

export interface ChatPushSettings {
  readonly applications: Partial<Record<PushPlatform, string>>;
  /** Message previews in pushes (default true); false sends a generic text. */
  readonly preview?: boolean;
  /** Seconds a push job waits, so members who are only reconnecting get none (default 5). */
  readonly delaySeconds?: number;
}

export class ChatBackendStack extends Stack {
  public readonly stage: string;
  public readonly table: ChatTable;
  public readonly auth: ChatAuth;
  public readonly redelivery: RedeliveryQueue;
  public readonly attachments: ChatAttachments;
  public readonly fanOutWorker: FanOutWorker;
  public readonly moderationEvents: ModerationEventBus;
  public readonly functions: ChatFunctions;
  public readonly webSocket: ChatWebSocketApi;
  public readonly monitoring: ChatMonitoring;
  public readonly apiGatewayLoggingRole?: ApiGatewayLoggingRole;
  public readonly push?: ChatPush;

  constructor(scope: Construct, id: string, props: ChatBackendStackProps) {
    super(scope, id, props);
    assertStageName(props.stage);
    this.stage = props.stage;

    const disposable = props.stage === DISPOSABLE_STAGE;
    const removalPolicy = disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const logRetention = disposable ? logs.RetentionDays.ONE_WEEK : logs.RetentionDays.THREE_MONTHS;
    const serviceName = `chat-${props.stage}`;

    this.table = new ChatTable(this, 'Chat', { removalPolicy });
    this.auth = new ChatAuth(this, 'Auth', {
      ...(props.existingUserPool && { existing: props.existingUserPool }),
      removalPolicy,
      selfSignUpEnabled: props.selfSignUpEnabled ?? false,
    });
    this.redelivery = new RedeliveryQueue(this, 'Redelivery', { consumerTimeout: REDELIVERY_TIMEOUT, removalPolicy });
    this.attachments = new ChatAttachments(this, 'Attachments', {
      ...(props.attachmentOrigins && { allowedOrigins: props.attachmentOrigins }),
    });
    const fanOutConcurrency = props.fanOutConcurrency ?? DEFAULT_FAN_OUT_CONCURRENCY;
    this.fanOutWorker = new FanOutWorker(this, 'FanOut', {
      removalPolicy,
      concurrency: fanOutConcurrency === 'none' ? undefined : fanOutConcurrency,
    });
    this.moderationEvents = new ModerationEventBus(this, 'Moderation');
    this.functions = new ChatFunctions(this, 'Functions', {
      table: this.table,
      redeliveryQueue: this.redelivery,
      fanOutWorker: this.fanOutWorker,
      moderationEvents: this.moderationEvents,
      userPoolId: this.auth.userPool.userPoolId,
      userPoolClientId: this.auth.userPoolClient.userPoolClientId,
      serviceName,
      metricsNamespace: METRICS_NAMESPACE,
      logRetention,
      removalPolicy,
      ...(props.handlersDir && { handlersDir: props.handlersDir }),
    });
    if (props.push && Object.values(props.push.applications).some((arn) => arn !== undefined)) {
      this.push = new ChatPush(this, 'Push', {
        table: this.table,
        applications: props.push.applications,
        ...(props.push.preview !== undefined && { preview: props.push.preview }),
        ...(props.push.delaySeconds !== undefined && { delaySeconds: props.push.delaySeconds }),
        messageFunction: this.functions.message,
        messageRole: this.functions.roles.message,
        baseEnvironment: { ...this.functions.baseEnvironment },
        handlersDir: this.functions.handlersDir,
        logRetention,
        removalPolicy,
      });
    }
    this.functions.useAttachments(this.attachments, props.uploads ?? {});
    this.webSocket = new ChatWebSocketApi(this, 'WebSocket', {
      functions: this.functions,
      stageName: props.stage,
      accessLogRetention: logRetention,
      removalPolicy,
      ...(props.throttle && { throttle: props.throttle }),
    });
    this.functions.grantManageConnections(this.webSocket.api, this.webSocket.stage.stageName);

    if (props.manageApiGatewayLogsRole ?? true) {
      this.apiGatewayLoggingRole = new ApiGatewayLoggingRole(this, 'ApiGatewayLogging');
      // The stage's access logging is refused until the account names a logging role.
      this.webSocket.stage.node.addDependency(this.apiGatewayLoggingRole.account);
    }

    this.monitoring = new ChatMonitoring(this, 'Monitoring', {
      functions: this.functions,
      table: this.table,
      webSocket: this.webSocket,
      redeliveryQueue: this.redelivery,
      fanOutWorker: this.fanOutWorker,
      ...(this.push && { push: this.push }),
      metricsNamespace: METRICS_NAMESPACE,
      serviceName,
      ...(props.alarmEmail && { alarmEmail: props.alarmEmail }),
    });

    new CfnOutput(this, 'WebSocketUrl', {
      description: 'Connect here with ?token=<Cognito ID token>',
      value: this.webSocket.url,
    });
    new CfnOutput(this, 'ManagementApiUrl', {
      description: 'The @connections management (callback) API of the stage',
      value: this.webSocket.callbackUrl,
    });
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName });
    new CfnOutput(this, 'AttachmentsBucketName', { value: this.attachments.bucket.bucketName });
    new CfnOutput(this, 'UserPoolId', { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.auth.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'ModerationEventBusName', {
      description: 'reportMessage puts MessageReported events (source chat.moderation) here: route them with a rule',
      value: this.moderationEvents.bus.eventBusName,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}

/** API Gateway stage names and stack names share this alphabet; a bad one fails here instead of mid-deploy. */
export function assertStageName(stage: string): void {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,63}$/.test(stage)) {
    throw new Error(
      `stage: "${stage}" must start with a letter and use only letters, digits and hyphens (at most 64 characters)`,
    );
  }
}
