// What unread counts cost: hello for a user in 100 rooms, by how much is unread, against the same reads without
// counts (a ping with roomSeqs reads the same memberships and rooms). Runs the real chat logic on the real DynamoDB
// store against dynalite, every request charged by DynamoDB's documented rules (./capacity-meter.ts).
//   npx tsx bench/capacity/unread-capacity.ts
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { memberItem, messageItem, roomItem } from '../../lambdas/adapters/dynamo/codec.js';
import { keys } from '../../lambdas/adapters/dynamo/keys.js';
import { createChat, DEFAULT_CHAT_CONFIG } from '../../lambdas/chat/index.js';
import type { Message } from '../../lambdas/protocol/index.js';
import { embeddedDynamoClientConfig, ensureTable, startEmbeddedDynamo } from '../../local/embedded-dynamo.js';
import { CountingNotifier } from '../lib/counting-notifier.js';
import { BENCH_CONTENT, silentLogger } from './capacity-bench.js';
import { createCapacityMeter, totalsOf } from './capacity-meter.js';
import { userItems, writeItems } from './seed.js';

const TABLE = 'bench-unread';
const ROOMS = 100;
const READER = 'reader';
const OTHER = 'other';

/** Rooms of two (reader, other) with `unread(index)` messages from the other after the reader's marker. */
async function seed(documents: DynamoDBDocumentClient, prefix: string, unread: (index: number) => number) {
  const now = Date.now();
  const items: Record<string, unknown>[] = [];
  for (let index = 0; index < ROOMS; index++) {
    const roomId = `${prefix}-${index}`;
    const count = unread(index);
    // Ten messages read before the marker, then the unread ones.
    const lastSeq = 10 + count;
    items.push(roomItem({ roomId, name: roomId, kind: 'group', createdBy: OTHER, createdAt: now, lastSeq }));
    for (const userId of [READER, OTHER]) {
      items.push(memberItem(roomId, { roomId, userId, joinedAt: now, lastReadSeq: userId === READER ? 10 : lastSeq }));
    }
    for (let seq = 1; seq <= lastSeq; seq++) {
      const message: Message = {
        id: randomUUID(),
        roomId,
        seq,
        senderId: OTHER,
        senderName: 'Other',
        content: BENCH_CONTENT,
        messageType: 'text',
        clientMessageId: `m-${seq}`,
        createdAt: new Date(now).toISOString(),
      };
      items.push(messageItem(keys.message(roomId, seq), message));
    }
  }
  await writeItems(documents, TABLE, items);
}

async function main(): Promise<void> {
  const dynamo = await startEmbeddedDynamo();
  const config = embeddedDynamoClientConfig(dynamo.endpoint);
  const base = new DynamoDBClient(config);
  await ensureTable(base, TABLE);
  const documents = DynamoDBDocumentClient.from(base);
  const meter = createCapacityMeter(config);
  const stores = meter.wrapStores(createDynamoStores({ client: meter.client, tableName: TABLE }));
  const scenarios: Array<[string, (index: number) => number]> = [
    ['everything read', () => 0],
    ['10 rooms with 3 unread, 90 read', (index) => (index < 10 ? 3 : 0)],
    ['every room 5 unread', () => 5],
    ['every room 150 unread (capped at 100)', () => 150],
  ];
  const rows: string[] = [];
  for (const [label, unread] of scenarios) {
    // A table per scenario would be cleaner; a user per scenario is cheaper: the reader's id carries the scenario.
    const prefix = `s${rows.length}`;
    await seed(documents, prefix, unread);
    const reader = `${READER}`;
    await writeItems(documents, TABLE, userItems([reader], Date.now()));
    const chat = createChat({
      stores,
      notifier: new CountingNotifier(),
      clock: { now: () => Date.now() },
      logger: silentLogger,
      metrics: { count() {} },
      config: { ...DEFAULT_CHAT_CONFIG, rateLimit: { perSecond: 1e6, burst: 1e6 } },
    });
    const frame = (body: object) =>
      chat.onFrame({
        connectionId: `conn-${reader}`,
        userId: reader,
        connectedAt: Date.now(),
        body: JSON.stringify(body),
      });
    const cost = async (body: object) => {
      const { tally } = await meter.measure(() => frame(body));
      const totals = totalsOf(tally.charges);
      const counts = tally.charges.filter((charge) => charge.operation === 'countUnread');
      return { ...totals, countQueries: counts.length, countUnits: counts.reduce((sum, c) => sum + c.readUnits, 0) };
    };
    const hello = await cost({ action: 'hello', requestId: 'h' });
    const baseline = await cost({ action: 'ping', requestId: 'p', roomSeqs: true });
    rows.push(
      `| ${label} | ${hello.readUnits} | ${hello.requests} | ${hello.countQueries} | ${hello.countUnits} | ${baseline.readUnits} |`,
    );
    // The next scenario's rooms must be the reader's only ones: leave these.
    for (let index = 0; index < ROOMS; index++) await stores.rooms.removeMember(`${prefix}-${index}`, reader);
  }
  console.log(
    `hello for a user in ${ROOMS} rooms; messages of ${BENCH_CONTENT.length} characters (~${Math.round(JSON.stringify(BENCH_CONTENT).length + 250)} B items)`,
  );
  console.log(
    '| unread | hello read units | requests | count queries | their read units | same reads without counts |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  meter.destroy();
  documents.destroy();
  base.destroy();
  await dynamo.stop();
}

await main();
