// The sections of the measured runs: the local stack's latency, one invocation's fan-out rate, cold starts.
import type { ColdStartResults } from '../cold-start/cold-start.js';
import type { FanOutRateResults } from '../fanout/invocation-rate.js';
import type { LocalStackResults } from '../fanout/local-stack-fanout.js';
import { renderBarChart } from '../lib/svg-chart.js';
import { kib, num, ranged, table } from './markdown.js';
import type { RenderedReport } from './report-types.js';
import { TARGETS } from './targets.js';

export function localStackSection(
  local: LocalStackResults,
  sdkClient: LocalStackResults | undefined,
  chartFile: string,
  charts: RenderedReport['charts'],
): string {
  const sdkRow = (size: number) => sdkClient?.latency.find((row) => row.subscribers === size);
  charts.push({
    file: chartFile,
    svg: renderBarChart({
      title: 'Publish → last delivery on the local stack',
      subtitle: `median of ${local.latency[0]?.runs ?? 0} runs; WebSocket clients in their own process`,
      yLabel: 'milliseconds',
      series: ['p50', 'p95', 'p99', ...(sdkClient ? ['p50, SDK client posts', 'p99, SDK client posts'] : [])],
      groups: local.latency.map((row) => ({
        label: `room of ${num(row.subscribers)}`,
        values: [
          row.p50.median,
          row.p95.median,
          row.p99.median,
          ...(sdkClient ? [sdkRow(row.subscribers)?.p50.median, sdkRow(row.subscribers)?.p99.median] : []),
        ],
      })),
      log: true,
      reference: { value: TARGETS.p99Room100Ms, label: `target for a room of 100: p99 < ${TARGETS.p99Room100Ms} ms` },
    }),
  });
  const latencyRows = [
    ...local.latency.map((row) => ({ row, poster: 'lean post path (as deployed)' })),
    ...(sdkClient?.latency ?? []).map((row) => ({ row, poster: 'AWS SDK management client' })),
  ];
  return [
    '## 1. Fan-out on the local stack',
    '',
    `The local stack (\`startLocalStack\`, in memory, port 0) runs in its own process; ${num(local.connections)} real \`ws\` clients in the benchmark's process connected with dev tokens ` +
      `in ${num(local.connectSeconds, 1)} s (${num(local.connections / local.connectSeconds, 0)} connects/s, each one authorizer + $connect). ` +
      'Rooms were then written straight into the table (members and subscriptions of the open connections), so a thousand connects did not each announce presence to a room of a thousand. ' +
      "A room of N is the sender plus N−1 receivers. The sender sends one message at a time, at most one every 50 ms (the protocol's 20 frames a second), and the clock stops when the last receiver has it.",
    '',
    table(
      ['room', 'handlers post with', 'messages', 'p50 ms', 'p95 ms', 'p99 ms', 'ack p50 ms', 'stack CPU per delivery'],
      latencyRows.map(({ row, poster }) => [
        `${num(row.subscribers)} subscribers`,
        poster,
        `${row.runs} × ${row.messagesPerRun}`,
        ranged(row.p50),
        ranged(row.p95),
        ranged(row.p99),
        ranged(row.ackP50),
        `${num(row.stackCpuMicrosPerDelivery, 0)} µs`,
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    sdkClient
      ? "The second set of rows is the same stack with one change, made from the benchmark through the stack's `overrides.notifier`: the handlers post through the AWS SDK's PostToConnectionCommand (bench/fanout/sdk-management-http.ts) instead of the lean path. " +
        `It was a separate stack with ${num(sdkClient.connections)} clients, run right after the first.`
      : '',
    '',
    `![publish to last delivery](${chartFile})`,
    '',
    'Sustained deliveries: several senders in one room, each sending its next message when the room has the previous one (closed loop, so nothing piles up unseen), for a fixed time per run.',
    '',
    table(
      ['room', 'senders', 'seconds per run', 'deliveries/s', 'messages/s', 'stack CPU per delivery'],
      local.throughput.map((row) => [
        `${num(row.subscribers)} subscribers`,
        row.senders,
        row.seconds,
        ranged(row.deliveriesPerSecond, 0),
        ranged(row.messagesPerSecond, 1),
        `${num(row.stackCpuMicrosPerDelivery.median, 0)} µs`,
      ]),
    ),
    '',
    'How to read it: the stack does on one machine what AWS spreads over API Gateway, Lambda and DynamoDB. Every delivery is a PostToConnection made by the handler, ' +
      "received by the emulator's management API and written to a socket, all in the stack's process, so the delivery rate is bounded by the CPU per delivery. " +
      '"Stack CPU per delivery" is all of the stack process\'s CPU time during the measured messages divided by their deliveries: in a room of 10 the per-message work (the handler\'s DynamoDB calls, the ack) weighs on it, in large rooms the per-post work. ' +
      'The ack comes back before the broadcast starts (ack p50), as the protocol promises.',
  ].join('\n');
}

// --- section 2 ------------------------------------------------------------------------------------------------------

export function rateSection(rate: FanOutRateResults): string {
  return [
    '## 5. Fan-out rate of one invocation',
    '',
    `The real message handler (\`createMessageHandler\`: DynamoDB store, management-API notifier with its 50 keep-alive sockets, the chat logic's fan-out with 50 posts in flight) ` +
      `sent one message per invocation to a room whose subscribers exist only as subscription items; a management API in another process answered every post after ${rate.delayMs} ms. ` +
      'Two warm-up invocations came first (a warm Lambda has run its code before). The second variant is the same handler posting through the AWS SDK management client (PostToConnectionCommand) instead of the lean path.',
    '',
    table(
      [
        'variant',
        'recipients',
        'invocation ms',
        'posts/s (whole invocation)',
        'posts/s (first to last post)',
        'CPU per post',
        'in flight (max / average)',
        'new sockets',
      ],
      rate.rows.map((row) => [
        row.variant,
        num(row.recipients),
        ranged(row.durationMs, 0),
        ranged(row.invocationPostsPerSecond, 0),
        ranged(row.fanOutPostsPerSecond, 0),
        `${num(row.cpuMicrosPerPost.median, 0)} µs`,
        `${row.maxInFlight} / ${num(row.averageInFlight, 0)}`,
        num(row.newSockets),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `How to read it: with 50 posts in flight and ${rate.delayMs} ms per post the ceiling is 50 / ${rate.delayMs} ms = ${num(50 / (rate.delayMs / 1000))} posts/s. ` +
      'The average in flight (rate × 10 ms) shows how much of that the invocation uses; when it is far below 50 the invocation is waiting for CPU, not for the management API. ' +
      "CPU per post is the handler process's CPU time divided by the posts (the management API runs elsewhere). " +
      `The message function has ${rate.memoryMb} MB on Lambda, ${Math.min(1, rate.memoryMb / 1769).toFixed(2)} of a vCPU, so a CPU-bound fan-out runs at most as fast there as on one core of this machine.`,
  ].join('\n');
}

// --- section 6 ------------------------------------------------------------------------------------------------------

export function coldStartSection(cold: ColdStartResults): string {
  const message = cold.rows.find((r) => r.handler === 'message' && r.variant === 'as deployed');
  return [
    '## 6. Cold start',
    '',
    `Each handler bundled with esbuild exactly as the CDK stack does (\`NodejsFunction\` options in lib/chat-functions.ts: ESM, \`--minify\`, \`--sourcemap\` without sources content, the AWS SDK bundled, \`--target=${cold.target}\`, ` +
      '`--main-fields=module,main`, the `createRequire` banner) into bench/tmp/bundles, then imported in a fresh Node process with the environment the stack sets (placeholder values). ' +
      `Load time is the \`import()\` of the bundle, module-scope wiring included (config, SDK clients, logger); measured under ${cold.nodeVersion} here (Lambda runs Node 24).`,
    '',
    table(
      [
        'handler',
        'variant',
        'bundle',
        'gzipped',
        'source map',
        'load ms',
        'load CPU ms',
        'with --enable-source-maps ms',
        'process start to exit ms',
      ],
      cold.rows.map((row) => [
        row.handler,
        row.variant,
        kib(row.bytes),
        kib(row.gzipBytes),
        kib(row.sourceMapBytes),
        ranged(row.loadMs, 0),
        ranged(row.loadCpuMs, 0),
        ranged(row.loadWithSourceMapsMs, 0),
        ranged(row.processMs, 0),
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    cold.messageProfile
      ? `Where one import of the message bundle spends its time (a CPU profile sampled every 100 µs): ${num(cold.messageProfile.compileMs, 0)} ms compiling the module, ` +
        `${num(cold.messageProfile.bundleCodeMs, 0)} ms running its top-level code (the SDK's, Powertools', zod's and the wiring's module-scope statements); the profile's other ${num(cold.messageProfile.otherMs, 0)} ms are Node's own start-up and loader, which every function pays whatever its code. ` +
        'Both main parts scale with the bundle: less code to ship is less code to compile and run.'
      : '',
    '',
    message
      ? `What the message bundle is made of (esbuild metafile): ${message.packages
          .slice(0, 10)
          .map((p) => `${p.name} ${kib(p.bytes)}`)
          .join(', ')}.`
      : '',
    '',
    "How to read it: the stack deploys with `NODE_OPTIONS=--enable-source-maps`, which makes Node read and parse each module's source map as the module loads; that column is the load time as deployed, and the one the target is judged on. " +
      '"AWS SDK left to the runtime" is the same message handler with the SDK marked external (what `bundleAwsSDK: false` would do): smaller, but the runtime\'s SDK is read from hundreds of files at import.',
  ].join('\n');
}

// --- findings ------------------------------------------------------------------------------------------------------
