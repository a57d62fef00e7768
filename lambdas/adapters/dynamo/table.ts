// A thin layer over the DocumentClient for one table: every call names the store operation it serves (so consumed
// capacity can be attributed to it in benchmarks), queries follow pages, and batches are chunked to DynamoDB's
// limits with unprocessed keys / items retried (throttling returns them instead of failing the call).
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { PK, SK, type ItemKey } from './keys.js';

export type Item = Record<string, unknown>;

/** Called with the store operation (a store method name) and what one request consumed. */
export type ConsumedCapacityListener = (operation: string, capacity: ConsumedCapacity[]) => void;

export interface TableOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  onConsumedCapacity?: ConsumedCapacityListener;
}

/** A condition or update expression with its placeholders. */
export interface Expression {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** An UpdateItem: what to change, on which condition, and which attributes to return (default none). */
export interface UpdateRequest {
  update: Expression;
  condition?: Expression;
  returnValues?: 'NONE' | 'ALL_NEW' | 'UPDATED_NEW' | 'UPDATED_OLD';
}

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: ItemKey } };

/** The key condition and options of a Query, without table name, paging and capacity (those are added here). */
export type QueryParams = Omit<
  QueryCommandInput,
  'TableName' | 'ExclusiveStartKey' | 'Limit' | 'ReturnConsumedCapacity'
>;

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const MAX_BATCH_ATTEMPTS = 8;

export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Exponential with full jitter, capped: retries of a throttled batch spread out instead of hammering in step. */
const backoff = (attempt: number) => sleep(Math.random() * Math.min(1_000, 20 * 2 ** attempt));

/**
 * Promise.all for writes: waits until every write has settled before it rejects with the first failure. With
 * Promise.all a caller that undoes after a failure could run while a sibling write is still in flight, and that
 * write would land after the undo.
 */
export async function allWritesSettled<T>(writes: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<T>).value);
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < list.length; start += size) result.push(list.slice(start, start + size));
  return result;
}

const keyId = (key: ItemKey) => JSON.stringify([key[PK], key[SK]]);
const writeKey = (request: WriteRequest): ItemKey =>
  'PutRequest' in request
    ? { [PK]: String(request.PutRequest.Item[PK]), [SK]: String(request.PutRequest.Item[SK]) }
    : request.DeleteRequest.Key;

function expressionParts(prefix: 'ConditionExpression' | 'UpdateExpression', expression: Expression | undefined) {
  if (!expression) return {};
  return {
    [prefix]: expression.expression,
    ...(expression.names && { ExpressionAttributeNames: expression.names }),
    ...(expression.values && { ExpressionAttributeValues: expression.values }),
  };
}

