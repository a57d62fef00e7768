// The DynamoDB stores against a real dynalite: the shared contracts, plus what only this adapter can get wrong
// (no Scan, following pages past 1 MB, the TTL attribute in seconds, batch retries, undoing a half-made room).
// Faults are injected with middleware on the real client: a request is really sent, its answer really altered.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { keys } from '../../lambdas/adapters/dynamo/keys.js';
import type { ChatStores, SubscriptionRecord } from '../../lambdas/chat/ports.js';
import type { Message } from '../../lambdas/protocol/index.js';
import {
  embeddedDynamoClientConfig,
  ensureTable,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../local/embedded-dynamo.js';
import { describeStoreContracts } from '../contract/store-contracts.js';

const tableName = `chat-store-test-${randomUUID()}`;
const T0 = 1_700_000_000_000; // a whole second: expiries just after it share its TTL second

let dynamo: EmbeddedDynamo;
let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let stores: ChatStores;

/** Every command the store's client sent in this file, with whether it asked for consumed capacity. */
const sent: { name: string; askedCapacity: boolean }[] = [];
const sentSince = (mark: number, name: string) => sent.slice(mark).filter((command) => command.name === name).length;

/** Faults armed by a test, consumed by the middleware below. */
const faults = {
  /** Fail this many BatchWriteItem requests, after letting `batchWritesBeforeFailure` through. */
  failBatchWrites: 0,
  batchWritesBeforeFailure: 0,
  /** Answer this many BatchWriteItem / BatchGetItem requests with half their items reported unprocessed. */
  halveBatchWrites: 0,
  halveBatchGets: 0,
};
const injected = { failedBatchWrites: 0, halvedBatchWrites: 0, halvedBatchGets: 0 };

type Input = Record<string, unknown> & { RequestItems?: Record<string, unknown> };

function installRecorderAndFaults(stack: DynamoDBClient['middlewareStack']): void {
  stack.add(
    (next, context) => async (args) => {
      const name = String((context as { commandName?: string }).commandName);
      sent.push({ name, askedCapacity: (args.input as Input).ReturnConsumedCapacity !== undefined });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  // At serialize step, before the serializer: the input is already in DynamoDB's wire shape.
  stack.add(
    (next, context) => async (args) => {
      const name = (context as { commandName?: string }).commandName;
      const input = args.input as Input;
      if (name === 'BatchWriteItemCommand' && faults.failBatchWrites > 0) {
        if (faults.batchWritesBeforeFailure > 0) faults.batchWritesBeforeFailure -= 1;
        else {
          faults.failBatchWrites -= 1;
          injected.failedBatchWrites += 1;
          throw Object.assign(new Error('injected: the service is unavailable'), { name: 'ServiceUnavailable' });
        }
      }
      const halve =
        (name === 'BatchWriteItemCommand' && faults.halveBatchWrites > 0) ||
        (name === 'BatchGetItemCommand' && faults.halveBatchGets > 0);
      if (!halve) return next(args);
      const requested = input.RequestItems![tableName] as unknown;
      const list =
        name === 'BatchWriteItemCommand' ? (requested as unknown[]) : (requested as { Keys: unknown[] }).Keys;
      if (list.length < 2) return next(args);
      const kept = list.slice(0, Math.ceil(list.length / 2));
      const deferred = list.slice(kept.length);
      const narrowed = name === 'BatchWriteItemCommand' ? kept : { ...(requested as object), Keys: kept };
      const result = await next({ ...args, input: { ...input, RequestItems: { [tableName]: narrowed } } });
      const output = result.output as unknown as Record<string, unknown>;
      if (name === 'BatchWriteItemCommand') {
        faults.halveBatchWrites -= 1;
        injected.halvedBatchWrites += 1;
        output.UnprocessedItems = { [tableName]: deferred };
      } else {
        faults.halveBatchGets -= 1;
        injected.halvedBatchGets += 1;
        output.UnprocessedKeys = { [tableName]: { ...(requested as object), Keys: deferred } };
      }
      return result;
    },
    { step: 'serialize', priority: 'high', name: 'injectFaults' },
  );
}

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo();
  client = new DynamoDBClient(embeddedDynamoClientConfig(dynamo.endpoint));
  installRecorderAndFaults(client.middlewareStack);
  await ensureTable(client, tableName);
  documents = DynamoDBDocumentClient.from(client);
  stores = createDynamoStores({ client: documents, tableName });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.stop();
});

describeStoreContracts('DynamoDB on dynalite', async () => ({ stores, cleanup: async () => {} }));

function messageAt(roomId: string, seq: number, overrides: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId,
    seq,
    senderId: 's',
    senderName: 'S',
    content: 'x',
    messageType: 'text',
    clientMessageId: `c${seq}`,
    createdAt: new Date(T0).toISOString(),
    ...overrides,
  };
}

