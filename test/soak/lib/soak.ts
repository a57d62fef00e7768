// The soak run: many connections in many rooms on the real local stack, many senders at once, some clients
// churning, then every delivery checked against the history stored in the table. `npm run soak` runs it at full
// size; test/reliability runs a small one as part of `npm test`.
import { randomBytes } from 'node:crypto';
import { cpus, totalmem, type as osType, release as osRelease } from 'node:os';
import type { Message } from '../../../lambdas/protocol/index.js';
import { latencySummary, type LatencySummary } from '../../../bench/lib/stats.js';
import { ChurningClient } from './churning-client.js';
import {
  checkChurningClients,
  checkHistory,
  checkRawDeliveries,
  sentKey,
  type ChurnFindings,
  type Delivery,
  type HistoryFindings,
  type RawConnectionRecord,
  type RawFindings,
  type SentRecord,
} from './delivery-check.js';
import { NoAnswer, sleep, type Frame, type ProbeSocket } from './probe-socket.js';
import { startProbedStack } from './probed-stack.js';
import { connectTo, inProcess, startStackProcess, type SoakStack } from './soak-stack.js';
import { planSoak, soakContent, type PlannedConnection } from './soak-plan.js';

export interface SoakOptions {
  rooms: number;
  connections: number;
  churningClients: number;
  twoDeviceUsers: number;
  messages: number;
  /** Exactly this many members per room (see planSoak). */
  membersPerRoom?: number;
  /**
   * A share of posts (0 to 1) the proxy in front of @connections answers with a timeout, a reset or a 500. Retried
   * posts may then arrive twice: a delivery counts once per seq (as clients de-duplicate), repeats are reported.
   */
  faultShare?: number;
  /** Each sender spreads its messages over about this long (the run takes longer if the stack is slower). */
  sendPhaseMs: number;
  /** Sends in flight at once, all raw senders together. */
  maxInFlight: number;
  churn: { downMs: number; periodMs: number };
  /** Connections opened at once while setting up. */
  connectConcurrency: number;
  /** After the last send, how long to wait for deliveries still on their way. */
  settleMs: number;
  /** Runs the stack in a child process, so it has a core to itself (the clients stay in this one). */
  stackProcess?: boolean;
  log?: (line: string) => void;
}

export interface SoakReport {
  ok: boolean;
  problems: string[];
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; os: string; node: string };
  stack: SoakStack['where'];
  options: Omit<SoakOptions, 'log'>;
  durationsMs: { connect: number; rooms: number; send: number; settle: number; total: number };
  /** Stored messages per second over the send phase. */
  messagesPerSecond: number;
  sends: {
    acked: number;
    retried: number;
    rateLimited: number;
    repeatedAnswers: number;
    ackLatencyMs?: LatencySummary;
  };
  history: HistoryFindings;
  raw: RawFindings;
  /** For churning clients that miss messages: what the gateway and the table say about their connections. */
  diagnosis: string[];
  churn: ChurnFindings & {
    drops: number;
    dropsByGateway: number;
    reconnects: number;
    catchUpMs?: LatencySummary;
  };
}

const SEND_ATTEMPTS = 6;
const ANSWER_TIMEOUT_MS = 30_000;

class Semaphore {
  private waiting: Array<() => void> = [];
  constructor(private available: number) {}
  async take(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }
}

