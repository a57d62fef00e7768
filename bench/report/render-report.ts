// Turns the measurements into the dated Markdown report and its SVG charts. Every figure in the text is computed
// from the measurements of the same run; the prose around them only explains how to read them.
import type { MeasuredOperation } from '../capacity/capacity-bench.js';
import type { CostRow } from '../cost/cost-tables.js';
import { localCapacitySection } from './local-capacity-section.js';
import { dollars, kib, num, table, verdict } from './markdown.js';
import { evaluateTargets, type Target } from './targets.js';
import type { BenchResults, RenderedReport } from './report-types.js';

export type { BenchResults, RenderedReport } from './report-types.js';
import { capacitySection, comparisonSection } from './capacity-section.js';
import { costRows, costSection } from './cost-section.js';
import { localStackSection, rateSection, coldStartSection } from './run-sections.js';
import { sizingSection } from './sizing-section.js';
import { splitFanOutSection } from './split-fanout-section.js';

export function renderReport(results: BenchResults): RenderedReport {
  const charts: RenderedReport['charts'] = [];
  const chartName = (slug: string) => `${results.date}-${slug}.svg`;
  const costs = results.capacity ? costRows(results.capacity) : undefined;
  const targets = evaluateTargets(results, costs);
  const sections: string[] = [];

  sections.push(header(results));
  sections.push(summary(results, targets, costs));
  if (results.localStack)
    sections.push(
      localStackSection(results.localStack, results.localStackSdkClientPosts, chartName('latency'), charts),
    );
  if (results.capacity) sections.push(capacitySection(results.capacity));
  if (results.capacity) sections.push(comparisonSection(results.capacity, chartName('reads-per-message'), charts));
  if (results.capacity && costs)
    sections.push(costSection(results.capacity, costs, chartName('cost-per-delivery'), charts));
  if (results.rate) sections.push(rateSection(results.rate));
  if (results.coldStart) sections.push(coldStartSection(results.coldStart));
  if (results.localCapacity) sections.push(localCapacitySection(results.localCapacity));
  if (results.sizing) sections.push(sizingSection(results.sizing));
  if (results.splitFanOut) sections.push(splitFanOutSection(results.splitFanOut));
  sections.push(findingsSection(results, costs));
  sections.push(reproduceSection(results));
  return { markdown: `${sections.join('\n\n')}\n`, charts };
}

// --- header and summary -------------------------------------------------------------------------------------------

function header(results: BenchResults): string {
  const { machineStart: start, machineEnd: end } = results;
  return [
    `# Benchmarks and cost model: ${results.date}${results.quick ? ' (quick smoke run: too few runs to quote)' : ''}`,
    '',
    `Measured with \`${results.command}\`, started ${results.startedAt}, ${num(results.durationS / 60, 1)} minutes in all. ` +
      `Every figure is the median of ${results.runs} runs unless a range says otherwise ("median (min–max)"); ratios compare figures measured in this same run.`,
    '',
    table(
      ['machine', ''],
      [
        ['OS', start.os],
        ['CPU', `${start.cpuModel}, ${start.cores} cores`],
        ['memory', `${num(start.memoryGiB, 1)} GiB`],
        ['Node.js', start.node],
        ['load average (1, 5, 15 min) at start', start.loadAverage.join(', ')],
        ['load average at end', end.loadAverage.join(', ')],
      ],
      ['l', 'l'],
    ),
    '',
    `The machine was shared with other work while the run went on (a load average above ${start.cores} means processes waited for a core): ` +
      'latencies and rates are those of a busy two-core machine, capacity units and sizes do not depend on it. ' +
      'CPU times per operation are given beside wall times where they matter, because they are much less sensitive to that load.',
  ].join('\n');
}

