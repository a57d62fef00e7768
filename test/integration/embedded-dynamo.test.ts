// The embedded DynamoDB the local stack and the tests run on: in memory by default, on disk when given a folder.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createDynamoStores } from '../../lambdas/adapters/dynamo-stores.js';
import { TABLE_SCHEMA } from '../../lambdas/adapters/table-schema.js';
import {
  embeddedDynamoClientConfig,
  ensureTable,
  startEmbeddedDynamo,
  type EmbeddedDynamo,
} from '../../local/embedded-dynamo.js';

const tableName = 'chat-embedded-test';
const running: { dynamo: EmbeddedDynamo; client: DynamoDBClient }[] = [];

async function start(dataDir?: string) {
  const dynamo = await startEmbeddedDynamo(dataDir === undefined ? {} : { dataDir });
  const client = new DynamoDBClient(embeddedDynamoClientConfig(dynamo.endpoint));
  running.push({ dynamo, client });
  return { dynamo, client };
}

async function stop(entry: { dynamo: EmbeddedDynamo; client: DynamoDBClient }) {
  entry.client.destroy();
  await entry.dynamo.stop();
  running.splice(running.indexOf(entry), 1);
}

afterEach(async () => {
  for (const entry of [...running]) await stop(entry);
});

describe('embedded DynamoDB', () => {
  it('listens on a random port of 127.0.0.1 and creates the chat table with the byUser index', async () => {
    const { dynamo, client } = await start();
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await ensureTable(client, tableName);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: TABLE_SCHEMA.userIndex.name,
      Projection: { ProjectionType: 'ALL' },
    });
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('stops promptly even while a client holds keep-alive sockets', async () => {
    const entry = await start();
    await ensureTable(entry.client, tableName);
    const began = Date.now();
    await entry.dynamo.stop();
    expect(Date.now() - began).toBeLessThan(5_000);
    await expect(ensureTable(entry.client, tableName)).rejects.toThrow();
    entry.client.destroy();
    running.splice(running.indexOf(entry), 1);
  });

  it('keeps data in the given folder across a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'chat-dynalite-'));
    try {
      const first = await start(dataDir);
      await ensureTable(first.client, tableName);
      const stores = createDynamoStores({ client: DynamoDBDocumentClient.from(first.client), tableName });
      await stores.profiles.ensureProfile('persisted-user', 'Still Here');
      await stop(first);
      expect((await readdir(dataDir)).length).toBeGreaterThan(0);

      const second = await start(dataDir);
      await ensureTable(second.client, tableName);
      const reopened = createDynamoStores({ client: DynamoDBDocumentClient.from(second.client), tableName });
      expect((await reopened.profiles.getProfiles(['persisted-user'])).get('persisted-user')?.displayName).toBe(
        'Still Here',
      );
    } finally {
      for (const entry of [...running]) await stop(entry);
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