const raw = async (key: Record<string, string>) =>
  (await documents.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

const partitionItems = async (pk: string) =>
  (
    await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

describe('DynamoDB store: adapter specifics', () => {
  it('ensureTable is idempotent', async () => {
    await expect(ensureTable(client, tableName)).resolves.toBeUndefined();
  });

  it('writes the TTL attribute in epoch seconds (rounded up) beside the millisecond expiry', async () => {
    const connection = {
      connectionId: `conn-${randomUUID()}`,
      userId: `user-${randomUUID()}`,
      connectedAt: T0,
      expiresAt: T0 + 7_200_001,
    };
    await stores.connections.putConnection(connection);
    const { connectionId, userId } = connection;
    for (const key of [keys.connection(connectionId), keys.userConnection(userId, connectionId)]) {
      expect(await raw(key)).toMatchObject({ expiresAtMs: T0 + 7_200_001, expiresAt: T0 / 1000 + 7_201 });
    }
    const roomId = `room-${randomUUID()}`;
    await stores.subscriptions.putSubscriptions([
      { roomId, connectionId: 'c', userId: 'u', expiresAt: T0 + 1_000, muted: false },
    ]);
    expect(await raw(keys.subscription(roomId, 'c'))).toMatchObject({
      expiresAtMs: T0 + 1_000,
      expiresAt: T0 / 1000 + 1,
    });
    await stores.typing.startTyping(
      { roomId, userId: 'u', displayName: 'U', expiresAt: T0 + 5_500, lastBroadcastAt: 0 },
      T0,
      3_000,
    );
    expect(await raw(keys.typing(roomId, 'u'))).toMatchObject({ expiresAtMs: T0 + 5_500, expiresAt: T0 / 1000 + 6 });
    // Extending the indicator moves both.
    await stores.typing.startTyping(
      { roomId, userId: 'u', displayName: 'U', expiresAt: T0 + 6_500, lastBroadcastAt: 0 },
      T0 + 1,
      3_000,
    );
    expect(await raw(keys.typing(roomId, 'u'))).toMatchObject({ expiresAtMs: T0 + 6_500, expiresAt: T0 / 1000 + 7 });
  });

  it('decides expiry on milliseconds, never on the TTL seconds', async () => {
    const roomId = `room-${randomUUID()}`;
    await stores.subscriptions.putSubscriptions([
      { roomId, connectionId: 'c', userId: 'u', expiresAt: T0 + 500, muted: false },
    ]);
    expect((await stores.subscriptions.listSubscriptions(roomId, T0 + 499, { limit: 5 })).items.length).toBe(1);
    expect((await stores.subscriptions.listSubscriptions(roomId, T0 + 500, { limit: 5 })).items.length).toBe(0);

    // A TTL second long past does not hide an item whose millisecond expiry is ahead (TTL is garbage collection).
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.subscription(roomId, 'late'),
          ...{ roomId, connectionId: 'late', userId: 'u', muted: false },
          expiresAtMs: T0 + 10_000,
          expiresAt: 1,
        },
      }),
    );
    const live = await stores.subscriptions.listSubscriptions(roomId, T0 + 9_999, { limit: 5 });
    expect(live.items.map((item) => item.connectionId)).toEqual(['late']);
  });

  it('escapes ids in keys so that # cannot make two keys collide', async () => {
    const roomId = `room#${randomUUID()}`;
    await stores.messages.claimClientMessageId(
      messageAt(roomId, 1, { id: 'm1', senderId: 'a#b', clientMessageId: 'c%d' }),
    );
    expect(keys.claim(roomId, 'a#b', 'c%d').sk).toBe('CMID#a%23b#c%25d');
    expect(await raw(keys.claim(roomId, 'a#b', 'c%d'))).toMatchObject({
      id: 'm1',
      senderId: 'a#b',
      clientMessageId: 'c%d',
    });
  });

  it('follows query pages past 1 MB: subscriptions', async () => {
    const roomId = `room-${randomUUID()}`;
    // 30 items of ~40 KB: one Query page stops at 1 MB, well before the 30th.
    const padding = 'p'.repeat(40_000);
    const items = Array.from({ length: 30 }, (_, index) => ({
      ...keys.subscription(roomId, `conn-${String(index).padStart(2, '0')}`),
      roomId,
      connectionId: `conn-${String(index).padStart(2, '0')}`,
      userId: 'u',
      muted: false,
      expiresAtMs: T0 + 60_000,
      expiresAt: T0 / 1000 + 60,
      padding,
    }));
    for (let start = 0; start < items.length; start += 10) {
      await documents.send(
        new BatchWriteCommand({
          RequestItems: { [tableName]: items.slice(start, start + 10).map((item) => ({ PutRequest: { Item: item } })) },
        }),
      );
    }
    const mark = sent.length;
    const page = await stores.subscriptions.listSubscriptions(roomId, T0, { limit: 100 });
    expect(page.items.length).toBe(30);
    expect(page.cursor).toBeUndefined();
    expect(sentSince(mark, 'QueryCommand')).toBeGreaterThanOrEqual(2);
    const expected: SubscriptionRecord = {
      roomId,
      connectionId: 'conn-29',
      userId: 'u',
      expiresAt: T0 + 60_000,
      muted: false,
    };
    expect(page.items[29]).toEqual(expected);
  });

  it('follows query pages past 1 MB: history of large messages', async () => {
    const roomId = `room-${randomUUID()}`;
    // Longer than the wire allows (the store does not judge content): 40 messages of 40 K characters are past the
    // 1 MB at which a Query page ends, on DynamoDB and on dynalite (which counts UTF-16 units).
    const content = `😀 ${'x'.repeat(40_000)}`;
    for (let seq = 1; seq <= 40; seq++) {
      await stores.messages.putMessageIfAbsent(messageAt(roomId, seq, { content }));
    }
    const mark = sent.length;
    const newest = await stores.messages.getMessages(roomId, { limit: 35 });
    expect(newest.messages.map((message) => message.seq)).toEqual(Array.from({ length: 35 }, (_, index) => index + 6));
    expect(newest.hasMore).toBe(true);
    expect(newest.messages[0]!.content).toBe(content);
    expect(sentSince(mark, 'QueryCommand')).toBeGreaterThanOrEqual(2);

    const catchUp = await stores.messages.getMessages(roomId, { after: 3, limit: 37 });
    expect(catchUp.messages.map((message) => message.seq)).toEqual(Array.from({ length: 37 }, (_, index) => index + 4));
    expect(catchUp.hasMore).toBe(false);
  });

  it('fills a page of live subscriptions across many expired ones by reading on', async () => {
    const roomId = `room-${randomUUID()}`;
    const subscriptions = Array.from({ length: 40 }, (_, index) => ({
      roomId,
      connectionId: `conn-${String(index).padStart(2, '0')}`,
      userId: 'u',
      expiresAt: index >= 35 ? T0 + 1_000 : T0 - 1_000,
      muted: false,
    }));
    await stores.subscriptions.putSubscriptions(subscriptions);
    const mark = sent.length;
    const page = await stores.subscriptions.listSubscriptions(roomId, T0, { limit: 3 });
    expect(page.items.map((item) => item.connectionId)).toEqual(['conn-35', 'conn-36', 'conn-37']);
    expect(page.cursor).toBeDefined();
    expect(sentSince(mark, 'QueryCommand')).toBeGreaterThan(1);
    const rest = await stores.subscriptions.listSubscriptions(roomId, T0, { limit: 3, cursor: page.cursor! });
    expect(rest.items).toEqual([subscriptions[38], subscriptions[39]]);
    expect(rest.cursor).toBeUndefined();
  });

  it('retries the items and keys a batch reports unprocessed', async () => {
    const roomId = `room-${randomUUID()}`;
    const userIds = Array.from({ length: 60 }, (_, index) => `member-${index}`);
    faults.halveBatchWrites = 3;
    const before = injected.halvedBatchWrites;
    await stores.rooms.createRoom(
      { roomId, name: 'Big', kind: 'group', createdBy: 'member-0', createdAt: T0, lastSeq: 0 },
      userIds.map((userId) => ({ roomId, userId, joinedAt: T0, lastReadSeq: 0 })),
    );
    expect(injected.halvedBatchWrites - before).toBe(3);
    const members = (await partitionItems(keys.room(roomId).pk)).filter((item) =>
      String(item.sk).startsWith('MEMBER#'),
    );
    expect(members.length).toBe(60);

    await Promise.all(userIds.map((userId) => stores.profiles.ensureProfile(userId, userId.toUpperCase())));
    faults.halveBatchGets = 2;
    const beforeGets = injected.halvedBatchGets;
    const profiles = await stores.profiles.getProfiles(userIds);
    expect(injected.halvedBatchGets - beforeGets).toBe(2);
    expect(profiles.size).toBe(60);
  });

  it('createRoom leaves nothing behind when writing the members fails half way', async () => {
    const roomId = `room-${randomUUID()}`;
    const userIds = Array.from({ length: 60 }, (_, index) => `member-${index}`);
    // Three member batches of 25/25/10: the second fails; the undo's own batches then go through.
    faults.batchWritesBeforeFailure = 1;
    faults.failBatchWrites = 1;
    await expect(
      stores.rooms.createRoom(
        { roomId, name: 'Doomed', kind: 'group', createdBy: 'member-0', createdAt: T0, lastSeq: 0 },
        userIds.map((userId) => ({ roomId, userId, joinedAt: T0, lastReadSeq: 0 })),
      ),
    ).rejects.toThrow(/injected/);
    expect(injected.failedBatchWrites).toBeGreaterThanOrEqual(1);
    expect(await partitionItems(keys.room(roomId).pk)).toEqual([]);
    expect(await stores.rooms.getRoomAndMember(roomId, 'member-0')).toEqual({});
    expect(
      (await stores.rooms.listMemberships('member-59', { limit: 100 })).items.map((item) => item.roomId),
    ).not.toContain(roomId);
  });

  it('reports consumed capacity per store operation only when asked to', async () => {
    const reports: { operation: string; capacity: ConsumedCapacity[] }[] = [];
    const measured = createDynamoStores({
      client: documents,
      tableName,
      onConsumedCapacity: (operation, capacity) => reports.push({ operation, capacity }),
    });
    const roomId = `room-${randomUUID()}`;
    await measured.rooms.createRoom({ roomId, name: 'R', kind: 'group', createdBy: 'a', createdAt: T0, lastSeq: 0 }, [
      { roomId, userId: 'a', joinedAt: T0, lastReadSeq: 0 },
    ]);
    await measured.messages.getSendState(roomId, 'a', 'cm');
    await measured.rooms.listMembers(roomId, { limit: 10 });
    expect(reports.map((report) => report.operation)).toEqual([
      'createRoom',
      'createRoom',
      'getSendState',
      'listMembers',
    ]);
    for (const report of reports) {
      expect(report.capacity[0]?.TableName).toBe(tableName);
      expect(report.capacity[0]?.CapacityUnits).toBeGreaterThan(0);
    }
  });

  // Runs last in this file (vitest keeps declaration order): it checks every command the tests above sent.
  it('never sent a Scan, and asked for consumed capacity only from the store that wanted it', async () => {
    const names = new Set(sent.map((command) => command.name));
    expect(names.has('QueryCommand')).toBe(true);
    expect(names.has('BatchGetItemCommand')).toBe(true);
    expect(names.has('ScanCommand')).toBe(false);
    const asked = sent.filter((command) => command.askedCapacity).length;
    // Exactly the four requests of the measuring store in the test above.
    expect(asked).toBe(4);
  });
});
