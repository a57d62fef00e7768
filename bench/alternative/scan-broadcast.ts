// The design the benchmark compares against: the widely copied AWS sample "simple-websockets-chat-app"
// (aws-samples/simple-websockets-chat-app). One table of connections keyed by connectionId; $connect puts an item,
// $disconnect deletes it, and every send Scans the whole table and posts to each connection it finds, the sender
// included, all posts at once.
// Rooms are the usual extension of that sample: each connection item lists its rooms and the Scan filters on them.
// A filter does not reduce what a Scan reads (and is billed for): the whole table, whatever the room's size.
// Two defects of the sample are not copied, so the comparison is with the design rather than its bugs: the Scan
// follows LastEvaluatedKey (the sample reads only the first 1 MB), and a 410 deletes the gone recipient (the
// sample deletes the sender's own item).
import { CreateTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Notifier } from '../../lambdas/chat/ports.js';

export const SCAN_TABLE_NAME = 'bench-scan-connections';

export async function createScanTable(client: DynamoDBClient, tableName = SCAN_TABLE_NAME): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'connectionId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'connectionId', KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** The sample's item, plus the rooms the connection listens to. */
export function scanConnectionItem(connectionId: string, roomIds: readonly string[]): Record<string, unknown> {
  return { connectionId, rooms: new Set(roomIds) };
}

export interface ScanBroadcast {
  onConnect(connectionId: string, roomIds: readonly string[]): Promise<void>;
  onDisconnect(connectionId: string): Promise<void>;
  /** Scans every connection, keeps the room's, posts `payload` to each; returns how many posts it made. */
  send(roomId: string, payload: string): Promise<{ posts: number; scanned: number }>;
}

export function createScanBroadcast(options: {
  client: DynamoDBDocumentClient;
  notifier: Notifier;
  tableName?: string;
}): ScanBroadcast {
  const tableName = options.tableName ?? SCAN_TABLE_NAME;
  const { client, notifier } = options;

  async function remove(connectionId: string): Promise<void> {
    await client.send(new DeleteCommand({ TableName: tableName, Key: { connectionId } }));
  }

  return {
    async onConnect(connectionId, roomIds) {
      await client.send(new PutCommand({ TableName: tableName, Item: scanConnectionItem(connectionId, roomIds) }));
    },
    onDisconnect: remove,
    async send(roomId, payload) {
      const recipients: string[] = [];
      let scanned = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            ProjectionExpression: 'connectionId',
            FilterExpression: 'contains(#rooms, :room)',
            ExpressionAttributeNames: { '#rooms': 'rooms' },
            ExpressionAttributeValues: { ':room': roomId },
            ...(startKey && { ExclusiveStartKey: startKey }),
          }),
        );
        scanned += page.ScannedCount ?? 0;
        for (const item of page.Items ?? []) recipients.push(String(item.connectionId));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      await Promise.all(
        recipients.map(async (connectionId) => {
          if ((await notifier.post(connectionId, payload)) === 'gone') await remove(connectionId);
        }),
      );
      return { posts: recipients.length, scanned };
    },
  };
}
