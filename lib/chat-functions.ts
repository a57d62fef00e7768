import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { HandlerName } from '../lambdas/protocol/routes.js';
import { SWEEP_TARGET_SHARDS, type SweepEvent } from '../lambdas/adapters/sweep-targets.js';
import { FUNCTION_NAMES, type FunctionName } from '../lambdas/adapters/function-names.js';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { ChatAttachments } from './chat-attachments.js';
import type { ChatTable } from './chat-table.js';
import { REDELIVERY_MAX_RECEIVES, RedeliveryQueue } from './chat-redelivery-queue.js';
import type { FanOutWorker } from './chat-fan-out-worker.js';
import type { ModerationEventBus } from './chat-moderation-events.js';
import { MANAGEMENT_ACCESS, MODERATION_EVENTS_ACCESS, TABLE_ACCESS } from './table-access.js';
import { createChatFunction, grantTableAccess, type FunctionSettings } from './chat-function-factory.js';

// What bench/ reads from here (how the functions are bundled, and on which runtime) lives with the factory now.
export { CHAT_BUNDLING, CHAT_RUNTIME, ESM_REQUIRE_BANNER, LAMBDA_CREDENTIALS_ALIAS } from './chat-function-factory.js';

/**
 * The seven Lambda functions of this construct: all of FUNCTION_NAMES but the push function, which lib/chat-push.ts
 * makes when the stack has a platform application.
 */
export type ChatFunctionName = Exclude<FunctionName, 'push'>;
export const CHAT_FUNCTION_NAMES: readonly ChatFunctionName[] = FUNCTION_NAMES.filter(
  (name): name is ChatFunctionName => name !== 'push',
);

/** The functions that post to connections, and so may queue what they could not deliver. */
const POSTING_FUNCTIONS = CHAT_FUNCTION_NAMES.filter((name) => name !== 'authorizer');

/** The functions whose events name no API: they are told the management endpoint. */
const ENDPOINT_FUNCTIONS = ['redelivery', 'fanout', 'sweeper'] as const;

/** How often the sweeper looks for connections closed without their $disconnect. */
export const SWEEP_RATE = Duration.minutes(1);

const HANDLERS_DIR = fileURLToPath(new URL('../lambdas/handlers', import.meta.url));

/** The functions of this construct that use the table (all but the authorizer). */
const CHAT_TABLE_USERS = CHAT_FUNCTION_NAMES.filter(
  (name): name is Exclude<ChatFunctionName, 'authorizer'> => name !== 'authorizer',
);