function summary(results: BenchResults, targets: Target[], costs: CostRow[] | undefined): string {
  const lines = [
    '## Targets',
    '',
    table(
      ['target', 'wanted', 'measured', 'verdict', 'what holds it back, what would fix it'],
      targets.map((t) => [t.name, t.target, t.measured, t.met === undefined ? 'not measured' : verdict(t.met), t.why]),
      ['l', 'l', 'l', 'l', 'l'],
    ),
  ];
  const headline: string[] = [];
  if (results.capacity) {
    const sends = results.capacity.sends;
    const totals = [...new Set(sends.map((s) => s.totalConnections))];
    const largest = Math.max(...totals);
    const smallest = Math.min(...totals);
    const same = sends
      .filter((s) => s.totalConnections === largest)
      .every((s) => {
        const other = sends.find((o) => o.totalConnections === smallest && o.roomSize === s.roomSize);
        return (
          other &&
          other.measured.readUnits.median === s.measured.readUnits.median &&
          other.measured.writeUnits.median === s.measured.writeUnits.median
        );
      });
    const row10 = results.capacity.comparison.find((c) => c.roomSize === 10 && c.totalConnections === largest);
    const send10 = sends.find((s) => s.roomSize === 10 && s.totalConnections === largest);
    if (send10) {
      headline.push(
        `- A sendMessage costs **${num(send10.measured.readUnits.median)} read + ${num(send10.measured.writeUnits.median)} write units** in a room of 10, ` +
          `${same ? '**the same at ' + num(smallest) + ' and ' + num(largest) + ' connections in all**' : '**not** the same at every total (see section 2)'}.`,
      );
    }
    if (row10) {
      headline.push(
        `- The scan-every-connection design reads **${num(row10.scan.readUnits)} units** for the same message at ${num(largest)} connections ` +
          `(${num(row10.scan.readUnits / row10.single.readUnits, 1)}× the single table's reads), and its reads grow with every connection added anywhere.`,
      );
    }
  }
  if (costs) {
    const ours = (size: number) => costs.find((c) => c.design.startsWith('single') && c.roomSize === size);
    const parts = [10, 100, 1000].map((size) => ours(size)).filter((c): c is CostRow => c !== undefined);
    if (parts.length > 0) {
      headline.push(
        `- Cost per million delivered messages: ${parts.map((c) => `room of ${c.roomSize}: **${dollars(c.perMillionDeliveries.total)}** (gateway ${dollars(c.perMillionDeliveries.gateway)})`).join('; ')}.`,
      );
    }
  }
  if (results.localStack) {
    const row = results.localStack.latency.find((l) => l.subscribers === 100);
    const tp = results.localStack.throughput[0];
    if (row)
      headline.push(
        `- Local stack, room of 100: publish → last delivery p50 **${num(row.p50.median, 0)} ms**, p99 **${num(row.p99.median, 0)} ms**.`,
      );
    if (tp)
      headline.push(
        `- Local stack sustains **${num(tp.deliveriesPerSecond.median, 0)} deliveries/s** in a room of ${tp.subscribers} (${tp.senders} senders).`,
      );
  }
  if (results.rate) {
    const deployed = results.rate.rows.filter((r) => r.variant.startsWith('message handler'));
    const sdkClient = results.rate.rows.filter((r) => r.variant.startsWith('same handler'));
    const best = deployed[deployed.length - 1];
    const sdkBest = sdkClient[sdkClient.length - 1];
    if (best) {
      headline.push(
        `- One invocation posts **${num(best.invocationPostsPerSecond.median, 0)}/s** against a 10 ms management API (${num(best.cpuMicrosPerPost.median, 0)} µs CPU per post on the lean post path)` +
          (sdkBest
            ? `; the same handler posting through the AWS SDK client: **${num(sdkBest.invocationPostsPerSecond.median, 0)}/s** (${num(sdkBest.cpuMicrosPerPost.median, 0)} µs per post).`
            : '.'),
      );
    }
  }
  if (results.coldStart) {
    const message = results.coldStart.rows.find((r) => r.handler === 'message' && r.variant === 'as deployed');
    if (message) {
      headline.push(
        `- The message handler's bundle: **${kib(message.bytes)}** (${kib(message.gzipBytes)} gzipped); it loads in **${num(message.loadWithSourceMapsMs.median, 0)} ms** as deployed ` +
          `(${num(message.loadMs.median, 0)} ms without --enable-source-maps, ${num(message.loadCpuMs.median, 0)} ms of CPU).`,
      );
    }
  }
  if (headline.length > 0) lines.push('', '## Headline figures', '', ...headline);
  return lines.join('\n');
}

