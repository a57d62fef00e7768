// DynamoDB on this machine: dynalite (open source, DynamoDB's API on LevelDB) in process, for the local stack and
// the tests. In memory by default; with `dataDir`, LevelDB files in that folder so data outlives a restart.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { TABLE_SCHEMA } from '../lambdas/adapters/table-schema.js';
import { dataFolderProblem, LocalStackStartupError } from './startup-problem.js';

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite is CommonJS and ships no types; this is the one function of it used here.
const requireHere = createRequire(import.meta.url);
const dynalite = requireHere('dynalite') as (options: DynaliteOptions) => Server;

/** The LevelDB binding dynalite stores a data folder with (its own dependency, so always the same version). */
interface LevelDatabase {
  open(): Promise<void>;
  close(): Promise<void>;
}
const { Level } = createRequire(requireHere.resolve('dynalite'))('level') as {
  Level: new (path: string, options: { valueEncoding: string }) => LevelDatabase;
};

export interface EmbeddedDynamo {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDynamo(options: { dataDir?: string } = {}): Promise<EmbeddedDynamo> {
  if (options.dataDir !== undefined) await checkDataFolderFree(options.dataDir);
  // Tables become ACTIVE at once: nothing has to poll for them.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir !== undefined && { path: options.dataDir }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // SDK clients keep sockets alive; without this, close waits for them (dynalite's 30 s shutdown timeout).
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/**
 * dynalite opens its LevelDB folder lazily and, when another process holds LevelDB's lock on it, fails every request
 * later with "Database is closed". Opening (and closing) the folder once first turns that into a clear error now.
 */
async function checkDataFolderFree(dataDir: string): Promise<void> {
  const database = new Level(dataDir, { valueEncoding: 'json' });
  try {
    await database.open();
  } catch (error) {
    const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
    if (cause?.code === 'LEVEL_LOCKED') {
      throw new LocalStackStartupError(
        'data-folder-in-use',
        `The data folder ${dataDir} is in use by another local stack (its database is locked).`,
        {
          cause: error,
        },
      );
    }
    throw (
      dataFolderProblem(cause, dataDir) ??
      new LocalStackStartupError(
        'data-folder-unusable',
        `The data folder ${dataDir} cannot be opened: ${cause?.message ?? String(error)}`,
        { cause: error },
      )
    );
  }
  await database.close();
}

/** Client settings for dynalite: any region and credentials work, but the SDK insists on having some. */
export function embeddedDynamoClientConfig(endpoint: string): DynamoDBClientConfig {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/** Creates the chat table (TABLE_SCHEMA: pk/sk, the byUser index) unless it exists. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const index = TABLE_SCHEMA.userIndex;
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  } catch (error) {
    // Another process (a parallel test file, a second local stack) created it first: that is success too.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