// Memory is sized by measurement (bench/cost/function-sizing.ts, report bench/results/2026-12-03-lean-post.md).
// Lambda gives CPU in proportion to memory, one vCPU at 1,769 MB, and a handler is one Node thread. Work that is
// CPU-bound costs the same GB-seconds at any memory up to one vCPU (half the CPU, twice the time), so the rule is:
// the smallest memory as fast as the fastest (within 10 % or 5 ms) for the function's reference workload, with its
// bundle loaded within 250 ms where someone waits for a cold start, unless that costs over twice the cheapest.
// - message, connect, disconnect: 1,536 MB. Fan-out is CPU-bound (about 340 µs of CPU per signed post and 5 ms per
//   page of 100 subscribers on the build machine, against 50 posts in flight at 10 ms each): a message to a room of
//   100 takes about 80 ms instead of 191 ms at 512 MB, for $1.82 instead of $1.48 per million; a room of 10 costs
//   $1.12 instead of $0.78 per million messages (the gateway bills $12 for the same messages). A connect or
//   disconnect announcing presence to 45 connections: 69 ms instead of 146-156 ms. Loading the 340 KB bundle
//   (143 ms of CPU) takes 165 ms at 1,536 MB, 494 ms at 512 MB.
// - authorizer: 512 MB. Verifying a token is 0.2 ms of CPU at any size, and the per-request price dominates its
//   cost, but its cold start sits in a user's first handshake: the 79 KB bundle (42 ms of CPU) loads in 145 ms at
//   512 MB, 290 ms at 256 MB.
// - redelivery: 512 MB. Ten frames a batch, nobody waiting: 12 ms per batch, within 5 ms of the fastest, at the
//   cheapest price per batch.
// - sweeper: 512 MB, as the redelivery function: nobody waits on it, and a sweep mostly waits on its Query and GET
//   calls (not measured with the bench above).
// Timeouts: API Gateway waits at most 29 s for an integration, so a longer one only lets a function run on after its
// answer is lost; the authorizer's one network call (Cognito's JWKS, on a cold start) takes well under a second.
const SETTINGS: Readonly<Record<ChatFunctionName, FunctionSettings>> = {
  authorizer: {
    description: 'Verifies the Cognito ID token of a WebSocket $connect request',
    memorySize: 512,
    timeout: Duration.seconds(10),
  },
  connect: {
    description: 'WebSocket $connect: records the connection, subscribes it to the user rooms, announces presence',
    memorySize: 1536,
    timeout: Duration.seconds(29),
  },
  disconnect: {
    description: 'WebSocket $disconnect: removes the connection and its subscriptions, announces presence',
    memorySize: 1536,
    timeout: Duration.seconds(29),
  },
  message: {
    description: 'Every chat action ($default and one route per protocol action): one router, one warm function',
    memorySize: 1536,
    timeout: Duration.seconds(29),
  },
  // Ten frames a batch, each with the same bounded retries as a fan-out; no gateway waits on it.
  redelivery: {
    description: 'Posts frames again whose posts kept failing (from the redelivery queue); cleans up gone connections',
    memorySize: 512,
    timeout: Duration.seconds(30),
  },
  // One batch (200 recipients by default) with the same bounded retries as a fan-out; no gateway waits on it.
  fanout: {
    description: "Delivers one batch of a large room's recipients for the message function (asynchronous invoke)",
    memorySize: 512,
    timeout: Duration.seconds(30),
  },
  // Shorter than the schedule's period, so that two sweeps never overlap; a sweep that cannot finish in time leaves
  // the rest to the next one (and fails, which the errors alarm reports).
  sweeper: {
    description: 'Every minute: finds connections closed without their $disconnect, removes them, announces offline',
    memorySize: 512,
    timeout: Duration.seconds(50),
  },
};

/** Each function's memory (MB), for the bench's cost figures. */
export const CHAT_FUNCTION_MEMORY_MB: Readonly<Record<ChatFunctionName, number>> = Object.fromEntries(
  CHAT_FUNCTION_NAMES.map((name) => [name, SETTINGS[name].memorySize]),
) as Record<ChatFunctionName, number>;

/** How long the redelivery function may run: the redelivery queue's visibility timeout follows from it. */
export const REDELIVERY_TIMEOUT = SETTINGS.redelivery.timeout;

export interface ChatFunctionsProps {
  readonly table: ChatTable;
  readonly redeliveryQueue: RedeliveryQueue;
  /** The fan-out worker's asynchronous settings, its dead letters and the message function's grant to invoke it. */
  readonly fanOutWorker: FanOutWorker;
  /** Where reportMessage publishes (MODERATION_EVENT_BUS of the message function). */
  readonly moderationEvents: ModerationEventBus;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  /** POWERTOOLS_SERVICE_NAME: shared by all four, so the dashboard reads one `service` dimension. */
  readonly serviceName: string;
  /** POWERTOOLS_METRICS_NAMESPACE: where the handlers' custom metrics land. */
  readonly metricsNamespace: string;
  readonly logRetention: logs.RetentionDays;
  /** For the functions' log groups: keep them (RETAIN) wherever the data is kept. */
  readonly removalPolicy: RemovalPolicy;
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Folder with the handler entry files (authorizer.ts ... fanout.ts, one per function); defaults to lambdas/handlers. */
  readonly handlersDir?: string;
}

/**
 * The functions, each with its own role (no managed policies: only its own log group, and later the table actions
 * and management API methods it uses) and its own log group with a retention.
 */
export class ChatFunctions extends Construct {
  public readonly authorizer: NodejsFunction;
  public readonly connect: NodejsFunction;
  public readonly disconnect: NodejsFunction;
  public readonly message: NodejsFunction;
  public readonly redelivery: NodejsFunction;
  public readonly fanout: NodejsFunction;
  public readonly sweeper: NodejsFunction;
  /** Runs the sweeper every SWEEP_RATE. */
  public readonly sweepSchedule: events.Rule;
  public readonly roles: Readonly<Record<ChatFunctionName, iam.Role>>;
  public readonly logGroups: Readonly<Record<ChatFunctionName, logs.LogGroup>>;
  /** What every function's environment starts with (Powertools settings, source maps): for functions made elsewhere. */
  public readonly baseEnvironment: Readonly<Record<string, string>>;
  /** Where the handler entry files are. */
  public readonly handlersDir: string;