function findingsSection(results: BenchResults, costs: CostRow[] | undefined): string {
  const findings: string[] = [];
  const deployed = results.rate?.rows.filter((r) => r.variant.startsWith('message handler')) ?? [];
  const sdkClient = results.rate?.rows.filter((r) => r.variant.startsWith('same handler')) ?? [];
  const lean = deployed[deployed.length - 1];
  const sdk = sdkClient[sdkClient.length - 1];
  if (lean) {
    findings.push(
      `1. **Fan-out is CPU-bound in the post path.** Each post costs ${num(lean.cpuMicrosPerPost.median, 0)} µs of CPU on the lean path (SigV4 by @smithy/signature-v4 over the project's keep-alive HTTP/1.1 client) on this machine` +
        `${sdk ? `, against ${num(sdk.cpuMicrosPerPost.median, 0)} µs through the AWS SDK v3 client (middleware stack, endpoint resolution, serialisation)` : ''}. ` +
        `One invocation reaches ${num(lean.invocationPostsPerSecond.median, 0)} posts/s with ${num(lean.averageInFlight, 0)} of its 50 allowed posts in flight on average. ` +
        'On Lambda, CPU grows with memory up to one vCPU at 1,769 MB: lib/chat-functions.ts sizes each function from the model in bench/cost/function-sizing.ts.',
    );
  }
  if (results.capacity) {
    const typing = results.capacity.operations.find((o) => o.operation.startsWith('typing keep-alive'));
    if (typing && typing.failedConditionalWrites > 0) {
      findings.push(
        `2. **A typing keep-alive pays for a failed write.** \`startTyping\` tries a conditional put first and, when the indicator is live and was broadcast less than 3 s ago, falls back to an update: ` +
          `${num(typing.writeUnits.median)} write units for a frame that changes one item. Trying the update first (conditional on "live and recently broadcast") would make keep-alives cost 1 and starts 2 instead; which order is cheaper depends on how often clients send keep-alives.`,
      );
    }
    const hello = results.capacity.operations.find((o) => o.operation === 'hello, user in 100 rooms');
    if (hello) {
      findings.push(
        `3. **hello reads every room with a separate 0.5-unit read** (\`getRooms\` is a BatchGetItem; each room item is rounded up to 4 KB on its own): ${num(hello.readUnits.median)} read units for a user in 100 rooms. ` +
          'Fine at one hello per connection; worth knowing before anything calls it often.',
      );
    }
    // Results saved before the connect rows had a table of their own keep them among the other operations.
    const connections = results.capacity.connections ?? results.capacity.operations;
    const connection = (operation: string) => connections.find((o) => o.operation === operation);
    const connect100 = connection('connect, user in 100 rooms');
    const reconnect100 = connection('reconnect, user in 100 rooms');
    const watch100 = connection('connect (watch mode), user in 100 rooms');
    const subscribe100 = connection('subscribe to one room (watch mode), user in 100 rooms');
    const units = (op: MeasuredOperation) =>
      `${num(op.readUnits.median)} read and ${num(op.writeUnits.median)} write units`;
    if (connect100) {
      findings.push(
        `4. **Presence costs grow with the user's rooms**: a first connection of a user in 100 rooms costs ${units(connect100)} (a subscription per room, and a Query of each room's subscribers to announce presence). ` +
          (reconnect100
            ? `A reconnect within the offline grace period (a flapping mobile connection) costs ${units(reconnect100)}: the subscriptions again, no presence. `
            : '') +
          (watch100 && subscribe100
            ? `In watch mode the connect costs ${units(watch100)} whatever the user's rooms, and the room on screen is paid by its subscribe (${units(subscribe100)}).`
            : ''),
      );
    }
  }
  if (costs) {
    findings.push(
      "5. **No cost grows with connections outside a room** for the single table (section 2 and 3: equal units at both totals), while the scan design's every send reads every connection.",
    );
  }
  return [
    '## Findings',
    '',
    'Nothing in `lambdas/` was changed by the benchmark. What the measurements show about the backend:',
    '',
    ...findings,
  ].join('\n');
}

function reproduceSection(results: BenchResults): string {
  return [
    '## Reproduce',
    '',
    '```sh',
    'npm run bench            # the whole run, about 10 minutes on two cores; writes bench/results/<date>.md and its SVG charts',
    'npm run bench -- --quick # a smoke run in about two minutes, written to bench/tmp/results-quick/',
    '```',
    '',
    `This report: ${results.quick ? 'a quick run' : `${results.runs} runs per figure`}. See bench/README.md for what each section measures.`,
  ].join('\n');
}