async function runLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function machine(): SoakReport['machine'] {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${osRelease()}`,
    node: process.version,
  };
}

export async function runSoak(options: SoakOptions, existing?: SoakStack): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const runId = randomBytes(3).toString('hex');
  const plan = planSoak({ runId, ...options });
  const probed =
    existing ??
    (options.stackProcess
      ? await startStackProcess({ faultShare: options.faultShare ?? 0 })
      : inProcess(await startProbedStack()));
  if (!existing && !options.stackProcess && options.faultShare) throw new Error('faultShare needs the stack process');
  const started = Date.now();
  const sockets = new Map<string, ProbeSocket>();
  const rawRecords = new Map<string, RawConnectionRecord>();
  const churners = new Map<string, ChurningClient>();
  const roomIds: string[] = [];
  const userRooms = new Map(plan.users.map((user) => [user.userId, user.rooms]));
  const sent = new Map<string, SentRecord>();
  const acked = new Map<string, Message>();
  const ackLatencies: number[] = [];
  const problems: string[] = [];
  let retried = 0;
  let rateLimited = 0;

  try {
    // ---- Connect ------------------------------------------------------------------------------------------------
    log(`connecting ${plan.connections.length} connections (${options.churningClients} churning SDK clients)`);
    const rawConnections = plan.connections.filter((c) => c.kind === 'raw');
    await runLimited(rawConnections, options.connectConcurrency, async (planned) => {
      const { socket } = await connectTo(probed, planned.userId, { label: planned.label, keepEvents: false });
      const record: RawConnectionRecord = {
        label: planned.label,
        userId: planned.userId,
        roomIds: new Set(),
        deliveries: [],
      };
      socket.onEvent = (frame, at) => {
        if (frame.type !== 'message') return;
        const message = frame.message as Message;
        const delivery: Delivery = {
          roomId: String(frame.roomId),
          id: message.id,
          seq: message.seq,
          content: message.content,
          at,
        };
        record.deliveries.push(delivery);
      };
      sockets.set(planned.label, socket);
      rawRecords.set(planned.label, record);
    });
    for (const planned of plan.connections.filter((c) => c.kind === 'churning')) {
      const churner = new ChurningClient({
        url: probed.wsUrl,
        userId: planned.userId,
        mintToken: () => probed.mintToken(planned.userId),
        deleteConnection: async (userId) => {
          const id = probed.connectionsOf(userId).at(-1);
          return id === undefined ? undefined : probed.deleteConnection(id);
        },
        schedule: {
          ...options.churn,
          // Spread over the period, so some client is always down while messages flow.
          firstDropAfterMs:
            500 +
            Math.floor(Math.random() * Math.max(1, Math.min(options.churn.periodMs, options.sendPhaseMs) - 2_000)),
        },
      });
      churners.set(planned.label, churner);
    }
    await runLimited([...churners.values()], options.connectConcurrency, (churner) => churner.client.connect());
    const connected = Date.now();

    // ---- Rooms --------------------------------------------------------------------------------------------------
    log(`creating ${plan.rooms.length} rooms`);
    const roomJoinedSeen = new Map<string, number>();
    for (const [label, socket] of sockets) {
      socket.onEvent = ((onMessage) => (frame: Frame, at: number) => {
        if (frame.type === 'roomJoined') roomJoinedSeen.set(label, (roomJoinedSeen.get(label) ?? 0) + 1);
        onMessage?.(frame, at);
      })(socket.onEvent);
    }
    await runLimited(plan.rooms, 8, async (room) => {
      const creator = sockets.get(room.creator.label)!;
      const ack = await creator.ack(
        'createRoom',
        {
          name: `soak room ${room.index}`,
          memberIds: room.memberIds.filter((id) => id !== room.creator.userId),
        },
        { timeoutMs: ANSWER_TIMEOUT_MS },
      );
      roomIds[room.index] = (ack.room as { roomId: string }).roomId;
    });
    for (const record of rawRecords.values()) {
      for (const index of userRooms.get(record.userId)!) record.roomIds = new Set([...record.roomIds, roomIds[index]!]);
    }
    // Every member connection but the creating one hears roomJoined; once all have, every subscription is in place.
    const expectedJoins = new Map<string, number>();
    for (const connection of rawConnections) {
      const creates = plan.rooms.filter((room) => room.creator.label === connection.label).length;
      expectedJoins.set(connection.label, userRooms.get(connection.userId)!.length - creates);
    }
    await waitUntil(
      () =>
        [...expectedJoins].every(([label, count]) => (roomJoinedSeen.get(label) ?? 0) >= count) &&
        [...churners.values()].every((churner) =>
          userRooms.get(churner.userId)!.every((index) => churner.client.room(roomIds[index]!)),
        ),
      'every member heard of its rooms',
      60_000,
    );
    const roomsReady = Date.now();

    // ---- Send ---------------------------------------------------------------------------------------------------
    log(`sending ${options.messages} messages`);
    for (const churner of churners.values()) churner.start();
    const inFlight = new Semaphore(options.maxInFlight);

    const rawSender = async (planned: PlannedConnection) => {
      const socket = sockets.get(planned.label)!;
      const interval = options.sendPhaseMs / Math.max(1, planned.messageCount);
      // A random start, so senders do not move in step.
      await sleep(Math.random() * interval);
      for (let n = 0; n < planned.messageCount; n++) {
        const slotStart = Date.now();
        const rooms = userRooms.get(planned.userId)!;
        const roomId = roomIds[rooms[n % rooms.length]!]!;
        const clientMessageId = `${planned.label}-${n}`;
        const content = soakContent(planned.label, n);
        const record: SentRecord = { label: planned.label, content, sentAt: Date.now() };
        sent.set(sentKey(roomId, planned.userId, clientMessageId), record);
        let message: Message | undefined;
        for (let attempt = 1; !message; attempt++) {
          await inFlight.take();
          let answer: Frame | undefined;
          const askedAt = Date.now();
          try {
            answer = await socket.request(
              'sendMessage',
              { roomId, clientMessageId, content },
              { timeoutMs: ANSWER_TIMEOUT_MS },
            );
          } catch (error) {
            if (!(error instanceof NoAnswer)) throw error;
          } finally {
            inFlight.give();
          }
          if (answer?.type === 'ack') {
            message = answer.message as Message;
            ackLatencies.push(Date.now() - askedAt);
            break;
          }
          if (answer?.code === 'RATE_LIMITED') rateLimited += 1;
          else if (answer && answer.code !== 'INTERNAL')
            throw new Error(`${planned.label}: sendMessage refused: ${JSON.stringify(answer)}`);
          if (attempt >= SEND_ATTEMPTS) throw new Error(`${planned.label}: sendMessage failed ${attempt} times`);
          // The same clientMessageId: the server stores it once, however many attempts reach it.
          retried += 1;
          await sleep(200 * attempt);
        }
        acked.set(message.id, message);
        await sleep(Math.max(0, interval - (Date.now() - slotStart)));
      }
    };

    const churnSender = async (planned: PlannedConnection) => {
      const churner = [...churners.values()].find((c) => c.userId === planned.userId)!;
      const interval = options.sendPhaseMs / Math.max(1, planned.messageCount);
      await sleep(Math.random() * interval);
      const pending: Promise<void>[] = [];
      for (let n = 0; n < planned.messageCount; n++) {
        const rooms = userRooms.get(planned.userId)!;
        const roomId = roomIds[rooms[n % rooms.length]!]!;
        const clientMessageId = `${planned.label}-${n}`;
        const content = soakContent(planned.label, n);
        sent.set(sentKey(roomId, planned.userId, clientMessageId), { label: planned.label, content });
        // Queued in the SDK's outbox, sent again after each reconnect until the server acks it.
        pending.push(
          churner.client
            .sendMessage(roomId, content, { clientMessageId })
            .then((message) => void acked.set(message.id, message)),
        );
        await sleep(interval);
      }
      await Promise.all(pending);
    };

    let progressTimer: NodeJS.Timeout | undefined;
    const sendStarted = Date.now();
    progressTimer = setInterval(() => log(`  ${acked.size} of ${options.messages} messages stored`), 5_000);
    try {
      await Promise.all(
        plan.connections.map((planned) => (planned.kind === 'raw' ? rawSender(planned) : churnSender(planned))),
      );
    } finally {
      clearInterval(progressTimer);
      progressTimer = undefined;
    }
    const sendEnded = Date.now();
    log(`all ${acked.size} messages acked in ${((sendEnded - sendStarted) / 1000).toFixed(1)} s; settling`);

    // ---- Settle and check ---------------------------------------------------------------------------------------
    await Promise.all([...churners.values()].map((churner) => churner.stop()));
    const history = await readHistory(probed, roomIds);
    const expectedRaw = () => checkRawDeliveries(history, sent, [...rawRecords.values()]);
    const churnRecords = () =>
      [...churners.values()].map((churner) => ({
        userId: churner.userId,
        roomIds: new Set(userRooms.get(churner.userId)!.map((index) => roomIds[index]!)),
        emitted: churner.emitted,
        seenLive: churner.seenLive,
      }));
    await waitUntil(
      () => expectedRaw().missing === 0 && checkChurningClients(history, churnRecords()).missing === 0,
      'every delivery',
      options.settleMs,
    ).catch(() => undefined);
    // Anything still arriving now would be a duplicate: give it a moment to show.
    await sleep(500);
    const settled = Date.now();

    const historyFindings = checkHistory(history, sent, acked);
    const raw = checkRawDeliveries(history, sent, [...rawRecords.values()]);
    const churnFindings = checkChurningClients(history, churnRecords());
    const catchUps = [...churners.values()].flatMap((churner) => churner.catchUpMs);
    const allViolations = [...sockets.values()].flatMap((socket) =>
      socket.violations.map((v) => `${socket.label}: ${v}`),
    );
    // With faults, an answer whose post was retried may arrive twice (docs/PROTOCOL.md): counted, not a violation.
    const isRepeatedAnswer = (violation: string) =>
      Boolean(options.faultShare) && /: answer number \d+ for requestId /.test(violation);
    const repeatedAnswers = allViolations.filter(isRepeatedAnswer).length;
    const violations = allViolations.filter((violation) => !isRepeatedAnswer(violation));

    if (historyFindings.messagesStored !== options.messages)
      problems.push(`stored ${historyFindings.messagesStored} of ${options.messages} messages`);
    for (const [name, value] of Object.entries({
      'duplicate clientMessageIds in history': historyFindings.duplicateClientMessageIds,
      'stored content altered': historyFindings.contentAltered,
      'acked but not stored': historyFindings.ackedButNotStored,
      'raw deliveries missing': raw.missing,
      // With faults, a retried post may arrive twice; clients drop the repeat by seq (docs/PROTOCOL.md).
      'raw deliveries duplicated': options.faultShare ? 0 : raw.duplicated,
      'raw deliveries outside their room': raw.outsideRoom,
      'own messages echoed to the sender': raw.echoedToSender,
      'delivered content altered': raw.contentAltered,
      'churning clients missing messages': churnFindings.missing,
      'churning clients emitted duplicates': churnFindings.duplicated,
      'churning clients emitted out of seq order': churnFindings.outOfOrder,
      'churning clients emitted outside their rooms': churnFindings.outsideRoom,
      'RATE_LIMITED answers (the harness sends too fast)': rateLimited,
      'protocol violations': violations.length,
    })) {
      if (value > 0) problems.push(`${name}: ${value}`);
    }
    if (violations.length > 0) problems.push(...violations.slice(0, 5));

    const diagnosis: string[] = [];
    for (const userId of new Set(churnFindings.missingSamples.map((sample) => sample.userId))) {
      const atGateway = probed.connectionsOf(userId);
      const inTable = (await probed.stores.connections.listConnections(userId, Date.now())).map((c) => c.connectionId);
      const rooms = userRooms.get(userId)!.map((index) => roomIds[index]!);
      const subscribed = [];
      for (const roomId of rooms) {
        const page = await probed.stores.subscriptions.listSubscriptions(roomId, Date.now(), { limit: 100 });
        subscribed.push(
          ...page.items
            .filter((sub) => sub.userId === userId)
            .map((sub) => `${sub.connectionId}${sub.muted ? ' (muted)' : ''}`),
        );
      }
      diagnosis.push(
        `${userId}: open at the gateway ${JSON.stringify(atGateway)}, connection items ${JSON.stringify(inTable)}, subscriptions ${JSON.stringify(subscribed)}`,
      );
    }

    const drops = [...churners.values()].reduce((sum, churner) => sum + churner.drops, 0);
    if (options.churningClients > 0 && drops === 0)
      problems.push('no churning client was ever dropped: the run was too short');
    return {
      ok: problems.length === 0,
      problems,
      date: new Date(started).toISOString(),
      machine: machine(),
      stack: probed.where,
      options: { ...options, log: undefined } as Omit<SoakOptions, 'log'>,
      durationsMs: {
        connect: connected - started,
        rooms: roomsReady - connected,
        send: sendEnded - sendStarted,
        settle: settled - sendEnded,
        total: settled - started,
      },
      messagesPerSecond: Math.round((historyFindings.messagesStored / ((sendEnded - sendStarted) / 1000)) * 10) / 10,
      sends: {
        acked: acked.size,
        retried,
        rateLimited,
        repeatedAnswers,
        ...(ackLatencies.length > 0 && { ackLatencyMs: latencySummary(ackLatencies) }),
      },
      history: historyFindings,
      raw,
      diagnosis,
      churn: {
        ...churnFindings,
        drops,
        dropsByGateway: [...churners.values()].reduce((sum, churner) => sum + churner.dropsByGateway, 0),
        reconnects: [...churners.values()].reduce((sum, churner) => sum + churner.reconnects, 0),
        ...(catchUps.length > 0 && { catchUpMs: latencySummary(catchUps) }),
      },
    };
  } finally {
    for (const churner of churners.values()) churner.close();
    await Promise.all([...sockets.values()].map((socket) => socket.close().catch(() => undefined)));
    if (!existing) await probed.stop();
  }
}

/** The ground truth: each room's whole history, read page by page from the table the handlers wrote. */
async function readHistory(probed: SoakStack, roomIds: readonly string[]): Promise<Map<string, Message[]>> {
  const history = new Map<string, Message[]>();
  await runLimited(roomIds, 8, async (roomId) => {
    const messages: Message[] = [];
    for (let after = 0; ;) {
      const page = await probed.stores.messages.getMessages(roomId, { after, limit: 100 });
      messages.push(...page.messages);
      if (!page.hasMore || page.messages.length === 0) break;
      after = page.messages.at(-1)!.seq;
    }
    history.set(roomId, messages);
  });
  return history;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** A readable summary of a report, for the console and the docs. */
export function describeReport(report: SoakReport): string {
  const l = (ms?: LatencySummary) =>
    ms ? `p50 ${ms.p50} ms, p95 ${ms.p95} ms, p99 ${ms.p99} ms, max ${ms.max} ms (n=${ms.count})` : 'n/a';
  const { raw, churn, history, sends } = report;
  return [
    `soak ${report.ok ? 'PASSED' : 'FAILED'} on ${report.date}`,
    `machine: ${report.machine.cpus} x ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, ${report.machine.os}, Node ${report.machine.node}; the stack ran ${report.stack}`,
    `connections: ${report.options.connections} (${report.options.churningClients} churning SDK clients) in ${report.options.rooms} rooms`,
    `messages: ${history.messagesStored} stored of ${report.options.messages}; ${report.messagesPerSecond} msg/s over ${(report.durationsMs.send / 1000).toFixed(1)} s; ${sends.retried} retried, ${sends.rateLimited} rate limited`,
    `ack latency: ${l(sends.ackLatencyMs)}${sends.repeatedAnswers > 0 ? `; ${sends.repeatedAnswers} answers arrived twice (retried posts)` : ''}`,
    ...(report.options.faultShare
      ? [
          `faults: ${(report.options.faultShare * 100).toFixed(1)} % of posts timed out, reset or answered 500 at a proxy in front of @connections`,
        ]
      : []),
    `raw connections: ${raw.delivered} of ${raw.expectedDeliveries} expected deliveries; missing ${raw.missing}, duplicated ${raw.duplicated}${report.options.faultShare ? ' (repeats of a retried post, dropped by seq)' : ''}, outside room ${raw.outsideRoom}, echoed ${raw.echoedToSender}, altered ${raw.contentAltered}`,
    `  wire order: ${raw.arrivedOutOfOrder} deliveries (${((raw.arrivedOutOfOrder / Math.max(1, raw.delivered)) * 100).toFixed(2)} %) arrived after a higher seq of their room`,
    `  delivery latency (send to receipt): ${l(raw.latencyMs)}`,
    `history: seq gaps ${history.seqGaps}, duplicate clientMessageIds ${history.duplicateClientMessageIds}, altered ${history.contentAltered}, acked but not stored ${history.ackedButNotStored}`,
    `churn: ${churn.clients} clients, ${churn.drops} drops (${churn.dropsByGateway} by the gateway), ${churn.reconnects} reconnects`,
    `  ${churn.emitted} of ${churn.expectedMessages} messages emitted; missing ${churn.missing}, duplicated ${churn.duplicated}, out of order ${churn.outOfOrder}`,
    `  delivered live: ${(churn.liveShare * 100).toFixed(1)} %; catch-up after reconnect: ${l(churn.catchUpMs)}`,
    `durations: connect ${report.durationsMs.connect} ms, rooms ${report.durationsMs.rooms} ms, send ${report.durationsMs.send} ms, settle ${report.durationsMs.settle} ms`,
    ...(report.problems.length > 0 ? ['problems:', ...report.problems.map((p) => `  - ${p}`)] : []),
    ...(churn.missingSamples.length > 0
      ? ['missing at churning clients (samples):', ...churn.missingSamples.map((m) => `  ${JSON.stringify(m)}`)]
      : []),
    ...report.diagnosis.map((line) => `  ${line}`),
  ].join('\n');
}
