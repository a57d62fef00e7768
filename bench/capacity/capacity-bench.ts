// Sections 2 and 3 of the report: DynamoDB capacity per chat operation, and the scan-every-connection design side
// by side with the single-table design, at 1,000 and 10,000 connections in all.
// Capacity runs drive the real chat logic (createChat) over the real DynamoDB store against dynalite, with a
// notifier that only counts: what is measured is what the store asks of DynamoDB, request by request.
// Latency runs use the real management notifier against the services worker's 10 ms management API.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { messageItem, roomItem } from '../../lambdas/adapters/dynamo/codec.js';
import { keys } from '../../lambdas/adapters/dynamo/keys.js';
import { createManagementNotifier } from '../../lambdas/adapters/management-notifier.js';
import {
  createChat,
  DEFAULT_CHAT_CONFIG,
  type ChatService,
  type Logger,
  type Notifier,
} from '../../lambdas/chat/index.js';
import type { Message } from '../../lambdas/protocol/index.js';
import { embeddedDynamoClientConfig, ensureTable } from '../../local/embedded-dynamo.js';
import {
  createScanBroadcast,
  createScanTable,
  scanConnectionItem,
  SCAN_TABLE_NAME,
  type ScanBroadcast,
} from '../alternative/scan-broadcast.js';
import { CountingNotifier } from '../lib/counting-notifier.js';
import { progress, step } from '../lib/progress.js';
import { median, spread, type Spread } from '../lib/stats.js';
import {
  createCapacityMeter,
  totalsOf,
  type CapacityCharge,
  type CapacityMeter,
  type TallyTotals,
} from './capacity-meter.js';
import { joinerItems, joinerOf, measureConnectScenarios } from './connect-scenarios.js';
import { measureChangeOperations } from './message-changes-bench.js';
import { connectionIdOf, roomItems, userIdOf, userItems, writeItems } from './seed.js';

export const CHAT_TABLE_NAME = 'bench-chat';
export const ROOM_SIZES = [2, 10, 100, 1000] as const;
export const TOTAL_CONNECTIONS = [1000, 10_000] as const;
const FILLER_ROOM_SIZE = 10;
/** Messages seeded in room-10, from seq 1, all by the sender. */
const HISTORY_LENGTH = 60;
/** A typical chat line; the frames' sizes follow from it. */
export const BENCH_CONTENT =
  'Bench message: the quick brown fox jumps over the lazy dog, twice, to make a typical chat line.';

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const silentMetrics = { count() {} };
/** The limiter is in memory and free; a benchmark that sends back to back must not be throttled by it. */
const UNTHROTTLED = { ...DEFAULT_CHAT_CONFIG, rateLimit: { perSecond: 1e6, burst: 1e6 } };

export const roomIdOf = (size: number): string => `room-${size}`;
const SENDER = userIdOf(0);
const PARTNER = userIdOf(1);
/** hello's user in 100 rooms (the connect scenarios seed users of their own, a fresh one per run). */
const HELLO_USER = joinerOf(100, 0);

export interface MeasuredOperation {
  operation: string;
  scenario: string;
  /** Per run, by DynamoDB's rules. */
  readUnits: Spread;
  writeUnits: Spread;
  indexWriteUnits: number;
  /** Median per run, as dynalite reported it (ReturnConsumedCapacity). */
  reportedReadUnits: number;
  reportedWriteUnits: number;
  /** What the store's onConsumedCapacity hook saw: must equal the reported total. */
  hookUnits: number;
  failedConditionalWrites: number;
  requests: number;
  /** Frames the notifier was asked to post, by frame type (median run). */
  frames: Record<string, { count: number; bytes: number }>;
  /** Units by store operation (median run, by rules). */
  byStoreOperation: Record<string, { read: number; write: number; requests: number }>;
  /** Bytes of the client frame that caused it, when there is one. */
  inboundBytes?: number;
}

