// What connecting and disconnecting cost with the offline grace period, the sweeper and occupancy, for a user in 1,
// 10 and 100 rooms of two (the other member online in each), by DynamoDB's rules, against dynalite: the same
// scenarios as the capacity bench's connect/disconnect rows (capacity-bench.ts), plus what moved elsewhere.
//   npx tsx bench/capacity/presence-costs.ts [--runs=3]
// Rows: the user's first connect; a reconnect within the grace period; the last disconnect (marks the user
// leaving); the sweep that announces them offline after the grace period (with only these users' connections in the
// table, so its fixed part, one Query per shard and kind, shows); and the last disconnect with no grace period
// (offline at once: the flip itself, as a disconnect cost before the grace period existed).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { createChat, DEFAULT_CHAT_CONFIG, type ChatService } from '../../lambdas/chat/index.js';
import { embeddedDynamoClientConfig, ensureTable, startEmbeddedDynamo } from '../../local/embedded-dynamo.js';
import { CountingNotifier } from '../lib/counting-notifier.js';
import { median } from '../lib/stats.js';
import { createCapacityMeter, totalsOf } from './capacity-meter.js';
import { roomItems, userIdOf, userItems, writeItems } from './seed.js';

const TABLE = 'bench-presence';
const ROOM_COUNTS = [1, 10, 100] as const;
const GRACE_MS = 15_000;
const runs = Number(process.argv.find((arg) => arg.startsWith('--runs='))?.slice('--runs='.length) ?? 3);

const dynamo = await startEmbeddedDynamo();
const config = embeddedDynamoClientConfig(dynamo.endpoint);
const base = new DynamoDBClient(config);
await ensureTable(base, TABLE);
const setup = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
const meter = createCapacityMeter(config);
const counting = new CountingNotifier();
const stores = meter.wrapStores(
  createDynamoStores({ client: meter.client, tableName: TABLE, onConsumedCapacity: meter.onConsumedCapacity }),
);
let clockMs = Date.now();
const clock = { now: () => clockMs };
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const chatWith = (offlineGraceMs: number): ChatService =>
  createChat({
    stores,
    notifier: counting,
    clock,
    logger: silent,
    metrics: { count() {} },
    config: { ...DEFAULT_CHAT_CONFIG, rateLimit: { perSecond: 1e6, burst: 1e6 }, offlineGraceMs },
  });
const graceful = chatWith(GRACE_MS);
const immediate = chatWith(0);

const PARTNER = userIdOf(1);
const joinerOf = (rooms: number) => `joiner-${rooms}`;
const items = userItems([PARTNER], clockMs);
for (const count of ROOM_COUNTS) {
  for (let index = 0; index < count; index++) {
    const pair = roomItems(`join-${count}-${index}`, [PARTNER, joinerOf(count)], clockMs);
    items.push(...pair.filter((item) => !String(item.sk).includes(`conn-${joinerOf(count)}`)));
  }
}
await writeItems(setup, TABLE, items);

interface Row {
  label: string;
  read: number;
  write: number;
  requests: number;
  posts: string;
}
const rows: Row[] = [];

interface Steps {
  prepare?: () => Promise<unknown>;
  work: () => Promise<unknown>;
  /** Leaves the user offline and settled, for the next run. */
  cleanup?: () => Promise<unknown>;
}

async function measure(label: string, steps: Steps): Promise<void> {
  const perRun: Array<{ read: number; write: number; requests: number; posts: string }> = [];
  for (let run = 0; run < runs; run++) {
    await steps.prepare?.();
    counting.reset();
    const { tally } = await meter.measure(steps.work);
    const totals = totalsOf(tally.charges);
    const posts = [...counting.byType].map(([type, t]) => `${t.count} ${type}`).join(', ') || 'none';
    perRun.push({ read: totals.readUnits, write: totals.writeUnits, requests: totals.requests, posts });
    await steps.cleanup?.();
  }
  const middle = perRun[Math.floor(perRun.length / 2)]!;
  rows.push({
    label,
    read: median(perRun.map((r) => r.read)),
    write: median(perRun.map((r) => r.write)),
    requests: median(perRun.map((r) => r.requests)),
    posts: middle.posts,
  });
}

let connections = 0;
for (const count of ROOM_COUNTS) {
  const userId = joinerOf(count);
  const label = `user in ${count} room${count === 1 ? '' : 's'}`;
  const next = () => `conn-${userId}-${(connections += 1)}`;
  const open = (chat: ChatService, connectionId: string) =>
    chat.onConnect({ connectionId, userId, tokenDisplayName: userId, connectedAt: clockMs });
  const close = (chat: ChatService, connectionId: string) => chat.onDisconnect({ connectionId, userId });
  /** The grace period passes and a sweep announces the user offline. */
  const settle = async () => {
    clockMs += GRACE_MS;
    await graceful.sweep();
  };
  let current = '';
  let previous = '';
  await measure(`connect, ${label} (first connection)`, {
    work: () => open(graceful, (current = next())),
    cleanup: async () => {
      await close(graceful, current);
      await settle();
    },
  });
  await measure(`disconnect, ${label} (last connection: marks leaving)`, {
    prepare: () => open(graceful, (current = next())),
    work: () => close(graceful, current),
    cleanup: settle,
  });
  await measure(`reconnect within the grace period, ${label}`, {
    prepare: async () => {
      await open(graceful, (previous = next()));
      await close(graceful, previous);
    },
    work: () => open(graceful, (current = next())),
    cleanup: async () => {
      await close(graceful, current);
      await settle();
    },
  });
  await measure(`sweep announcing offline after the grace period, ${label}`, {
    prepare: async () => {
      await open(graceful, (current = next()));
      await close(graceful, current);
      clockMs += GRACE_MS;
    },
    work: () => graceful.sweep(),
  });
  await measure(`disconnect, ${label}, no grace period (offline at once)`, {
    prepare: () => open(immediate, (current = next())),
    work: () => close(immediate, current),
  });
}
console.log(`| operation | read units | write units | requests | posts |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const row of rows) console.log(`| ${row.label} | ${row.read} | ${row.write} | ${row.requests} | ${row.posts} |`);
meter.destroy();
setup.destroy();
base.destroy();
await dynamo.stop();
