// Capacity accounting for the benchmark. Every request the instrumented client sends is charged twice:
// - as the server reported it (ReturnConsumedCapacity, which dynalite computes), and
// - by DynamoDB's documented rules (./dynamo-rules.ts) from the sizes of the items involved, read back through a
//   second, uninstrumented client: the item before a write, the item after an update, the items a filtered
//   Query/Scan read but did not return.
// The two differ where dynalite's accounting is not DynamoDB's (index writes, failed conditional writes, empty
// queries, UTF-8); the report shows both and prices the second.
// Charges are attributed with AsyncLocalStorage: to the measured scope (measure()) and to the store method
// that issued them (wrapStores()), which a conditional write that failed cannot report through the store's own
// onConsumedCapacity hook.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BatchGetItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type ConsumedCapacity,
  type DynamoDBClientConfig,
  type KeysAndAttributes,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatStores } from '../../lambdas/chat/ports.js';
import type { ConsumedCapacityListener } from '../../lambdas/adapters/dynamo-stores.js';
import {
  batchGetUnits,
  failedConditionalWriteUnits,
  getItemUnits,
  indexWriteUnits,
  itemSize,
  itemWriteUnits,
  queryUnits,
  writeUnits,
  type IndexKeySchema,
  type RawItem,
} from './dynamo-rules.js';

/** What one request cost. */
export interface CapacityCharge {
  command: string;
  /** The store method (or the caller's label) that sent it. */
  operation: string;
  /** By DynamoDB's rules. */
  readUnits: number;
  writeUnits: number;
  /** Writes to the table's global secondary indexes caused by this request (part of DynamoDB's write bill). */
  indexWriteUnits: number;
  /** As the server (dynalite) reported it; undefined when it reported nothing (a failed conditional write). */
  reportedUnits?: number;
  conditionFailed: boolean;
}

export interface Tally {
  charges: CapacityCharge[];
  /** What the store's onConsumedCapacity hook reported, per store operation. */
  hookUnits: number;
}

export interface TallyTotals {
  requests: number;
  readUnits: number;
  /** Table writes plus index writes: what DynamoDB bills as write request units. */
  writeUnits: number;
  indexWriteUnits: number;
  reportedReadUnits: number;
  reportedWriteUnits: number;
  failedConditionalWrites: number;
}

const READ_COMMANDS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

export function totalsOf(charges: readonly CapacityCharge[]): TallyTotals {
  const totals: TallyTotals = {
    requests: charges.length,
    readUnits: 0,
    writeUnits: 0,
    indexWriteUnits: 0,
    reportedReadUnits: 0,
    reportedWriteUnits: 0,
    failedConditionalWrites: 0,
  };
  for (const charge of charges) {
    totals.readUnits += charge.readUnits;
    totals.writeUnits += charge.writeUnits + charge.indexWriteUnits;
    totals.indexWriteUnits += charge.indexWriteUnits;
    if (READ_COMMANDS.has(charge.command)) totals.reportedReadUnits += charge.reportedUnits ?? 0;
    else totals.reportedWriteUnits += charge.reportedUnits ?? 0;
    if (charge.conditionFailed) totals.failedConditionalWrites += 1;
  }
  return totals;
}

interface TableShape {
  keyNames: string[];
  indexes: IndexKeySchema[];
}

export interface CapacityMeter {
  /** The instrumented client: hand it to createDynamoStores (or use it directly). */
  client: DynamoDBDocumentClient;
  /** Pass to createDynamoStores: the store's own report, cross-checked against what the meter saw. */
  onConsumedCapacity: ConsumedCapacityListener;
  /** Labels every request of a store method with the method's name. */
  wrapStores(stores: ChatStores): ChatStores;
  /** Runs `work` and returns what every request it caused cost (requests of concurrent work are not mixed in). */
  measure<T>(work: () => Promise<T>): Promise<{ result: T; tally: Tally }>;
  /** Runs `work` with its requests labelled `operation` (for callers that are not a store). */
  label<T>(operation: string, work: () => Promise<T>): Promise<T>;
  destroy(): void;
}