export interface DesignComparisonRow {
  totalConnections: number;
  roomSize: number;
  single: { readUnits: number; writeUnits: number; latencyMs: Spread };
  scan: { readUnits: number; writeUnits: number; scanned: number; latencyMs: Spread };
}

export interface CapacityResults {
  runs: number;
  operations: MeasuredOperation[];
  /** Connect, disconnect, reconnect and watch mode's connect, subscribe and disconnect (connect-scenarios.ts). */
  connections?: MeasuredOperation[];
  /** sendMessage by total connections and room size. */
  sends: Array<{ totalConnections: number; roomSize: number; measured: MeasuredOperation }>;
  comparison: DesignComparisonRow[];
  scanConnect: { writeUnits: number };
  scanDisconnect: { writeUnits: number };
  /** Latency runs: what the management API was. */
  managementDelayMs: number;
}

interface World {
  setup: DynamoDBDocumentClient;
  meter: CapacityMeter;
  counting: CountingNotifier;
  meteredChat: ChatService;
  meteredScan: ScanBroadcast;
  /** For latency: no meter, the real management notifier against the 10 ms API. */
  timedChat: ChatService;
  timedScan: ScanBroadcast;
  timedNotifier: ReturnType<typeof createManagementNotifier>;
  connectedAt: number;
  destroy(): void;
}

export async function runCapacityBench(options: {
  dynamoEndpoint: string;
  managementEndpoint: string;
  managementDelayMs: number;
  runs: number;
  roomSizes?: readonly number[];
  totals?: readonly number[];
}): Promise<CapacityResults> {
  const runs = options.runs;
  const roomSizes = options.roomSizes ?? ROOM_SIZES;
  const totals = options.totals ?? TOTAL_CONNECTIONS;
  const world = await step('capacity: tables and first users', () =>
    buildWorld(options.dynamoEndpoint, options.managementEndpoint, roomSizes),
  );
  const results: CapacityResults = {
    runs,
    operations: [],
    connections: [],
    sends: [],
    comparison: [],
    scanConnect: { writeUnits: 0 },
    scanDisconnect: { writeUnits: 0 },
    managementDelayMs: options.managementDelayMs,
  };
  try {
    let seededUsers = 0;
    for (const total of totals) {
      await step(`capacity: seeding ${total.toLocaleString('en-US')} connections`, () =>
        seedUpTo(world, seededUsers, total, roomSizes),
      );
      seededUsers = total;
      for (const size of roomSizes) {
        const measured = await measureRuns(world, runs, `sendMessage, room of ${size}`, `${total} connections`, {
          work: (run) => sendFrame(world.meteredChat, SENDER, roomIdOf(size), `cap-${total}-${size}-${run}`),
        });
        results.sends.push({ totalConnections: total, roomSize: size, measured });
        const scan = await measureRuns(world, runs, `scan design: send, room of ${size}`, `${total} connections`, {
          work: () => world.meter.label('scanSend', () => world.meteredScan.send(roomIdOf(size), scanPayload(size))),
        });
        const latency = await timeDesigns(world, runs, size);
        results.comparison.push({
          totalConnections: total,
          roomSize: size,
          single: {
            readUnits: measured.readUnits.median,
            writeUnits: measured.writeUnits.median,
            latencyMs: latency.single,
          },
          scan: {
            readUnits: scan.readUnits.median,
            writeUnits: scan.writeUnits.median,
            scanned: latency.scanned,
            latencyMs: latency.scan,
          },
        });
        progress(
          `  ${total} conns, room ${size}: single-table ${measured.readUnits.median} RRU + ${measured.writeUnits.median} WRU, ` +
            `${latency.single.median.toFixed(1)} ms; scan ${scan.readUnits.median} RRU, ${latency.scan.median.toFixed(1)} ms`,
        );
      }
      results.connections!.push(
        ...(await step(`capacity: connect, disconnect and watch mode at ${total} connections`, () =>
          measureConnectScenarios({
            chat: world.meteredChat,
            setup: world.setup,
            tableName: CHAT_TABLE_NAME,
            partner: PARTNER,
            scenario: `${total} connections`,
            measure: (operation, scenario, steps) => measureRuns(world, runs, operation, scenario, steps),
          }),
        )),
      );
      if (total === totals[0])
        results.operations.push(
          ...(await step(
            'capacity: typing, markRead, getHistory, hello, ping, blockUser, unblockUser, reportMessage',
            () => measureOtherOperations(world, runs, roomSizes),
          )),
          // After getHistory: the changes add items to room-10's history that its newest page would read past.
          ...(await step('capacity: editMessage, deleteMessage, react', () =>
            measureChangeOperations({
              measure: (operation, scenario, steps) => measureRuns(world, runs, operation, scenario, steps),
              send: (userId, fields) =>
                frame(world.meteredChat, userId, JSON.stringify({ requestId: 'c-1', ...fields })),
              runs,
              roomId: roomIdOf(10),
              historyLength: HISTORY_LENGTH,
              sender: SENDER,
              other: PARTNER,
              edited: `${BENCH_CONTENT} (edited)`,
            }),
          )),
        );
    }
    const scanConnect = await measureRuns(world, runs, 'scan design: connect', '', {
      work: (run) =>
        world.meter.label('scanConnect', () => world.meteredScan.onConnect(`scan-joiner-${run}`, [roomIdOf(10)])),
    });
    const scanDisconnect = await measureRuns(world, runs, 'scan design: disconnect', '', {
      work: (run) => world.meter.label('scanDisconnect', () => world.meteredScan.onDisconnect(`scan-joiner-${run}`)),
    });
    results.scanConnect = { writeUnits: scanConnect.writeUnits.median };
    results.scanDisconnect = { writeUnits: scanDisconnect.writeUnits.median };
    return results;
  } finally {
    world.destroy();
  }
}

