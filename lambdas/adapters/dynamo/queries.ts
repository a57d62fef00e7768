// What the stores on the one table share: the common conditions, Query builders and the paging of list methods.
import type { Page, PageRequest } from '../../chat/ports.js';
import { assertPageLimit, decodeCursor, encodeCursor, type CursorShape } from './cursor.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { EXPIRES_AT_MS, GSI_PK, GSI_SK, PK, SK, roomPk, sweepPk } from './keys.js';
import { SWEEP_SHARDS } from '../../chat/ports/connections.js';
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
 * and builds the cursor from the last item returned (the LastEvaluatedKey a Limit of `limit` would have given);
 * cursorAfter builds the same from any item of the page.
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
  const kept = items.slice(0, page.limit);
  const cursorAfter = (index: number): string => encodeCursor(pick(kept[index]!, Object.keys(cursorShape)));
  const result: Page<T> = { items: kept.map(fromItem), cursorAfter };
  if (items.length > page.limit) result.cursor = cursorAfter(page.limit - 1);
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
  consistent = false,
): Promise<T[]> {
  const params = prefixQuery(pk, skPrefix, { ...liveAt(now), ...(consistent && { ConsistentRead: true }) });
  const { items } = await table.collect(operation, params, Infinity);
  return items.map(fromItem);
}

/** One page of a sweep shard's items of one kind (SWEEP#<shard>, sort-key prefix), for the sweeper. */
export function listSweepShard<T>(
  table: Table,
  operation: string,
  shard: number,
  skPrefix: string,
  page: PageRequest,
  fromItem: (item: Item) => T,
): Promise<Page<T>> {
  if (!Number.isInteger(shard) || shard < 0 || shard >= SWEEP_SHARDS) throw new RangeError(`shard: ${shard}`);
  const pk = sweepPk(shard);
  return listPage(
    table,
    operation,
    prefixQuery(pk, skPrefix),
    page,
    { [PK]: { equals: pk }, [SK]: { prefix: skPrefix } },
    fromItem,
  );
}

/**
 * One page of the byUser index under one partition value (a user's memberships, or the rooms a user is marked
 * online in): items of the table whose sort keys start with `skPrefix`, in room order.
 */
export function listByUserIndex<T>(
  table: Table,
  operation: string,
  gsiPk: string,
  skPrefix: string,
  page: PageRequest,
  fromItem: (item: Item) => T,
): Promise<Page<T>> {
  return listPage(
    table,
    operation,
    {
      IndexName: TABLE_SCHEMA.userIndex.name,
      KeyConditionExpression: '#gsiPk = :gsiPk',
      ExpressionAttributeNames: { '#gsiPk': GSI_PK },
      ExpressionAttributeValues: { ':gsiPk': gsiPk },
    },
    page,
    {
      // A LastEvaluatedKey of an index carries the index's keys and the table's.
      [GSI_PK]: { equals: gsiPk },
      [GSI_SK]: { prefix: 'ROOM#' },
      [PK]: { prefix: 'ROOM#' },
      [SK]: { prefix: skPrefix },
    },
    fromItem,
  );
}
