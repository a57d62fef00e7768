// What connecting and disconnecting cost with the offline grace period, the sweeper and occupancy, for a user in 1,
// 10 and 100 rooms of two (the other member online in each), by DynamoDB's rules, against dynalite: the same
// scenarios as the capacity bench's connect/disconnect rows (capacity-bench.ts), plus what moved elsewhere.
//   npx tsx bench/capacity/presence-costs.ts [--runs=3] [--calls]
// Rows: the user's first connect; a reconnect within the grace period; the last disconnect (marks the user
// leaving); the sweep that announces them offline after the grace period (with only these users' connections in the
// table, so its fixed part, one Query per shard and kind, shows); and the last disconnect with no grace period
// (offline at once: the flip itself, as a disconnect cost before the grace period existed).
// Then the same users in watch mode (connections opened with watch=1, PROTOCOL.md): the connect; the subscribe to the
// one room the screen shows; the last disconnect after watching it; a reconnect within the grace period that
// subscribes to it again; the sweep's offline; and the disconnect with no grace period.
// --calls adds each row's requests and units per store method.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { createChat, DEFAULT_CHAT_CONFIG, type ChatService } from '../../lambdas/chat/index.js';
import { embeddedDynamoClientConfig, ensureTable, startEmbeddedDynamo } from '../../local/embedded-dynamo.js';
import { CountingNotifier } from '../lib/counting-notifier.js';
import { median } from '../lib/stats.js';
import { createCapacityMeter, totalsOf, type CapacityCharge } from './capacity-meter.js';
import { joinerActions, joinerItems, joinerOf, JOIN_ROOM_COUNTS, roomsLabel } from './connect-scenarios.js';
import { userIdOf, userItems, writeItems } from './seed.js';

const TABLE = 'bench-presence';
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
// One user per room count, the same in every run: each run leaves them offline and settled (the clock is moved past
// the grace period and the sweep run), so the next run's connect is a first connection again.
await writeItems(setup, TABLE, [
  ...userItems([PARTNER], clockMs),
  ...JOIN_ROOM_COUNTS.flatMap((count) => joinerItems(joinerOf(count, 0), count, PARTNER, clockMs)),
]);

interface Row {
  label: string;
  read: number;
  write: number;
  requests: number;
  posts: string;
  /** Requests and read/write units per store method (median run): what the totals are made of. */
  calls: string;
}
const rows: Row[] = [];

interface Steps {
  prepare?: () => Promise<unknown>;
  work: () => Promise<unknown>;
  /** Leaves the user offline and settled, for the next run. */
  cleanup?: () => Promise<unknown>;
}

async function measure(label: string, steps: Steps): Promise<void> {
  const perRun: Array<Omit<Row, 'label'>> = [];
  for (let run = 0; run < runs; run++) {
    await steps.prepare?.();
    counting.reset();
    const { tally } = await meter.measure(steps.work);
    // A refused request would measure the cost of an error: the scenario is wrong, not the backend.
    if (counting.byType.has('error')) throw new Error(`${label}: the chat answered with an error frame`);
    const totals = totalsOf(tally.charges);
    const posts = [...counting.byType].map(([type, t]) => `${t.count} ${type}`).join(', ') || 'none';
    const byMethod = new Map<string, CapacityCharge[]>();
    for (const charge of tally.charges)
      byMethod.set(charge.operation, [...(byMethod.get(charge.operation) ?? []), charge]);
    const calls = [...byMethod]
      .map(([method, charges]) => {
        const { requests, readUnits, writeUnits } = totalsOf(charges);
        return `${method} ×${requests} ${readUnits}/${writeUnits}`;
      })
      .join(', ');
    perRun.push({ read: totals.readUnits, write: totals.writeUnits, requests: totals.requests, posts, calls });
    await steps.cleanup?.();
  }
  const middle = perRun[Math.floor(perRun.length / 2)]!;
  rows.push({
    label,
    read: median(perRun.map((r) => r.read)),
    write: median(perRun.map((r) => r.write)),
    requests: median(perRun.map((r) => r.requests)),
    posts: middle.posts,
    calls: middle.calls,
  });
}

let connections = 0;
/** One user in `count` rooms, with connections in the default mode or in watch mode. */
function userOf(count: number, watch: boolean) {
  const userId = joinerOf(count, 0);
  return {
    label: roomsLabel(count),
    next: () => `conn-${userId}-${(connections += 1)}`,
    ...joinerActions(userId, { watch, now: clock.now }),
  };
}

/** The grace period passes and a sweep announces the user offline. */
async function settle(): Promise<void> {
  clockMs += GRACE_MS;
  await graceful.sweep();
}

for (const count of JOIN_ROOM_COUNTS) {
  const { label, next, open, close } = userOf(count, false);
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

// Watch mode: the same users, their connections opened with watch=1, each watching the one room its screen shows.
for (const count of JOIN_ROOM_COUNTS) {
  const { label, next, open, close, subscribe } = userOf(count, true);
  let current = '';
  let previous = '';
  /** A watch connection that hears its one room. */
  const watchOne = async (chat: ChatService, connectionId: string) => {
    await open(chat, connectionId);
    await subscribe(chat, connectionId);
  };
  const closeAndSettle = async () => {
    await close(graceful, current);
    await settle();
  };
  await measure(`watch: connect, ${label} (first connection)`, {
    work: () => open(graceful, (current = next())),
    cleanup: closeAndSettle,
  });
  await measure(`watch: subscribe to 1 room, ${label}`, {
    prepare: () => open(graceful, (current = next())),
    work: () => subscribe(graceful, current),
    cleanup: closeAndSettle,
  });
  await measure(`watch: disconnect after watching 1 room, ${label} (last connection: marks leaving)`, {
    prepare: () => watchOne(graceful, (current = next())),
    work: () => close(graceful, current),
    cleanup: settle,
  });
  await measure(`watch: reconnect within the grace period + re-subscribe to the 1 room, ${label}`, {
    prepare: async () => {
      await watchOne(graceful, (previous = next()));
      await close(graceful, previous);
    },
    work: () => watchOne(graceful, (current = next())),
    cleanup: closeAndSettle,
  });
  await measure(`watch: sweep announcing offline after the grace period, ${label} (1 room watched)`, {
    prepare: async () => {
      await watchOne(graceful, (current = next()));
      await close(graceful, current);
      clockMs += GRACE_MS;
    },
    work: () => graceful.sweep(),
  });
  await measure(`watch: disconnect after watching 1 room, ${label}, no grace period (offline at once)`, {
    prepare: () => watchOne(immediate, (current = next())),
    work: () => close(immediate, current),
  });
}
console.log(`| operation | read units | write units | requests | posts |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const row of rows) console.log(`| ${row.label} | ${row.read} | ${row.write} | ${row.requests} | ${row.posts} |`);
if (process.argv.includes('--calls')) {
  console.log(`\n| operation | store method ×requests read/write units (median run) |\n| --- | --- |`);
  for (const row of rows) console.log(`| ${row.label} | ${row.calls} |`);
}
meter.destroy();
setup.destroy();
base.destroy();
await dynamo.stop();
