// The cost section: dollars per million deliveries and per connection-minute, from the measured units.
import type { CapacityResults } from '../capacity/capacity-bench.js';
import { AWS_PRICES, connectionMinutesCost } from '../cost/cost-model.js';
import { scanDesignCost, singleTableCost, SCAN_DESIGN_MEMORY_MB, type CostRow } from '../cost/cost-tables.js';
import { renderBarChart } from '../lib/svg-chart.js';
import { dollars, num, table } from './markdown.js';
import type { RenderedReport } from './report-types.js';
import { CHAT_FUNCTION_MEMORY_MB } from '../../lib/chat-functions.js';

const MESSAGE_MB = CHAT_FUNCTION_MEMORY_MB.message;
/** Dollars per million messages for every 10 ms of one message-function invocation. */
const TEN_MS = (MESSAGE_MB / 1024) * 0.01 * AWS_PRICES.lambdaPerGbSecond * 1e6;

export function costRows(capacity: CapacityResults): CostRow[] {
  const totals = [...new Set(capacity.sends.map((s) => s.totalConnections))];
  const largest = Math.max(...totals);
  const rows: CostRow[] = [];
  for (const send of capacity.sends.filter((s) => s.totalConnections === largest)) {
    const comparison = capacity.comparison.find((c) => c.totalConnections === largest && c.roomSize === send.roomSize)!;
    const deliveryBytes = send.measured.frames.message?.bytes ?? 0;
    rows.push(
      singleTableCost({
        roomSize: send.roomSize,
        inboundBytes: send.measured.inboundBytes ?? 0,
        ackBytes: send.measured.frames.ack?.bytes ?? 0,
        deliveryBytes,
        readUnits: send.measured.readUnits.median,
        writeUnits: send.measured.writeUnits.median,
        durationMs: comparison.single.latencyMs.median,
        memoryMb: MESSAGE_MB,
      }),
    );
    for (const total of totals) {
      const scan = capacity.comparison.find((c) => c.totalConnections === total && c.roomSize === send.roomSize)!;
      rows.push(
        scanDesignCost({
          roomSize: send.roomSize,
          totalConnections: total,
          inboundBytes: send.measured.inboundBytes ?? 0,
          deliveryBytes,
          readUnits: scan.scan.readUnits,
          durationMs: scan.scan.latencyMs.median,
        }),
      );
    }
  }
  return rows;
}

