import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { MetricName, RoomSizeBucket } from '../lambdas/chat/ports.js';
import type { FanOutWorker } from './chat-fan-out-worker.js';
import type { ChatFunctionName, ChatFunctions } from './chat-functions.js';
import type { ChatPush } from './chat-push.js';
import type { RedeliveryQueue } from './chat-redelivery-queue.js';
import type { ChatTable } from './chat-table.js';
import type { ChatWebSocketApi } from './chat-websocket-api.js';
import { capitalize } from './naming.js';

/**
 * The custom metrics the handlers publish with Powertools. `satisfies` plus the exhaustiveness check below make the
 * build fail when the chat logic adds or renames a metric the dashboard does not know.
 */
export const CHAT_METRICS = [
  'ConnectionsOpened',
  'ConnectionsClosed',
  'MessagesSent',
  'Deliveries',
  'FanOutFailures',
  'GoneConnections',
  'ActionErrors',
  'FramesQueued',
  'FramesRedelivered',
  'FramesGivenUp',
  'FanOutBatchesDispatched',
  'FanOutBatchesInline',
  'MessagesReported',
  'ModerationEventsFailed',
  'ConnectionsSwept',
  'AttachmentRemovalFailures',
  'ConnectionsSilent',
] as const satisfies readonly MetricName[];
/** The push function's metrics: on the dashboard when push notifications are deployed. */
export const PUSH_METRICS = [
  'PushesSent',
  'PushEndpointsRemoved',
  'PushFailures',
] as const satisfies readonly MetricName[];
type Missing = Exclude<MetricName, (typeof CHAT_METRICS)[number] | (typeof PUSH_METRICS)[number]>;
const everyMetricListed: Missing extends never ? true : Missing = true;
void everyMetricListed;

/** The roomSize dimension of FanOutDuration, smallest first. */
export const ROOM_SIZE_BUCKETS: readonly RoomSizeBucket[] = ['≤100', '≤1k', '≤10k', '>10k'];

const PERIOD = Duration.minutes(5);

export interface ChatMonitoringProps {
  readonly functions: ChatFunctions;
  readonly table: ChatTable;
  readonly webSocket: ChatWebSocketApi;
  readonly redeliveryQueue: RedeliveryQueue;
  /** The push queue and function, when push notifications are deployed. */
  readonly push?: ChatPush;
  readonly fanOutWorker: FanOutWorker;
  /** Where the handlers' Powertools metrics land (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
  /** Powertools adds it as the `service` dimension of every metric (POWERTOOLS_SERVICE_NAME). */
  readonly serviceName: string;
  /** Subscribe this address to the alarm topic (it must confirm the subscription). */
  readonly alarmEmail?: string;
}

/**
 * Alarms on what needs a person (function errors and throttles, API integration and execution errors, table
 * throttles), all sent to one SNS topic, and a dashboard of connections, messages, fan-out and latency.
 */