export function createCapacityMeter(config: DynamoDBClientConfig): CapacityMeter {
  const scope = new AsyncLocalStorage<Tally>();
  const operation = new AsyncLocalStorage<string>();
  // Reads the items a charge depends on; never instrumented, never charged.
  const raw = new DynamoDBClient(config);
  const base = new DynamoDBClient(config);
  const client = DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
  const shapes = new Map<string, Promise<TableShape>>();

  function shapeOf(tableName: string): Promise<TableShape> {
    let shape = shapes.get(tableName);
    if (!shape) {
      shape = raw.send(new DescribeTableCommand({ TableName: tableName })).then(({ Table }) => ({
        keyNames: (Table?.KeySchema ?? []).map((element) => element.AttributeName!),
        indexes: (Table?.GlobalSecondaryIndexes ?? []).map((index) => {
          const hash = index.KeySchema?.find((element) => element.KeyType === 'HASH')?.AttributeName;
          const range = index.KeySchema?.find((element) => element.KeyType === 'RANGE')?.AttributeName;
          return range === undefined ? { partitionKey: hash! } : { partitionKey: hash!, sortKey: range };
        }),
      }));
      shapes.set(tableName, shape);
    }
    return shape;
  }

  const keyOf = (item: RawItem, shape: TableShape): RawItem =>
    Object.fromEntries(shape.keyNames.map((name) => [name, item[name]!]));

  async function current(tableName: string, key: RawItem): Promise<RawItem | undefined> {
    const { Item } = await raw.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }));
    return Item;
  }

  function indexWrites(shape: TableShape, before: RawItem | undefined, after: RawItem | undefined): number {
    return shape.indexes.reduce((sum, index) => sum + indexWriteUnits(before, after, index), 0);
  }

  /** The items a Query/Scan read: without its filter and projection, from the same start, as many as it scanned. */
  async function evaluatedSizes(
    command: 'QueryCommand' | 'ScanCommand',
    input: Record<string, unknown>,
    output: Record<string, unknown>,
  ) {
    const scanned = Number(output.ScannedCount ?? 0);
    const items = ((output.Items ?? []) as unknown[]).map((item) => asRaw(item)!);
    const reshaped =
      input.FilterExpression !== undefined || input.ProjectionExpression !== undefined || input.Select !== undefined;
    if (!reshaped || scanned === 0) return items.map(itemSize);
    const kept = placeholdersOf(String(input.KeyConditionExpression ?? ''));
    const names = pickPlaceholders(input.ExpressionAttributeNames as Record<string, string> | undefined, kept);
    const values = pickPlaceholders(
      input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined,
      kept,
    );
    const again = {
      TableName: input.TableName as string,
      ...(input.IndexName !== undefined && { IndexName: input.IndexName as string }),
      ...(input.KeyConditionExpression !== undefined && {
        KeyConditionExpression: input.KeyConditionExpression as string,
      }),
      ...(names && { ExpressionAttributeNames: names }),
      ...(values && { ExpressionAttributeValues: values }),
      ...(input.ExclusiveStartKey !== undefined && { ExclusiveStartKey: input.ExclusiveStartKey as RawItem }),
      ...(input.ScanIndexForward !== undefined && { ScanIndexForward: input.ScanIndexForward as boolean }),
      Limit: scanned,
    };
    const result =
      command === 'QueryCommand' ? await raw.send(new QueryCommand(again)) : await raw.send(new ScanCommand(again));
    return (result.Items ?? []).map(itemSize);
  }

  const record = (charge: Omit<CapacityCharge, 'operation'>): void => {
    scope.getStore()?.charges.push({ ...charge, operation: operation.getStore() ?? '(unlabelled)' });
  };

  base.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      const input = args.input as Record<string, unknown>;
      if (!scope.getStore()) return next(args);
      switch (command) {
        case 'GetItemCommand': {
          const result = await next(args);
          const output = result.output as unknown as Record<string, unknown>;
          record({
            command,
            readUnits: getItemUnits(asRaw(output.Item), input.ConsistentRead === true),
            writeUnits: 0,
            indexWriteUnits: 0,
            reportedUnits: reportedUnits(output.ConsumedCapacity),
            conditionFailed: false,
          });
          return result;
        }
        case 'BatchGetItemCommand': {
          const result = await next(args);
          const output = result.output as unknown as Record<string, unknown>;
          let units = 0;
          for (const [table, request] of Object.entries(input.RequestItems as Record<string, KeysAndAttributes>)) {
            const found = ((output.Responses as Record<string, unknown[]> | undefined)?.[table] ?? []).map((item) =>
              itemSize(asRaw(item)),
            );
            const unprocessed =
              (output.UnprocessedKeys as Record<string, KeysAndAttributes> | undefined)?.[table]?.Keys?.length ?? 0;
            const missing = (request.Keys?.length ?? 0) - unprocessed - found.length;
            units += batchGetUnits(
              [...found, ...new Array<number>(Math.max(0, missing)).fill(0)],
              request.ConsistentRead === true,
            );
          }
          record({
            command,
            readUnits: units,
            writeUnits: 0,
            indexWriteUnits: 0,
            reportedUnits: reportedUnits(output.ConsumedCapacity),
            conditionFailed: false,
          });
          return result;
        }
        case 'QueryCommand':
        case 'ScanCommand': {
          const result = await next(args);
          const output = result.output as unknown as Record<string, unknown>;
          const sizes = await evaluatedSizes(command, input, output);
          record({
            command,
            readUnits: queryUnits(sizes, input.ConsistentRead === true),
            writeUnits: 0,
            indexWriteUnits: 0,
            reportedUnits: reportedUnits(output.ConsumedCapacity),
            conditionFailed: false,
          });
          return result;
        }
        case 'PutItemCommand':
        case 'UpdateItemCommand':
        case 'DeleteItemCommand': {
          const tableName = input.TableName as string;
          const shape = await shapeOf(tableName);
          const key = command === 'PutItemCommand' ? keyOf(input.Item as RawItem, shape) : (input.Key as RawItem);
          const before = await current(tableName, key);
          try {
            const result = await next(args);
            const output = result.output as unknown as Record<string, unknown>;
            let after: RawItem | undefined;
            if (command === 'PutItemCommand') after = input.Item as RawItem;
            else if (command === 'UpdateItemCommand') after = await current(tableName, key);
            record({
              command,
              readUnits: 0,
              writeUnits:
                command === 'DeleteItemCommand' ? writeUnits(itemSize(before)) : itemWriteUnits(before, after),
              indexWriteUnits: indexWrites(shape, before, after),
              reportedUnits: reportedUnits(output.ConsumedCapacity),
              conditionFailed: false,
            });
            return result;
          } catch (error) {
            if ((error as Error).name === 'ConditionalCheckFailedException') {
              record({
                command,
                readUnits: 0,
                writeUnits: failedConditionalWriteUnits(
                  before,
                  command === 'PutItemCommand' ? (input.Item as RawItem) : undefined,
                ),
                indexWriteUnits: 0,
                conditionFailed: true,
              });
            }
            throw error;
          }
        }
        case 'BatchWriteItemCommand': {
          const requests = input.RequestItems as Record<string, WriteRequest[]>;
          const befores = new Map<string, Map<string, RawItem | undefined>>();
          for (const [tableName, writes] of Object.entries(requests)) {
            const shape = await shapeOf(tableName);
            const keys = writes.map((write) =>
              write.PutRequest ? keyOf(write.PutRequest.Item as RawItem, shape) : (write.DeleteRequest!.Key as RawItem),
            );
            befores.set(tableName, await currentMany(tableName, keys, shape));
          }
          const result = await next(args);
          const output = result.output as unknown as Record<string, unknown>;
          const unprocessed = (output.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
          let units = 0;
          let indexUnits = 0;
          for (const [tableName, writes] of Object.entries(requests)) {
            const shape = await shapeOf(tableName);
            const skipped = new Set((unprocessed[tableName] ?? []).map((write) => JSON.stringify(write)));
            for (const write of writes) {
              if (skipped.has(JSON.stringify(write))) continue;
              const after = write.PutRequest?.Item as RawItem | undefined;
              const key = after ? keyOf(after, shape) : (write.DeleteRequest!.Key as RawItem);
              const before = befores.get(tableName)!.get(JSON.stringify(key));
              units += after ? itemWriteUnits(before, after) : writeUnits(itemSize(before));
              indexUnits += indexWrites(shape, before, after);
            }
          }
          record({
            command,
            readUnits: 0,
            writeUnits: units,
            indexWriteUnits: indexUnits,
            reportedUnits: reportedUnits(output.ConsumedCapacity),
            conditionFailed: false,
          });
          return result;
        }
        default:
          return next(args);
      }
    },
    // After serialisation's input is final (the document client marshals during initialize), before retries.
    { step: 'build', name: 'benchCapacityMeter' },
  );

  async function currentMany(
    tableName: string,
    keys: RawItem[],
    shape: TableShape,
  ): Promise<Map<string, RawItem | undefined>> {
    const found = new Map<string, RawItem | undefined>(keys.map((key) => [JSON.stringify(key), undefined]));
    const unique = [...new Map(keys.map((key) => [JSON.stringify(key), key])).values()];
    for (let start = 0; start < unique.length; start += 100) {
      const { Responses } = await raw.send(
        new BatchGetItemCommand({
          RequestItems: { [tableName]: { Keys: unique.slice(start, start + 100), ConsistentRead: true } },
        }),
      );
      for (const item of Responses?.[tableName] ?? []) found.set(JSON.stringify(keyOf(item, shape)), item);
    }
    return found;
  }

  return {
    client,
    onConsumedCapacity(_operation, capacity) {
      const tally = scope.getStore();
      if (tally) tally.hookUnits += capacity.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
    },
    wrapStores(stores) {
      const labelled = <S extends object>(store: S): S =>
        new Proxy(store, {
          get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver) as unknown;
            if (typeof value !== 'function') return value;
            return (...args: unknown[]) =>
              operation.run(String(property), () => (value as (...a: unknown[]) => unknown).apply(target, args));
          },
        });
      return {
        profiles: labelled(stores.profiles),
        connections: labelled(stores.connections),
        presence: labelled(stores.presence),
        rooms: labelled(stores.rooms),
        subscriptions: labelled(stores.subscriptions),
        messages: labelled(stores.messages),
        typing: labelled(stores.typing),
        devices: labelled(stores.devices),
        blocks: labelled(stores.blocks),
        reports: labelled(stores.reports),
        occupancy: labelled(stores.occupancy),
      };
    },
    async measure(work) {
      const tally: Tally = { charges: [], hookUnits: 0 };
      const result = await scope.run(tally, work);
      return { result, tally };
    },
    label(name, work) {
      return operation.run(name, work);
    },
    destroy() {
      client.destroy();
      base.destroy();
      raw.destroy();
    },
  };
}