function mergeExpressions(update: Expression, condition: Expression | undefined) {
  const names = { ...update.names, ...condition?.names };
  const values = { ...update.values, ...condition?.values };
  return {
    UpdateExpression: update.expression,
    ...(condition && { ConditionExpression: condition.expression }),
    ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
}

export type Table = ReturnType<typeof createTable>;

export function createTable({ client, tableName, onConsumedCapacity }: TableOptions) {
  const capacity = onConsumedCapacity ? { ReturnConsumedCapacity: 'TOTAL' as const } : {};
  const report = (operation: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined) => {
    if (onConsumedCapacity && consumed) onConsumedCapacity(operation, Array.isArray(consumed) ? consumed : [consumed]);
  };

  async function get(operation: string, key: ItemKey, consistent = false): Promise<Item | undefined> {
    const output = await client.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: consistent, ...capacity }),
    );
    report(operation, output.ConsumedCapacity);
    return output.Item;
  }

  async function put(operation: string, item: Item, condition?: Expression): Promise<void> {
    const output = await client.send(
      new PutCommand({
        TableName: tableName,
        Item: item,
        ...expressionParts('ConditionExpression', condition),
        ...capacity,
      }),
    );
    report(operation, output.ConsumedCapacity);
  }

  /** A put that only succeeds when its condition holds; false (not an error) when it does not. */
  async function putIf(operation: string, item: Item, condition: Expression): Promise<boolean> {
    try {
      await put(operation, item, condition);
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Updates unconditionally; returns the attributes asked for (an empty item for NONE). */
  async function update(operation: string, key: ItemKey, request: UpdateRequest): Promise<Item> {
    const output = await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: key,
        ...mergeExpressions(request.update, request.condition),
        ReturnValues: request.returnValues ?? 'NONE',
        ...capacity,
      }),
    );
    report(operation, output.ConsumedCapacity);
    return output.Attributes ?? {};
  }

  /** Updates when the condition holds; returns the attributes asked for, or undefined when it did not hold. */
  async function updateIf(
    operation: string,
    key: ItemKey,
    request: UpdateRequest & { condition: Expression },
  ): Promise<Item | undefined> {
    try {
      return await update(operation, key, request);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /** Deletes; returns the old item (undefined when there was none or the condition did not hold). */
  async function remove(operation: string, key: ItemKey, condition?: Expression): Promise<Item | undefined> {
    try {
      const output = await client.send(
        new DeleteCommand({
          TableName: tableName,
          Key: key,
          ReturnValues: 'ALL_OLD',
          ...expressionParts('ConditionExpression', condition),
          ...capacity,
        }),
      );
      report(operation, output.ConsumedCapacity);
      return output.Attributes;
    } catch (error) {
      if (condition && isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  /**
   * Reads pages until `wanted` items have come back (after any FilterExpression) or the key range is exhausted.
   * A page can end early at 1 MB or at Limit (which counts items before filtering), so one request is never assumed
   * to be enough. `wanted` = Infinity reads the whole range.
   */
  async function collect(operation: string, params: QueryParams, wanted: number, startKey?: Item) {
    const items: Item[] = [];
    let exclusiveStartKey = startKey;
    for (;;) {
      const remaining = wanted - items.length;
      const output = await client.send(
        new QueryCommand({
          ...params,
          TableName: tableName,
          ...(Number.isFinite(remaining) && { Limit: remaining }),
          ...(exclusiveStartKey && { ExclusiveStartKey: exclusiveStartKey }),
          ...capacity,
        }),
      );
      report(operation, output.ConsumedCapacity);
      items.push(...(output.Items ?? []));
      exclusiveStartKey = output.LastEvaluatedKey;
      if (items.length >= wanted || !exclusiveStartKey) return { items, exhausted: !exclusiveStartKey };
    }
  }

  /**
   * Reads a key range oldest first in pages of at most `pageSize` items, handing each page to `visit` until it
   * answers 'stop', the range ends or `maxScanned` items were read. Capacity is charged for every item read
   * (projections and filters do not lower it), so the bounds are what bounds the cost.
   */
  async function scanRange(
    operation: string,
    params: QueryParams,
    bounds: { pageSize: number; maxScanned: number },
    visit: (items: Item[]) => 'more' | 'stop',
  ): Promise<void> {
    let scanned = 0;
    let exclusiveStartKey: Item | undefined;
    let answer: 'more' | 'stop';
    do {
      const output = await client.send(
        new QueryCommand({
          ...params,
          TableName: tableName,
          Limit: Math.min(bounds.pageSize, bounds.maxScanned - scanned),
          ...(exclusiveStartKey && { ExclusiveStartKey: exclusiveStartKey }),
          ...capacity,
        }),
      );
      report(operation, output.ConsumedCapacity);
      scanned += output.ScannedCount ?? 0;
      answer = visit(output.Items ?? []);
      exclusiveStartKey = output.LastEvaluatedKey;
    } while (exclusiveStartKey && answer === 'more' && scanned < bounds.maxScanned);
  }

  /** Items by key, in any order; keys may repeat (BatchGetItem itself refuses duplicates). */
  async function batchGet(operation: string, keys: readonly ItemKey[], consistent = false): Promise<Item[]> {
    const unique = [...new Map(keys.map((key) => [keyId(key), key])).values()];
    const pages = await Promise.all(
      chunks(unique, BATCH_GET_MAX).map(async (chunk) => {
        const found: Item[] = [];
        let pending: ItemKey[] = chunk;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= MAX_BATCH_ATTEMPTS)
            throw new Error(`${operation}: keys still unprocessed after ${attempt} attempts`);
          if (attempt > 0) await backoff(attempt);
          const output = await client.send(
            new BatchGetCommand({
              RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } },
              ...capacity,
            }),
          );
          report(operation, output.ConsumedCapacity);
          found.push(...(output.Responses?.[tableName] ?? []));
          pending = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as ItemKey[];
        }
        return found;
      }),
    );
    return pages.flat();
  }

  /** Puts and deletes in batches of 25; a later request for the same key wins (BatchWriteItem refuses duplicates). */
  async function batchWrite(operation: string, requests: readonly WriteRequest[]) {
    const unique = [...new Map(requests.map((request) => [keyId(writeKey(request)), request])).values()];
    await allWritesSettled(
      chunks(unique, BATCH_WRITE_MAX).map(async (chunk) => {
        let pending: WriteRequest[] = chunk;
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt >= MAX_BATCH_ATTEMPTS)
            throw new Error(`${operation}: items still unprocessed after ${attempt} attempts`);
          if (attempt > 0) await backoff(attempt);
          const output = await client.send(
            new BatchWriteCommand({ RequestItems: { [tableName]: pending }, ...capacity }),
          );
          report(operation, output.ConsumedCapacity);
          pending = (output.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
        }
      }),
    );
  }

  return { get, put, putIf, update, updateIf, remove, collect, scanRange, batchGet, batchWrite };
}
