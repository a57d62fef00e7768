// Section 9 of the report: one message to rooms of 1,000 to 50,000, inline against split across workers.
import {
  AWS_THROTTLE_RPS,
  AWS_WORKER_START_S,
  AWS_WORKERS,
  awsProjection,
  boundHere,
  LAMBDA_VCPU_SHARE,
  thresholdOf,
  type SplitFanOutResults,
} from '../fanout/split-fanout.js';
import { dollars, num, table } from './markdown.js';

export function splitFanOutSection(results: SplitFanOutResults): string {
  const { settings } = results;
  const threshold = thresholdOf(results.rows);
  const baseline = results.rows.filter((r) => r.throttleRps === results.throttleRps);
  return [
    '## 9. Rooms of any size: inline fan-out against workers',
    '',
    `One message to a room of N subscribers (subscription items only), sent through the real message handler. ` +
      `**Inline**: the handler posts to every subscriber itself. **Workers**: the same handler serves the first ` +
      `${settings.inlineMax} and hands the rest, in batches of ${settings.batchSize}, to fan-out workers. The workers are ` +
      `**simulated on this machine**: ${results.workers} worker threads of the bench process, each running the real fan-out ` +
      `handler with its own notifier and sockets, one batch at a time (as ${results.workers} Lambda environments with that ` +
      `reserved concurrency would); they start warm, so no cold start is in these times. The management API answers ` +
      `every post after ${results.delayMs} ms and admits **${num(results.throttleRps)} requests a second** (bursts of half ` +
      `that), answering 429 beyond: API Gateway's account throttle of ${num(AWS_THROTTLE_RPS)} a second scaled down ` +
      `by five; the two shared cores did not reach even that, so the last row runs the 10,000 room once more with the ` +
      `throttle at ${num(Math.min(...results.rows.map((r) => r.throttleRps)))} a second, which they do reach. One run per figure. CPU is the bench ` +
      `process's (message handler and worker threads), per post made (throttled attempts included); the machine was ` +
      `shared with other work throughout (see the load average above).`,
    '',
    table(
      [
        'room',
        'variant',
        'throttle',
        'last delivery after',
        'posts/s',
        'CPU per post',
        'throttled (429)',
        'deferred',
        'worker batches',
        'bound here by',
      ],
      results.rows.map((r) => [
        num(r.recipients),
        r.variant,
        `${num(r.throttleRps)}/s`,
        `${num(r.timeToLastDeliveryMs / 1000, 2)} s`,
        num(r.postsPerSecond, 0),
        `${num(r.cpuMicrosPerPost, 0)} µs`,
        num(r.throttled),
        num(r.deferred),
        num(r.batches),
        boundHere(r, results),
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    '"Deferred" frames outlasted the notifier\'s retries (4 attempts with backoff) or the invocation\'s 10 s retry ' +
      'budget, and would go to the redelivery queue (tried again minutes later); "last delivery after" is then the ' +
      'last post the API accepted. On this machine the workers cannot be faster than inline: they share the same two ' +
      'cores (and their CPU per post is higher, the threads contending for them); what they change is that no ' +
      'invocation stops at its budget with most of a large room undelivered. The CPU per post of an inline row with ' +
      'deferred frames includes the work of deferring them, spread over the fewer posts made. The run checks that the API accepted ' +
      'exactly one post per recipient, less the deferred ones, and that no worker failed.',
    '',
    `**On AWS (a model from these measurements).** Each 512 MB function gets ${num(LAMBDA_VCPU_SHARE, 2)} of a vCPU, so ` +
      `a post costing the CPU measured here (each variant's least per post in this run) limits one invocation to about ` +
      `1/(CPU per post × ${num(1 / LAMBDA_VCPU_SHARE, 2)}) posts a second. Inline, a room takes N at that rate, and ` +
      `stops at the invocation's 10 s retry budget (the rest is queued for redelivery); split, the workers add a start ` +
      `of ${AWS_WORKER_START_S} s (an asynchronous invoke and a cold start) and then deliver at ${AWS_WORKERS} (the ` +
      `default reserved concurrency) times that rate, or at the ${num(AWS_THROTTLE_RPS)}/s account throttle, whichever ` +
      `is lower. Cost: the gateway's frames (the message, its ack, each delivery), the functions' CPU time at 512 MB ` +
      `and their requests, the send's DynamoDB units and the query of the subscriptions.`,
    '',
    table(
      [
        'room',
        'variant',
        'time to last delivery on AWS',
        'left for redelivery',
        'bound by',
        'cost per million deliveries',
        'of which gateway',
        'Lambda',
        'DynamoDB',
      ],
      baseline.map((r) => {
        const aws = awsProjection(r, baseline);
        return [
          num(r.recipients),
          r.variant,
          `${num(aws.seconds, 1)} s`,
          num(aws.deferred),
          aws.boundBy,
          dollars(aws.cost.total, 4),
          dollars(aws.cost.gateway, 4),
          dollars(aws.cost.lambda, 4),
          dollars(aws.cost.dynamo, 4),
        ];
      }),
      ['r', 'l', 'r', 'r', 'l', 'r', 'r', 'r', 'r'],
    ),
    '',
    `**The threshold.** Inline, one invocation's CPU allows ${num(threshold.inlinePostsPerSecond, 0)} posts a second on a ` +
      `full core (its least CPU per post in this run); at 512 MB that is about ${num(threshold.lambdaPostsPerSecond, 0)} a second. A worker pays for itself ` +
      `once the recipients it takes would keep the inline invocation busier than the worker's start: ` +
      `${num(threshold.lambdaPostsPerSecond, 0)}/s × ${AWS_WORKER_START_S} s ≈ ${num(threshold.breakEvenRecipients)} ` +
      `recipients. Rooms up to ${settings.inlineMax} stay inline (FANOUT_INLINE_MAX); each worker takes ` +
      `${settings.batchSize} (FANOUT_BATCH_SIZE), about as long to deliver as a cold start takes.`,
  ].join('\n');
}