/**
 * Items in an output as DynamoDB sent them. The middleware sits where inputs are already marshalled but outputs are
 * already unmarshalled by the document client; marshalling again restores the attribute types the sizes depend on.
 */
function asRaw(item: unknown): RawItem | undefined {
  if (item === undefined || item === null) return undefined;
  return Object.fromEntries(
    Object.entries(item as Record<string, unknown>)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, toAttributeValue(value)]),
  );
}

/** The document client's marshalling, for the value types the sizes depend on. */
export function toAttributeValue(value: unknown): AttributeValue {
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: value };
  if (Array.isArray(value)) return { L: value.map(toAttributeValue) };
  if (value instanceof Set) {
    const members = [...value] as unknown[];
    if (members.every((member) => typeof member === 'string')) return { SS: members as string[] };
    if (members.every((member) => typeof member === 'number')) return { NS: members.map(String) };
    return { BS: members as Uint8Array[] };
  }
  return { M: asRaw(value)! };
}

function reportedUnits(consumed: unknown): number | undefined {
  if (consumed === undefined) return undefined;
  const entries = (Array.isArray(consumed) ? consumed : [consumed]) as ConsumedCapacity[];
  return entries.reduce((sum, entry) => sum + (entry.CapacityUnits ?? 0), 0);
}

/** The #name and :value placeholders an expression uses. */
export function placeholdersOf(expression: string): Set<string> {
  return new Set(expression.match(/[#:][A-Za-z0-9_]+/g) ?? []);
}

function pickPlaceholders<T>(map: Record<string, T> | undefined, kept: Set<string>): Record<string, T> | undefined {
  if (!map) return undefined;
  const picked = Object.fromEntries(Object.entries(map).filter(([name]) => kept.has(name)));
  return Object.keys(picked).length > 0 ? picked : undefined;
}
