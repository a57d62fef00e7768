// The real DynamoDB store on dynalite, with a fault on the N-th DynamoDB call: a client middleware counts the
// commands the store sends and makes one fail, either before it reaches the table (nothing written) or after the
// table applied it (written, but the caller sees an error, as with a timeout on the way back).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../../lambdas/adapters/dynamo-stores.js';
import type { ChatStores } from '../../../lambdas/chat/ports.js';
import {
  embeddedDynamoClientConfig,
  ensureTable,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../../local/embedded-dynamo.js';
import type { TableItem } from './table-invariants.js';

export type FaultMode = 'before' | 'after';

export class InjectedStoreFault extends Error {
  constructor(
    readonly commandName: string,
    readonly mode: FaultMode,
  ) {
    super(`injected fault ${mode} ${commandName}`);
    this.name = 'InternalServerError';
  }
}

export interface FaultyDynamo {
  stores: ChatStores;
  /** Starts counting calls; the `failAt`-th one (from 1) fails in the given mode. No failAt: count only. */
  arm(options?: { failAt?: number; mode?: FaultMode }): void;
  /** Stops counting; returns the names of the calls made while armed, and whether the fault fired. */
  disarm(): { calls: string[]; fired: boolean };
  scan(): Promise<TableItem[]>;
  stop(): Promise<void>;
}

const TABLE = 'chat-faults';

export async function startFaultyDynamo(): Promise<FaultyDynamo> {
  const dynamo: EmbeddedDynamo = await startEmbeddedDynamo();
  const client = new DynamoDBClient(embeddedDynamoClientConfig(dynamo.endpoint));
  await ensureTable(client, TABLE);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  let armed: { failAt?: number; mode: FaultMode; calls: string[]; fired: boolean } | undefined;
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      const state = armed;
      if (!state) return next(args);
      state.calls.push(context.commandName ?? 'unknown');
      const hit = state.calls.length === state.failAt;
      if (hit && state.mode === 'before') {
        state.fired = true;
        throw new InjectedStoreFault(context.commandName ?? 'unknown', 'before');
      }
      const result = await next(args);
      if (hit) {
        state.fired = true;
        throw new InjectedStoreFault(context.commandName ?? 'unknown', 'after');
      }
      return result;
    },
    { step: 'initialize', name: 'injectStoreFault' },
  );
  return {
    stores: createDynamoStores({ client: documents, tableName: TABLE }),
    arm(options = {}) {
      armed = {
        ...(options.failAt !== undefined && { failAt: options.failAt }),
        mode: options.mode ?? 'before',
        calls: [],
        fired: false,
      };
    },
    disarm() {
      const state = armed ?? { calls: [], fired: false };
      armed = undefined;
      return { calls: state.calls, fired: state.fired };
    },
    async scan() {
      const items: TableItem[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({ TableName: TABLE, ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        items.push(...((page.Items ?? []) as TableItem[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
    async stop() {
      client.destroy();
      await dynamo.stop();
    },
  };
}
