// DynamoDB's documented capacity rules, applied to item sizes we compute ourselves, so the benchmark does not depend
// on how faithfully dynalite imitates DynamoDB's accounting. Sources (Amazon DynamoDB Developer Guide):
// - item sizes ("Item sizes and formats"): attribute names and values in UTF-8 bytes; a number takes about one byte
//   per two significant digits plus one; booleans and null one byte; a list or map 3 bytes plus 1 per element;
// - reads ("Capacity unit consumption for reads"): 4 KB steps; eventually consistent halves the units; BatchGetItem
//   rounds each item on its own; Query and Scan round the total of all items read (filters do not reduce it);
//   a read that finds nothing still consumes the minimum (1 strongly consistent, 0.5 eventually consistent);
// - writes ("Capacity unit consumption for writes"): 1 KB steps of the larger of the item before and after;
//   BatchWriteItem rounds each item on its own; a conditional write whose condition fails still consumes units
//   (the new item's size for an existing item, 1 for a new one);
// - global secondary indexes ("Provisioned throughput considerations for GSIs"): a table write that puts, changes
//   or removes an index entry costs one more write per entry touched (two when an index key changes).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type RawItem = Record<string, AttributeValue>;

const utf8Bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Bytes DynamoDB counts for a number: one per two significant digits, plus one. */
export function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(significant.length / 2) + 1;
}

export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8Bytes(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8Bytes(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + attributeValueSize(element), 0);
  if (value.M !== undefined) {
    return (
      3 +
      Object.entries(value.M).reduce(
        (sum, [name, element]) => sum + 1 + utf8Bytes(name) + attributeValueSize(element),
        0,
      )
    );
  }
  throw new TypeError(`attributeValueSize: unknown attribute value ${JSON.stringify(Object.keys(value))}`);
}

/** The item's size: every attribute's name and value. */
export function itemSize(item: RawItem | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8Bytes(name) + attributeValueSize(value), 0);
}

const READ_STEP = 4096;
const WRITE_STEP = 1024;

/** Read units for `bytes` read in one request (never below the minimum charge). */
export function readUnits(bytes: number, consistent: boolean): number {
  const steps = Math.max(1, Math.ceil(bytes / READ_STEP));
  return consistent ? steps : steps / 2;
}

/** Write units for an item of `bytes` (never below one). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / WRITE_STEP));
}

/** GetItem: the item (or nothing, at the minimum). */
export const getItemUnits = (item: RawItem | undefined, consistent: boolean): number =>
  readUnits(itemSize(item), consistent);

/** BatchGetItem: each key on its own, found or not. */
export function batchGetUnits(sizes: readonly number[], consistent: boolean): number {
  return sizes.reduce((sum, bytes) => sum + readUnits(bytes, consistent), 0);
}

/** Query / Scan: the total size of every item read, filtered out or not, rounded once. */
export function queryUnits(evaluatedSizes: readonly number[], consistent: boolean): number {
  return readUnits(
    evaluatedSizes.reduce((sum, bytes) => sum + bytes, 0),
    consistent,
  );
}

/** Put / Update / Delete that succeeded: the larger of the item before and after. */
export const itemWriteUnits = (before: RawItem | undefined, after: RawItem | undefined): number =>
  writeUnits(Math.max(itemSize(before), itemSize(after)));

/**
 * A conditional write whose condition failed: for an existing item the size of the item the write would have left
 * (for an update we only know the old one), for a missing item one unit.
 */
export const failedConditionalWriteUnits = (existing: RawItem | undefined, attempted: RawItem | undefined): number =>
  existing ? writeUnits(itemSize(attempted ?? existing)) : 1;

export interface IndexKeySchema {
  partitionKey: string;
  sortKey?: string;
}

/** An item is in a sparse index only when it carries the index's key attributes. */
function indexKeyOf(item: RawItem | undefined, index: IndexKeySchema): string | undefined {
  if (!item) return undefined;
  const pk = item[index.partitionKey];
  if (!pk) return undefined;
  const sk = index.sortKey === undefined ? undefined : item[index.sortKey];
  if (index.sortKey !== undefined && !sk) return undefined;
  return JSON.stringify([pk, sk ?? null]);
}

const sameItem = (a: RawItem | undefined, b: RawItem | undefined): boolean =>
  JSON.stringify(sortedEntries(a)) === JSON.stringify(sortedEntries(b));

function sortedEntries(item: RawItem | undefined): unknown {
  if (!item) return null;
  return Object.keys(item)
    .sort()
    .map((name) => [name, item[name]]);
}

/**
 * Writes to an index with projection ALL caused by one table write that turned `before` into `after`: a new entry,
 * a removed entry or a changed entry costs one write each (an index key change is a delete and a put), sized by
 * the entry (the whole item, with ALL).
 */
export function indexWriteUnits(
  before: RawItem | undefined,
  after: RawItem | undefined,
  index: IndexKeySchema,
): number {
  const oldKey = indexKeyOf(before, index);
  const newKey = indexKeyOf(after, index);
  if (oldKey === undefined && newKey === undefined) return 0;
  if (oldKey === undefined) return writeUnits(itemSize(after));
  if (newKey === undefined) return writeUnits(itemSize(before));
  if (oldKey !== newKey) return writeUnits(itemSize(before)) + writeUnits(itemSize(after));
  return sameItem(before, after) ? 0 : writeUnits(Math.max(itemSize(before), itemSize(after)));
}