  constructor(scope: Construct, id: string, props: ChatFunctionsProps) {
    super(scope, id);

    const handlersDir = props.handlersDir ?? HANDLERS_DIR;
    this.handlersDir = handlersDir;
    const powertools = {
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
      POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      // Stack traces point into the TypeScript sources instead of the minified bundle. Worth its price: Node reads
      // and parses the 550 KB map once per execution environment, 6 to 13 ms of a cold start (see CHAT_BUNDLING),
      // which leaves every handler well under 100 ms; warm invocations pay only when an error's stack is printed.
      // A minified position in an error log is of little use to whoever reads it. The maps are generated either way.
      NODE_OPTIONS: '--enable-source-maps',
    };
    this.baseEnvironment = powertools;
    const environment: Readonly<Record<ChatFunctionName, Record<string, string>>> = {
      authorizer: {
        ...powertools,
        USER_POOL_ID: props.userPoolId,
        USER_POOL_CLIENT_ID: props.userPoolClientId,
      },
      connect: {
        ...powertools,
        TABLE_NAME: props.table.table.tableName,
        REDELIVERY_QUEUE_URL: props.redeliveryQueue.queue.queueUrl,
      },
      disconnect: {
        ...powertools,
        TABLE_NAME: props.table.table.tableName,
        REDELIVERY_QUEUE_URL: props.redeliveryQueue.queue.queueUrl,
      },
      message: {
        ...powertools,
        TABLE_NAME: props.table.table.tableName,
        REDELIVERY_QUEUE_URL: props.redeliveryQueue.queue.queueUrl,
        MODERATION_EVENT_BUS: props.moderationEvents.bus.eventBusName,
      },
      // MANAGEMENT_ENDPOINT comes with grantManageConnections, once the API exists.
      redelivery: {
        ...powertools,
        TABLE_NAME: props.table.table.tableName,
        REDELIVERY_QUEUE_URL: props.redeliveryQueue.queue.queueUrl,
        REDELIVERY_MAX_RECEIVES: String(REDELIVERY_MAX_RECEIVES),
      },
      // MANAGEMENT_ENDPOINT likewise.
      fanout: {
        ...powertools,
        TABLE_NAME: props.table.table.tableName,
        REDELIVERY_QUEUE_URL: props.redeliveryQueue.queue.queueUrl,
      },
      // MANAGEMENT_ENDPOINT likewise.
      sweeper: {
        ...powertools,
        TABLE_NAME: props.table.table.tableName,
        REDELIVERY_QUEUE_URL: props.redeliveryQueue.queue.queueUrl,
      },
    };

    const roles = {} as Record<ChatFunctionName, iam.Role>;
    const logGroups = {} as Record<ChatFunctionName, logs.LogGroup>;
    const functions = {} as Record<ChatFunctionName, NodejsFunction>;

    for (const name of CHAT_FUNCTION_NAMES) {
      const made = createChatFunction(this, {
        name,
        entry: `${handlersDir}/${name}.ts`,
        settings: SETTINGS[name],
        environment: environment[name],
        logRetention: props.logRetention,
        removalPolicy: props.removalPolicy,
        ...(name === 'fanout' && { functionOptions: props.fanOutWorker.functionOptions() }),
      });
      functions[name] = made.fn;
      roles[name] = made.role;
      logGroups[name] = made.logGroup;
    }

    this.authorizer = functions.authorizer;
    this.connect = functions.connect;
    this.disconnect = functions.disconnect;
    this.message = functions.message;
    this.redelivery = functions.redelivery;
    this.fanout = functions.fanout;
    this.sweeper = functions.sweeper;
    this.roles = roles;
    props.fanOutWorker.connect(this.message, roles.message, this.fanout);
    this.logGroups = logGroups;

    for (const name of POSTING_FUNCTIONS) props.redeliveryQueue.grantSend(roles[name]);
    for (const name of CHAT_TABLE_USERS) {
      if (MODERATION_EVENTS_ACCESS[name].length > 0) props.moderationEvents.grantPut(roles[name]);
    }
    // ReportBatchItemFailures: only the frames the function could not settle come back (or go to the DLQ).
    this.redelivery.addEventSource(
      new SqsEventSource(props.redeliveryQueue.queue, { batchSize: 10, reportBatchItemFailures: true }),
    );

    // No retries: a failed sweep is followed by the next one a minute later, which does the same work afresh. One
    // target per part of the sweep shards (lambdas/adapters/sweep-targets.ts): the parts run in parallel.
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: 'Runs the chat sweeper',
      schedule: events.Schedule.rate(SWEEP_RATE),
      targets: SWEEP_TARGET_SHARDS.map(
        (shards) =>
          new targets.LambdaFunction(this.sweeper, {
            retryAttempts: 0,
            event: events.RuleTargetInput.fromObject({ shards: [...shards] } satisfies SweepEvent),
          }),
      ),
    });

    for (const handler of CHAT_TABLE_USERS) grantTableAccess(roles[handler], TABLE_ACCESS[handler], props.table);
  }

  /**
   * The message function signs attachment requests (createUpload, getAttachmentUrl, sendMessage's marking,
   * deleteMessage's removal): it is told the bucket and the upload limits, and granted what signing needs on the
   * rooms' prefix only.
   */
  public useAttachments(attachments: ChatAttachments, uploads: { contentTypes?: string[]; maxBytes?: number }): void {
    this.message.addEnvironment('ATTACHMENTS_BUCKET_URL', attachments.bucketUrl);
    if (uploads.contentTypes) this.message.addEnvironment('UPLOAD_CONTENT_TYPES', uploads.contentTypes.join(','));
    if (uploads.maxBytes !== undefined) this.message.addEnvironment('UPLOAD_MAX_BYTES', String(uploads.maxBytes));
    attachments.grantSigning(this.roles.message);
    Validations.of(this.roles.message).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(attachments.bucket.node.defaultChild as CfnElement)}.Arn>/rooms/*]`,
      reason:
        'Object keys are made per upload (rooms/<room>/<random id>/<name>) at run time; the grant is pinned to ' +
        'this bucket, its rooms/ prefix and the five object actions signing needs.',
    });
  }

  /** The function that serves a route of the route table. */
  public forHandler(handler: HandlerName): NodejsFunction {
    return this[handler];
  }

  public get all(): ReadonlyArray<readonly [ChatFunctionName, NodejsFunction]> {
    return CHAT_FUNCTION_NAMES.map((name) => [name, this[name]] as const);
  }

  /**
   * `execute-api:ManageConnections` on this API's stage only, and only for the HTTP methods each function calls on
   * `@connections/{connectionId}`. The trailing `*` stands for the connection id, which exists only at run time:
   * the one wildcard in the functions' policies, acknowledged to cdk-nag for exactly these ARNs.
   */
  public grantManageConnections(api: apigwv2.WebSocketApi, stageName: string): void {
    const apiLogicalId = Stack.of(api).getLogicalId(api.node.defaultChild as CfnElement);
    // SQS events, fan-out batches and the schedule name no API: these functions are told where to post.
    for (const name of ENDPOINT_FUNCTIONS)
      this[name].addEnvironment('MANAGEMENT_ENDPOINT', managementEndpoint(this, api.apiId, stageName));
    for (const handler of POSTING_FUNCTIONS) {
      const methods = MANAGEMENT_ACCESS[handler];
      if (methods.length === 0) continue;
      this.roles[handler].addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ManageConnections',
          actions: ['execute-api:ManageConnections'],
          resources: methods.map((method) => managementArn(this, api.apiId, stageName, method)),
        }),
      );
      Validations.of(this.roles[handler]).acknowledge(
        ...methods.map((method) => ({
          id:
            'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:' +
            `<${apiLogicalId}>/${stageName}/${method}/@connections/*]`,
          reason:
            'The management API addresses each connection by an id API Gateway assigns at connect time, so the ' +
            'policy cannot list them; the ARN is pinned to this API, this stage and the one HTTP method used.',
        })),
      );
    }
  }
}

/** https://<apiId>.execute-api.<region>.<suffix>/<stage>: what the route handlers derive from their events. */
function managementEndpoint(scope: Construct, apiId: string, stageName: string): string {
  const stack = Stack.of(scope);
  return `https://${apiId}.execute-api.${stack.region}.${stack.urlSuffix}/${stageName}`;
}

/** arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/@connections/* */
export function managementArn(scope: Construct, apiId: string, stageName: string, method: string): string {
  return Stack.of(scope).formatArn({
    service: 'execute-api',
    resource: apiId,
    resourceName: `${stageName}/${method}/@connections/*`,
  });
}