// --- the world --------------------------------------------------------------------------------------------------

async function buildWorld(
  dynamoEndpoint: string,
  managementEndpoint: string,
  roomSizes: readonly number[],
): Promise<World> {
  const clientConfig = embeddedDynamoClientConfig(dynamoEndpoint);
  const base = new DynamoDBClient(clientConfig);
  await ensureTable(base, CHAT_TABLE_NAME);
  await createScanTable(base);
  const setup = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const meter = createCapacityMeter(clientConfig);
  const counting = new CountingNotifier();
  const meteredStores = meter.wrapStores(
    createDynamoStores({
      client: meter.client,
      tableName: CHAT_TABLE_NAME,
      onConsumedCapacity: meter.onConsumedCapacity,
    }),
  );
  const chatOf = (stores: typeof meteredStores, notifier: Notifier) =>
    createChat({
      stores,
      notifier,
      clock: { now: () => Date.now() },
      logger: silentLogger,
      metrics: silentMetrics,
      config: UNTHROTTLED,
    });
  const timedNotifier = createManagementNotifier({
    endpoint: managementEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const connectedAt = Date.now();
  const world: World = {
    setup,
    meter,
    counting,
    meteredChat: chatOf(meteredStores, counting),
    meteredScan: createScanBroadcast({ client: meter.client, notifier: counting }),
    timedChat: chatOf(createDynamoStores({ client: setup, tableName: CHAT_TABLE_NAME }), timedNotifier),
    timedScan: createScanBroadcast({ client: setup, notifier: timedNotifier }),
    timedNotifier,
    connectedAt,
    destroy() {
      meter.destroy();
      timedNotifier.destroy();
      setup.destroy();
      base.destroy();
    },
  };
  // Rooms of every size share their first members (room-10's members are room-100's first ten, and so on), so the
  // largest room's members are all the connections the smallest total needs. The sender (user 0) is in them all.
  const largest = Math.max(...roomSizes);
  const items = roomSizes.flatMap((size) => roomItems(roomIdOf(size), range(size).map(userIdOf), connectedAt));
  // hello's user in 100 rooms of two, the other member (user 1) online in all of them.
  items.push(...joinerItems(HELLO_USER, 100, PARTNER, connectedAt));
  await writeItems(setup, CHAT_TABLE_NAME, items);
  // room-10's history, more than getHistory's default page of 50; written after the room so its lastSeq wins.
  await writeItems(setup, CHAT_TABLE_NAME, historyItems(roomIdOf(10), HISTORY_LENGTH, connectedAt));
  progress(`  rooms of ${roomSizes.join(', ')} and hello's user's rooms seeded (largest room: ${largest})`);
  return world;
}

/** Users `from`..`to`-1 with their connections; users past the largest room fill rooms of ten. */
async function seedUpTo(world: World, from: number, to: number, roomSizes: readonly number[]): Promise<void> {
  const largest = Math.max(...roomSizes);
  const userIds = range(to - from).map((offset) => userIdOf(from + offset));
  const items = userItems(userIds, world.connectedAt);
  const fillers = userIds.filter((_, offset) => from + offset >= largest);
  for (let start = 0; start < fillers.length; start += FILLER_ROOM_SIZE) {
    items.push(
      ...roomItems(`filler-${fillers[start]}`, fillers.slice(start, start + FILLER_ROOM_SIZE), world.connectedAt),
    );
  }
  await writeItems(world.setup, CHAT_TABLE_NAME, items);
  // The scan design's table: one item per connection, with its rooms.
  const scanItems = userIds.map((userId, offset) => {
    const index = from + offset;
    const rooms =
      index < largest
        ? roomSizes.filter((size) => index < size).map(roomIdOf)
        : [`filler-${fillers[Math.floor((index - largest) / FILLER_ROOM_SIZE) * FILLER_ROOM_SIZE]}`];
    return scanConnectionItem(connectionIdOf(userId), rooms);
  });
  await writeItems(world.setup, SCAN_TABLE_NAME, scanItems);
}

function historyItems(roomId: string, count: number, createdAt: number): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [
    roomItem({ roomId, name: `Bench room ${roomId}`, kind: 'group', createdBy: SENDER, createdAt, lastSeq: count }),
  ];
  for (let seq = 1; seq <= count; seq++) {
    const message: Message = {
      id: randomUUID(),
      roomId,
      seq,
      senderId: SENDER,
      senderName: 'Bench user 00000',
      content: BENCH_CONTENT,
      messageType: 'text',
      clientMessageId: `history-${seq}`,
      createdAt: new Date(createdAt).toISOString(),
    };
    items.push(messageItem(keys.message(roomId, seq), message));
  }
  return items;
}

// --- measuring -----------------------------------------------------------------------------------------------------

function sendFrame(chat: ChatService, userId: string, roomId: string, clientMessageId: string): Promise<number> {
  const body = JSON.stringify({
    action: 'sendMessage',
    requestId: 'r-1',
    roomId,
    clientMessageId,
    content: BENCH_CONTENT,
  });
  return frame(chat, userId, body);
}

/** A frame from one of the user's connections (the seeded one unless named: frames only come from open connections). */
async function frame(
  chat: ChatService,
  userId: string,
  body: string,
  connectionId = connectionIdOf(userId),
): Promise<number> {
  await chat.onFrame({ connectionId, userId, connectedAt: Date.now(), body });
  return Buffer.byteLength(body, 'utf8');
}

/** What the scan design posts: the same message event the single-table design delivers. */
function scanPayload(size: number): string {
  const message = {
    id: randomUUID(),
    roomId: roomIdOf(size),
    seq: 1,
    senderId: SENDER,
    senderName: 'Bench user 00000',
    content: BENCH_CONTENT,
    messageType: 'text',
    clientMessageId: randomUUID(),
    createdAt: new Date().toISOString(),
  };
  return JSON.stringify({ type: 'message', roomId: roomIdOf(size), message });
}

/** Runs `work` `runs` times under the meter; every figure is the median run (the spread shows they agree). */
async function measureRuns(
  world: World,
  runs: number,
  operation: string,
  scenario: string,
  steps: { work: (run: number) => Promise<unknown>; prepare?: (run: number) => Promise<unknown> },
): Promise<MeasuredOperation> {
  const perRun: Array<{
    totals: TallyTotals;
    hook: number;
    frames: Record<string, { count: number; bytes: number }>;
    charges: CapacityCharge[];
    inbound?: number;
  }> = [];
  for (let run = 0; run < runs; run++) {
    // Outside measure(): what preparing costs is not charged to the operation.
    await steps.prepare?.(run);
    world.counting.reset();
    const { result, tally } = await world.meter.measure(() => steps.work(run));
    const frames: Record<string, { count: number; bytes: number }> = {};
    for (const [type, frameTally] of world.counting.byType)
      frames[type] = { count: frameTally.count, bytes: median(frameTally.bytes) };
    perRun.push({
      totals: totalsOf(tally.charges),
      hook: tally.hookUnits,
      frames,
      charges: tally.charges,
      ...(typeof result === 'number' && { inbound: result }),
    });
    // A refused request would measure the cost of an error: the scenario is wrong, not the backend.
    if (frames.error)
      throw new Error(
        `${operation}: the chat answered with an error frame, so the scenario does not measure the operation`,
      );
  }
  const middle = perRun[Math.floor(perRun.length / 2)]!;
  const byStoreOperation: MeasuredOperation['byStoreOperation'] = {};
  for (const charge of middle.charges) {
    const entry = (byStoreOperation[charge.operation] ??= { read: 0, write: 0, requests: 0 });
    entry.read += charge.readUnits;
    entry.write += charge.writeUnits + charge.indexWriteUnits;
    entry.requests += 1;
  }
  const measured: MeasuredOperation = {
    operation,
    scenario,
    readUnits: spread(perRun.map((run) => run.totals.readUnits)),
    writeUnits: spread(perRun.map((run) => run.totals.writeUnits)),
    indexWriteUnits: median(perRun.map((run) => run.totals.indexWriteUnits)),
    reportedReadUnits: median(perRun.map((run) => run.totals.reportedReadUnits)),
    reportedWriteUnits: median(perRun.map((run) => run.totals.reportedWriteUnits)),
    hookUnits: median(perRun.map((run) => run.hook)),
    failedConditionalWrites: median(perRun.map((run) => run.totals.failedConditionalWrites)),
    requests: median(perRun.map((run) => run.totals.requests)),
    frames: middle.frames,
    byStoreOperation,
  };
  if (middle.inbound !== undefined) measured.inboundBytes = middle.inbound;
  return measured;
}

/** Send latency of both designs against the 10 ms management API, alternating so both see the same conditions. */
async function timeDesigns(
  world: World,
  runs: number,
  size: number,
): Promise<{ single: Spread; scan: Spread; scanned: number }> {
  const single: number[] = [];
  const scan: number[] = [];
  let scanned = 0;
  for (let run = 0; run < runs; run++) {
    let begin = performance.now();
    await sendFrame(world.timedChat, SENDER, roomIdOf(size), `lat-${randomUUID()}`);
    single.push(performance.now() - begin);
    begin = performance.now();
    scanned = (await world.timedScan.send(roomIdOf(size), scanPayload(size))).scanned;
    scan.push(performance.now() - begin);
  }
  return { single: spread(single), scan: spread(scan), scanned };
}

async function measureOtherOperations(
  world: World,
  runs: number,
  roomSizes: readonly number[],
): Promise<MeasuredOperation[]> {
  const chat = world.meteredChat;
  const measured: MeasuredOperation[] = [];
  for (const size of [10, 100].filter((size) => roomSizes.includes(size))) {
    const roomId = roomIdOf(size);
    const typing = (isTyping: boolean) =>
      frame(chat, SENDER, JSON.stringify({ action: 'typing', requestId: 't-1', roomId, isTyping }));
    measured.push(
      await measureRuns(world, runs, `typing start, room of ${size}`, 'broadcast', {
        prepare: () => typing(false),
        work: () => typing(true),
      }),
      await measureRuns(world, runs, `typing keep-alive, room of ${size}`, 'within 3 s: no broadcast', {
        prepare: () => typing(true),
        work: () => typing(true),
      }),
      await measureRuns(world, runs, `typing stop, room of ${size}`, 'broadcast', {
        prepare: () => typing(true),
        work: () => typing(false),
      }),
    );
    await typing(false);
  }
  const room10 = roomIdOf(10);
  measured.push(
    await measureRuns(world, runs, 'markRead, room of 10', 'marker moves: broadcast', {
      work: (run) =>
        frame(chat, SENDER, JSON.stringify({ action: 'markRead', requestId: 'm-1', roomId: room10, seq: run + 1 })),
    }),
    await measureRuns(world, runs, 'getHistory, newest 50', 'room of 10, 60+ messages', {
      work: () => frame(chat, SENDER, JSON.stringify({ action: 'getHistory', requestId: 'h-1', roomId: room10 })),
    }),
    await measureRuns(world, runs, `hello, user in ${roomSizes.length} rooms`, '', {
      work: () => frame(chat, SENDER, JSON.stringify({ action: 'hello', requestId: 'x-1' })),
    }),
    await withConnection(chat, HELLO_USER, (connectionId) =>
      measureRuns(world, runs, 'hello, user in 100 rooms', '', {
        work: () => frame(chat, HELLO_USER, JSON.stringify({ action: 'hello', requestId: 'x-1' }), connectionId),
      }),
    ),
    await measureRuns(world, runs, 'ping', 'no table access', {
      work: () => frame(chat, SENDER, JSON.stringify({ action: 'ping', requestId: 'p-1' })),
    }),
    // Each run blocks someone new (the cap is counted first), then the blocks are lifted, so later sends by the
    // sender measure as before.
    await measureRuns(world, runs, 'blockUser', 'a new block: two items', {
      work: (run) =>
        frame(chat, SENDER, JSON.stringify({ action: 'blockUser', requestId: 'b-1', userId: blocked(run) })),
    }),
    await measureRuns(world, runs, 'unblockUser', 'two items removed', {
      work: (run) =>
        frame(chat, SENDER, JSON.stringify({ action: 'unblockUser', requestId: 'u-1', userId: blocked(run) })),
    }),
    // A new report each run: another member of the room, another message (10 reports per user and hour). The
    // EventBridge event is no table access (and not published here: the bench's chat has no event sink).
    await measureRuns(world, runs, 'reportMessage, room of 10', 'a new report', {
      work: (run) =>
        frame(
          chat,
          userIdOf(1 + (run % 9)),
          JSON.stringify({ action: 'reportMessage', requestId: 'r-1', roomId: room10, seq: run + 1, reason: 'spam' }),
        ),
    }),
  );
  return measured;
}

/** Runs `work` while the user has an open connection (opened and closed around it, unmeasured). */
async function withConnection<T>(
  chat: ChatService,
  userId: string,
  work: (connectionId: string) => Promise<T>,
): Promise<T> {
  const connectionId = `conn-${userId}-session`;
  await chat.onConnect({ connectionId, userId, tokenDisplayName: userId, connectedAt: Date.now() });
  try {
    return await work(connectionId);
  } finally {
    await chat.onDisconnect({ connectionId, userId });
  }
}

/** Users seeded at every size the bench runs, in no room of the sender's. */
const blocked = (run: number): string => userIdOf(300 + run);

function range(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index);
}
