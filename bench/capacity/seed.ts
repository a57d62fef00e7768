// Seeds the chat table straight through BatchWriteItem, with the store's own item codec, so tens of thousands of
// users, connections and subscriptions exist in seconds without running a connect per user. The measured
// operations then run through the real chat logic and store.
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { connectionItems, memberItem, roomItem, subscriptionItem } from '../../lambdas/adapters/dynamo/codec.js';
import { keys } from '../../lambdas/adapters/dynamo/keys.js';
import { mapWithConcurrency } from '../../lambdas/chat/paging.js';
import type { ConnectionRecord } from '../../lambdas/chat/ports.js';

type Item = Record<string, unknown>;

export const MAX_CONNECTION_MS = 7_200_000;

/** Writes items 25 at a time, a few batches in flight, retrying what DynamoDB leaves unprocessed. */
export async function writeItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Item[],
): Promise<void> {
  const batches: Item[][] = [];
  for (let start = 0; start < items.length; start += 25) batches.push(items.slice(start, start + 25) as Item[]);
  await mapWithConcurrency(batches, 8, async (batch) => {
    let pending: unknown[] = batch.map((item) => ({ PutRequest: { Item: item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 8) throw new Error('seeding: items still unprocessed');
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
      pending = output.UnprocessedItems?.[tableName] ?? [];
    }
  });
}

export const userIdOf = (index: number): string => `user-${String(index).padStart(5, '0')}`;
export const connectionIdOf = (userId: string): string => `conn-${userId}`;

export function connectionOf(userId: string, connectedAt: number): ConnectionRecord {
  return { connectionId: connectionIdOf(userId), userId, connectedAt, expiresAt: connectedAt + MAX_CONNECTION_MS };
}

/** A profile as ensureProfile leaves it on a first connection. */
export function profileItem(userId: string): Item {
  return { ...keys.profile(userId), userId, displayName: `Bench user ${userId.slice(-5)}`, nameSetByUser: false };
}

/** Users with a profile and one open connection each. */
export function userItems(userIds: readonly string[], connectedAt: number): Item[] {
  return userIds.flatMap((userId) => [profileItem(userId), ...connectionItems(connectionOf(userId, connectedAt))]);
}

/** A group room whose members each have their one connection subscribed to it. */
export function roomItems(roomId: string, memberIds: readonly string[], connectedAt: number): Item[] {
  const room = roomItem({
    roomId,
    name: `Bench room ${roomId}`,
    kind: 'group',
    createdBy: memberIds[0]!,
    createdAt: connectedAt,
    lastSeq: 0,
  });
  return [
    room,
    ...memberIds.map((userId) => memberItem(roomId, { roomId, userId, joinedAt: connectedAt, lastReadSeq: 0 })),
    ...memberIds.map((userId) =>
      subscriptionItem({
        roomId,
        connectionId: connectionIdOf(userId),
        userId,
        expiresAt: connectedAt + MAX_CONNECTION_MS,
        muted: false,
      }),
    ),
  ];
}

/** Subscriptions alone (connections that need no user items: the fan-out reads only SUB# items). */
export function subscriberItems(roomId: string, count: number, connectedAt: number): Item[] {
  return Array.from({ length: count }, (_, index) => {
    const userId = `listener-${roomId}-${index}`;
    return subscriptionItem({
      roomId,
      connectionId: connectionIdOf(userId),
      userId,
      expiresAt: connectedAt + MAX_CONNECTION_MS,
      muted: false,
    });
  });
}
