// Section 7 of the report: the local stack's capacity under a burst, by where its handlers run, and the profile.
import { ratioPerRound, type LocalCapacityResults } from '../fanout/local-stack-capacity.js';
import { num, ranged, table } from './markdown.js';

export function localCapacitySection(results: LocalCapacityResults): string {
  const { shape } = results;
  const sends = shape.rooms * shape.roomSize * shape.messagesPerMember;
  const perSend = shape.roomSize * shape.devicesPerUser - 1;
  const lines = [
    '## 7. Capacity of the local stack under a burst',
    '',
    `${num(shape.users)} users with ${shape.devicesPerUser} devices each, ${shape.rooms} rooms of ${shape.roomSize} members, every member sending ` +
      `${shape.messagesPerMember} messages at once: ${num(sends)} sends, each delivered to the room's ${perSend} other connections, ` +
      `${num(sends * perSend)} deliveries. The stack runs in its own process, the clients in the benchmark's; each run is a fresh stack. ` +
      'Deliveries per second = deliveries that arrived ÷ time from the first send to the last arrival. The variants alternate, ' +
      'so the ratio compares runs made under the same load of the machine.',
    '',
    table(
      ['handlers', 'deliveries/s', 'deliveries lost', 'stack CPU (cores)', 'runs'],
      results.variants.map((row) => [
        row.variant,
        ranged(row.deliveriesPerSecond, 0),
        ranged(row.lost, 0),
        ranged(row.stackCores, 2),
        row.deliveriesPerSecond.runs,
      ]),
    ),
  ];
  // The thread's gain is measured against the same limit on one event loop: a variant that loses most deliveries
  // has no capacity to compare with (its rate counts only what arrived).
  const names = results.variants.map((row) => row.variant);
  for (const [variant, baseline] of [
    [names.at(-1), names.at(-2)],
    [names.at(-1), names[0]],
  ] as const) {
    if (!variant || !baseline || variant === baseline) continue;
    const ratio = ratioPerRound(results.runs, variant, baseline);
    if (ratio) lines.push('', `Deliveries per second, ${variant} ÷ ${baseline}, per round: **${ranged(ratio, 2)}×**.`);
  }
  for (const { variant, summary } of results.profiles) {
    lines.push(
      '',
      `Where the stack's CPU went in one profiled burst, ${variant} (node --cpu-prof, whole process life, startup included):`,
      '',
    );
    for (const thread of summary.threads) {
      const top = thread.parts
        .filter((part) => part.share >= 0.02)
        .map((part) => `${part.part} ${num(part.share * 100, 0)}%`);
      lines.push(
        `- ${thread.file}: busy ${num(thread.busyMs / 1000, 1)} s of ${num(thread.totalMs / 1000, 1)} s: ${top.join(', ')}`,
      );
    }
  }
  return lines.join('\n');
}