export class ChatMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ChatMonitoringProps) {
    super(scope, id);
    const { functions, webSocket, table } = props;

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Chat backend alarms',
      enforceSSL: true,
    });
    Validations.of(this.alarmTopic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry metric names and thresholds, no chat data. CloudWatch cannot publish to a topic ' +
        'encrypted with the AWS-managed SNS key, so encryption would need a customer key ($1/month) for no gain.',
    });
    if (props.alarmEmail) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const apiMetric = (metricName: string, statistic = cloudwatch.Stats.SUM) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: { ApiId: webSocket.api.apiId, Stage: webSocket.stage.stageName },
        statistic,
        period: PERIOD,
      });
    const chatMetric = (metricName: (typeof CHAT_METRICS)[number] | (typeof PUSH_METRICS)[number]) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { service: props.serviceName },
        statistic: cloudwatch.Stats.SUM,
        period: PERIOD,
      });

    const alarms: cloudwatch.Alarm[] = [];
    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // No traffic is no problem.
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      created.addOkAction(new actions.SnsAction(this.alarmTopic));
      alarms.push(created);
      return created;
    };

    for (const [name, fn] of functions.all) {
      const label = capitalize(name);
      // The handlers answer bad input with error frames; a Lambda error is a crash or a timeout: always a bug.
      alarm(`${label}Errors`, fn.metricErrors({ period: PERIOD }), 1, `The ${name} function failed (crash or timeout)`);
      alarm(
        `${label}Throttles`,
        fn.metricThrottles({ period: PERIOD }),
        1,
        name === 'fanout'
          ? 'Fan-out workers were throttled: large rooms use all of their reserved concurrency, and batches wait'
          : `The ${name} function was throttled: the account's concurrency limit is reached`,
      );
    }

    // WebSocket APIs publish no 5XX metric: IntegrationError counts integration failures (the function errored or
    // timed out), ExecutionError failures inside API Gateway itself. A few are transient, so the threshold is 5.
    alarm('ApiIntegrationErrors', apiMetric('IntegrationError'), 5, 'The WebSocket API got errors from its functions');
    alarm('ApiExecutionErrors', apiMetric('ExecutionError'), 5, 'The WebSocket API failed to run its integrations');

    // On-demand tables still throttle beyond a partition's or the account's limits; the store retries, but
    // sustained throttling shows as slow or failed actions.
    const tableThrottles = new cloudwatch.MathExpression({
      expression: 'tableReads + tableWrites + indexReads + indexWrites',
      usingMetrics: {
        tableReads: table.table.metric('ReadThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        tableWrites: table.table.metric('WriteThrottleEvents', { statistic: cloudwatch.Stats.SUM, period: PERIOD }),
        indexReads: table.table.metric('ReadThrottleEvents', {
          statistic: cloudwatch.Stats.SUM,
          period: PERIOD,
          dimensionsMap: { TableName: table.table.tableName, GlobalSecondaryIndexName: table.userIndexName },
        }),
        indexWrites: table.table.metric('WriteThrottleEvents', {
          statistic: cloudwatch.Stats.SUM,
          period: PERIOD,
          dimensionsMap: { TableName: table.table.tableName, GlobalSecondaryIndexName: table.userIndexName },
        }),
      },
      label: 'Throttled reads and writes',
      period: PERIOD,
    });
    alarm('TableThrottles', tableThrottles, 1, 'DynamoDB throttled reads or writes of the chat table or its index');

    // Frames no try could deliver: clients close such gaps with getHistory, but a sick delivery path needs a person.
    const deadLetters = props.redeliveryQueue.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: cloudwatch.Stats.MAXIMUM,
    });
    alarm(
      'RedeliveryDeadLetters',
      deadLetters,
      1,
      'Frames sit in the redelivery dead-letter queue: no try delivered them',
    );
    alarm(
      'FramesGivenUp',
      chatMetric('FramesGivenUp'),
      1,
      'The redelivery function gave frames up after their last try',
    );
    const pushRow = props.push ? this.pushAlarms(props.push, alarm, chatMetric) : [];
    // Batches of a large room that failed three tries (or waited 15 minutes): their recipients miss those frames.
    const fanOutDeadLetters = props.fanOutWorker.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: cloudwatch.Stats.MAXIMUM,
    });
    alarm(
      'FanOutDeadLetters',
      fanOutDeadLetters,
      1,
      "Fan-out batches sit in the worker's dead-letter queue: no try delivered them",
    );
    // A report is stored either way, but moderation only hears of it through the event.
    alarm(
      'ModerationEventsFailed',
      chatMetric('ModerationEventsFailed'),
      1,
      'Reports were stored but their moderation events could not be published',
    );
    this.alarms = alarms;

    // One metric per invocation's share of a room fan-out: the maximum is the time to the room's last delivery.
    const fanOutDuration = (roomSize: RoomSizeBucket, statistic: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: 'FanOutDuration',
        dimensionsMap: { service: props.serviceName, roomSize },
        statistic,
        period: PERIOD,
        label: `${roomSize} ${statistic}`,
      });

    const lambdaWidget = (title: string, metric: (name: ChatFunctionName) => cloudwatch.IMetric) =>
      new cloudwatch.GraphWidget({
        title,
        width: 8,
        left: functions.all.map(([name]) => metric(name)),
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Connections',
            width: 8,
            left: [
              chatMetric('ConnectionsOpened'),
              chatMetric('ConnectionsClosed'),
              chatMetric('ConnectionsSwept'),
              chatMetric('ConnectionsSilent'),
              apiMetric('ConnectCount').with({ label: 'API Gateway connects' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Messages',
            width: 8,
            left: [chatMetric('MessagesSent'), apiMetric('MessageCount').with({ label: 'API Gateway frames' })],
            right: [chatMetric('Deliveries')],
          }),
          new cloudwatch.GraphWidget({
            title: 'Fan-out failures and errors',
            width: 8,
            left: [chatMetric('FanOutFailures'), chatMetric('GoneConnections'), chatMetric('ActionErrors')],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'API latency (integration, ms)',
            width: 8,
            left: [
              apiMetric('IntegrationLatency', cloudwatch.Stats.p(50)),
              apiMetric('IntegrationLatency', cloudwatch.Stats.p(90)),
              apiMetric('IntegrationLatency', cloudwatch.Stats.p(99)),
            ],
          }),
          lambdaWidget('Function duration p99 (ms)', (name) =>
            functions[name].metricDuration({ period: PERIOD, statistic: cloudwatch.Stats.p(99), label: name }),
          ),
          new cloudwatch.GraphWidget({
            title: 'API errors',
            width: 8,
            left: [apiMetric('IntegrationError'), apiMetric('ExecutionError'), apiMetric('ClientError')],
          }),
        ],
        [
          lambdaWidget('Function errors', (name) => functions[name].metricErrors({ period: PERIOD, label: name })),
          lambdaWidget('Function throttles', (name) =>
            functions[name].metricThrottles({ period: PERIOD, label: name }),
          ),
          new cloudwatch.GraphWidget({
            title: 'Table capacity and throttles',
            width: 8,
            left: [
              table.table.metricConsumedReadCapacityUnits({ period: PERIOD }),
              table.table.metricConsumedWriteCapacityUnits({ period: PERIOD }),
            ],
            right: [tableThrottles],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Redelivery of frames whose posts kept failing',
            width: 16,
            left: [chatMetric('FramesQueued'), chatMetric('FramesRedelivered'), chatMetric('FramesGivenUp')],
            right: [
              props.redeliveryQueue.queue.metricApproximateNumberOfMessagesVisible({
                period: PERIOD,
                label: 'Queued now',
              }),
              deadLetters.with({ label: 'Dead letters' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Reports, moderation events and attachment removals',
            width: 8,
            left: [
              chatMetric('MessagesReported'),
              chatMetric('ModerationEventsFailed'),
              chatMetric('AttachmentRemovalFailures'),
            ],
          }),
        ],
        ...(pushRow.length > 0 ? [pushRow] : []),
        [
          new cloudwatch.GraphWidget({
            title: 'Fan-out latency by room size: start to last delivery (ms, p50 and max)',
            width: 16,
            left: ROOM_SIZE_BUCKETS.flatMap((bucket) => [
              fanOutDuration(bucket, cloudwatch.Stats.p(50)),
              fanOutDuration(bucket, cloudwatch.Stats.MAXIMUM),
            ]),
          }),
          new cloudwatch.GraphWidget({
            title: 'Fan-out workers',
            width: 8,
            left: [chatMetric('FanOutBatchesDispatched'), chatMetric('FanOutBatchesInline')],
            right: [fanOutDeadLetters.with({ label: 'Dead letters' })],
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 24, alarms })],
      ],
    });
  }

  /** The push function's errors and throttles, and jobs in its dead-letter queue; the dashboard row that shows them. */
  private pushAlarms(
    push: ChatPush,
    alarm: (id: string, metric: cloudwatch.IMetric, threshold: number, description: string) => cloudwatch.Alarm,
    chatMetric: (name: (typeof PUSH_METRICS)[number]) => cloudwatch.Metric,
  ): cloudwatch.IWidget[] {
    // A push function error is a crash or a timeout, or a job that failed in part (it comes back, and its retry sends
    // only what was not sent): worth a look either way.
    alarm('PushErrors', push.function.metricErrors({ period: PERIOD }), 1, 'The push function failed');
    alarm(
      'PushThrottles',
      push.function.metricThrottles({ period: PERIOD }),
      1,
      "The push function was throttled: the account's concurrency limit is reached",
    );
    const deadJobs = push.jobs.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: cloudwatch.Stats.MAXIMUM,
    });
    alarm('PushDeadLetters', deadJobs, 1, 'Push jobs sit in the push dead-letter queue: every try of them failed');
    return [
      new cloudwatch.GraphWidget({
        title: 'Push notifications',
        width: 24,
        left: [chatMetric('PushesSent'), chatMetric('PushEndpointsRemoved'), chatMetric('PushFailures')],
        right: [
          push.jobs.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'Jobs queued now' }),
          deadJobs.with({ label: 'Dead jobs' }),
        ],
      }),
    ];
  }
}
