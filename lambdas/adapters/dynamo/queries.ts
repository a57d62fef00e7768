// What the stores on the one table share: the common conditions, Query builders and the paging of list methods.
import type { Page, PageRequest } from '../../chat/ports.js';
import { assertPageLimit, decodeCursor, encodeCursor, type CursorShape } from './cursor.js';
import { EXPIRES_AT_MS, PK, SK, roomPk } from './keys.js';
import type { Expression, Item, QueryParams, Table } from './table.js';

export const ITEM_EXISTS: Expression = { expression: 'attribute_exists(#pk)', names: { '#pk': PK } };
export const ITEM_ABSENT: Expression = { expression: 'attribute_not_exists(#pk)', names: { '#pk': PK } };

/** A Query over one partition's sort-key prefix. */
export const prefixQuery = (pk: string, skPrefix: string, extra: Partial<QueryParams> = {}): QueryParams => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ...extra,
  ExpressionAttributeNames: { '#pk': PK, '#sk': SK, ...extra.ExpressionAttributeNames },
  ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix, ...extra.ExpressionAttributeValues },
});

/** Only items whose millisecond expiry is after `now` (the TTL attribute in seconds is never read). */
export const liveAt = (now: number): Partial<QueryParams> => ({
  FilterExpression: '#expiresAtMs > :now',
  ExpressionAttributeNames: { '#expiresAtMs': EXPIRES_AT_MS },
  ExpressionAttributeValues: { ':now': now },
});

/** The cursor of a listing within a room's partition: that partition, that sort-key prefix. */
export const roomPartitionCursor = (roomId: string, skPrefix: string): CursorShape => ({
  [PK]: { equals: roomPk(roomId) },
  [SK]: { prefix: skPrefix },
});

const pick = (item: Item, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, String(item[name])]));

/**
 * One page of up to `limit` items. It reads limit + 1 so the cursor is issued only when another item follows,
 * and builds the cursor from the last item returned (the LastEvaluatedKey a Limit of `limit` would have given).
 */
export async function listPage<T>(
  table: Table,
  operation: string,
  params: QueryParams,
  page: PageRequest,
  cursorShape: CursorShape,
  fromItem: (item: Item) => T,
): Promise<Page<T>> {
  assertPageLimit(page.limit);
  const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, cursorShape);
  const { items } = await table.collect(operation, params, page.limit + 1, startKey);
  const result: Page<T> = { items: items.slice(0, page.limit).map(fromItem) };
  if (items.length > page.limit) result.cursor = encodeCursor(pick(items[page.limit - 1]!, Object.keys(cursorShape)));
  return result;
}

/** Every live item under one partition's sort-key prefix: for small sets (a user's connections, a room's typists). */
export async function listLive<T>(
  table: Table,
  operation: string,
  pk: string,
  skPrefix: string,
  now: number,
  fromItem: (item: Item) => T,
): Promise<T[]> {
  const { items } = await table.collect(operation, prefixQuery(pk, skPrefix, liveAt(now)), Infinity);
  return items.map(fromItem);
}