export function costSection(
  capacity: CapacityResults,
  costs: CostRow[],
  chartFile: string,
  charts: RenderedReport['charts'],
): string {
  const sizes = [...new Set(costs.map((c) => c.roomSize))];
  const totals = [...new Set(costs.filter((c) => c.totalConnections !== undefined).map((c) => c.totalConnections!))];
  const label = (row: CostRow) =>
    row.totalConnections === undefined ? row.design : `${row.design}, ${num(row.totalConnections)} connections`;
  const series = [...new Set(costs.map(label))];
  charts.push({
    file: chartFile,
    svg: renderBarChart({
      title: 'Dollars per million delivered messages',
      subtitle: "API Gateway + Lambda + DynamoDB, list prices; the dashed line is the gateway's own $1.00",
      yLabel: 'USD per million deliveries',
      series,
      groups: sizes.map((size) => ({
        label: `room of ${num(size)}`,
        values: series.map(
          (name) => costs.find((c) => c.roomSize === size && label(c) === name)?.perMillionDeliveries.total,
        ),
      })),
      log: true,
      reference: { value: 1, label: 'API Gateway: $1.00 per million messages' },
      format: (value) => (value >= 10 ? `$${value.toFixed(1)}` : `$${value.toFixed(3)}`),
    }),
  });
  const send1000 = capacity.sends.find((s) => s.roomSize === Math.max(...sizes));
  const userMonth = connectionMinutesCost(1, 8 * 60 * 30);
  return [
    '## 4. Cost model',
    '',
    'Prices (us-east-1 list prices, as given): API Gateway WebSocket $1.00 per million messages, metered in 32 KB steps, and $0.25 per million connection-minutes; ' +
      `Lambda arm64 $${AWS_PRICES.lambdaPerGbSecond} per GB-second and $0.20 per million requests; DynamoDB on demand $0.625 per million write units and $0.125 per million read units.`,
    '',
    'What a message costs, per design:',
    '',
    '- **single table (this backend)**: gateway messages = the inbound frame + the ack + N−1 deliveries (every frame here is far below 32 KB: ' +
      `${send1000 ? `inbound ${num(send1000.measured.inboundBytes ?? 0)} B, ack ${num(send1000.measured.frames.ack?.bytes ?? 0)} B, delivery ${num(send1000.measured.frames.message?.bytes ?? 0)} B` : 'see section 2'}); ` +
      `one message-function invocation at ${MESSAGE_MB} MB (lib/chat-functions.ts) for the **measured** send time of section 3 (this machine, dynalite, a 10 ms management API), billed per started millisecond; the units of section 2.`,
    `- **scan design**: the inbound frame + N posts (the sample echoes to the sender instead of acking); one invocation at ${SCAN_DESIGN_MEMORY_MB} MB (the sample's template) for its measured send time; the Scan's read units; no writes.`,
    "- Deliveries per message: N−1 in both (the sender's echo is not a delivery, as the ack is not).",
    '',
    table(
      [
        'room',
        'design',
        'gateway msgs per message',
        'Lambda MB × ms (measured)',
        'per million messages',
        'gateway',
        'Lambda',
        'DynamoDB',
        'per million deliveries',
      ],
      costs.map((row) => [
        num(row.roomSize),
        label(row),
        num(row.gatewayMessagesPerMessage),
        `${row.lambdaMemoryMb} × ${num(row.lambdaDurationMs, 0)}`,
        dollars(row.perMillionMessages.total, 2),
        dollars(row.perMillionMessages.gateway, 2),
        dollars(row.perMillionMessages.lambdaRequests + row.perMillionMessages.lambdaDuration, 3),
        dollars(row.perMillionMessages.dynamoReads + row.perMillionMessages.dynamoWrites, 3),
        `**${dollars(row.perMillionDeliveries.total, 3)}**`,
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    `The Lambda durations are this run's send times (section 3), on a busy machine against dynalite: on AWS, with DynamoDB and the management API a few milliseconds away, they would be shorter. ` +
      `Their weight: every 10 ms of a ${MESSAGE_MB} MB invocation adds ${dollars(TEN_MS, 3)} per million messages, ` +
      `${dollars(TEN_MS / 9, 4)} per million deliveries in a room of 10 and ${dollars(TEN_MS / 99, 5)} in a room of 100.`,
    '',
    `![cost per million deliveries](${chartFile})`,
    '',
    'Connection-minutes are the same for both designs and do not depend on messages: ' +
      `a user connected 8 hours a day for 30 days costs ${dollars(userMonth, 4)} a month in connection-minutes (${num(8 * 60 * 30)} minutes at $0.25 per million), ` +
      `${dollars(connectionMinutesCost(10_000, 8 * 60 * 30), 2)} a month for 10,000 such users. They are left out of the per-message figures. ` +
      `Connect and disconnect are billed per connection, not per message (section 2; at ${totals.length > 0 ? num(Math.max(...totals)) : '—'} connections the scan design's are cheaper: it does nothing but put and delete one item).`,
    '',
    "How to read it: API Gateway's $1.00 per million is the floor for a delivery. In small rooms the inbound frame and the ack are a large share ((N+1)/(N−1) gateway messages per delivery), " +
      "so the per-delivery price falls toward $1.00 as rooms grow. Lambda and DynamoDB add little to the single table at any room size; for the scan design, the Scan's reads dominate in small rooms as soon as there are thousands of connections in all.",
  ].join('\n');
}

// --- section 5 ------------------------------------------------------------------------------------------------------
