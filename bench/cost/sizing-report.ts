// The sizing model's tables in Markdown, from measured inputs: the function CPU (bench/cost/function-cpu.ts, saved
// as JSON), the CPU per post (bench/fanout/notifier-cpu.ts) and, optionally, each bundle's load CPU (section 6).
// Usage: npx tsx bench/cost/sizing-report.ts <function-cpu.json> <cpu µs per post> [load-cpu.json]
import { readFileSync } from 'node:fs';
import { table } from '../report/markdown.js';
import {
  DEFAULT_ASSUMPTIONS,
  messageTable,
  MEMORY_CHOICES_MB,
  sizeFunctions,
  type MeasuredCpu,
} from './function-sizing.js';

const ROOM_SIZES = [10, 100, 1_000, 10_000];

export function renderSizing(cpu: MeasuredCpu): string {
  const dollars = (perInvocation: number) => `$${(perInvocation * 1e6).toFixed(2)}`;
  const seconds = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
  const rooms = messageTable(cpu, ROOM_SIZES);
  const sizing = sizeFunctions(cpu);
  return [
    `Assumptions: ${cpu.cpuPerPostUs} µs of CPU per post (lean path, 50 in flight), ${DEFAULT_ASSUMPTIONS.postsInFlight} posts in flight, ` +
      `${DEFAULT_ASSUMPTIONS.postLatencyMs} ms per post at the management API, ${DEFAULT_ASSUMPTIONS.dynamoRoundTripMs} ms per DynamoDB round trip; ` +
      `message: ${cpu.messageBaseMs.toFixed(1)} ms of CPU for the message itself and ${cpu.pageMs.toFixed(1)} ms per further page of 100 subscribers; arm64 prices.`,
    '',
    '**One message, inline fan-out: duration / Lambda cost per million messages** (the gateway adds $1.00 per million deliveries at every size)',
    '',
    table(
      ['subscribers', ...MEMORY_CHOICES_MB.map((mb) => `${mb} MB`)],
      rooms.map((row) => [
        row.subscribers.toLocaleString('en-US'),
        ...row.estimates.map((e) => `${seconds(e.durationMs)} / ${dollars(e.cost)}`),
      ]),
      ['r', ...MEMORY_CHOICES_MB.map(() => 'r' as const)],
    ),
    '',
    '**Each function at its reference workload, and the memory chosen**',
    '',
    table(
      ['function', 'reference workload', 'at 512 MB', 'at 1,769 MB', 'chosen', 'at the chosen memory', 'rule'],
      sizing.map((f) => {
        const at = (mb: number) => f.estimates.find((e) => e.memoryMb === mb)!;
        const chosen = at(f.chosenMb);
        const cold = (e: (typeof f.estimates)[number]) =>
          e.coldStartMs === undefined ? '' : `, load ${seconds(e.coldStartMs)}`;
        return [
          f.name,
          f.reference,
          `${seconds(at(512).durationMs)} / ${dollars(at(512).cost)}${cold(at(512))}`,
          `${seconds(at(1769).durationMs)} / ${dollars(at(1769).cost)}${cold(at(1769))}`,
          `**${f.chosenMb} MB**`,
          `${seconds(chosen.durationMs)} / ${dollars(chosen.cost)}${cold(chosen)}`,
          f.why,
        ];
      }),
    ),
  ].join('\n');
}

if (process.argv[1]?.endsWith('sizing-report.ts')) {
  const measured = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Omit<MeasuredCpu, 'cpuPerPostUs'>;
  const loadCpuMs = process.argv[4]
    ? (JSON.parse(readFileSync(process.argv[4], 'utf8')) as Record<string, number>)
    : undefined;
  console.log(renderSizing({ ...measured, cpuPerPostUs: Number(process.argv[3]), ...(loadCpuMs && { loadCpuMs }) }));
}
