// The real local stack (in memory, random port) with what the attacking suites need around it: the gateway's
// connection ids per user, tokens and URLs, DELETE /@connections, and a look at the table behind the handlers.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoStores } from '../../../lambdas/adapters/dynamo-stores.js';
import type { ChatStores } from '../../../lambdas/chat/ports.js';
import { embeddedDynamoClientConfig } from '../../../local/embedded-dynamo.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../local/stack.js';
import { ProbeSocket } from './probe-socket.js';
import { deleteConnectionOn } from '../../support/management-call.js';

export type TableItem = Record<string, unknown>;

export interface ProbedStack {
  stack: LocalStack;
  /** Open connection ids of a user, oldest first, as the gateway's $connect / $disconnect events tell them. */
  connectionsOf(userId: string): string[];
  /** Every $connect and $disconnect the gateway ran, in order. */
  readonly gatewayEvents: ReadonlyArray<{ eventType: string; connectionId: string; userId: string }>;
  tokenFor(userId: string, claims?: Record<string, unknown>): string;
  urlWithToken(token: string): string;
  /** Connects as the user (a token minted by the stack) and returns the socket with its connection id. */
  connect(
    userId: string,
    options?: { label?: string; keepEvents?: boolean; name?: string },
  ): Promise<{ socket: ProbeSocket; connectionId: string }>;
  /** DELETE /@connections/<id>: the gateway closes the connection, as API Gateway does. */
  deleteConnection(connectionId: string): Promise<number>;
  /** The DynamoDB stores on the stack's table, for their read methods. */
  stores: ChatStores;
  /** Every item of the table. A Scan, which only tests use, to see everything the handlers left behind. */
  tableItems(): Promise<TableItem[]>;
  stop(): Promise<void>;
}

export async function startProbedStack(
  options: Omit<LocalStackOptions, 'port' | 'dataDir'> = {},
): Promise<ProbedStack> {
  const open = new Map<string, string[]>();
  const gatewayEvents: Array<{ eventType: string; connectionId: string; userId: string }> = [];
  const stack = await startLocalStack({
    logLevel: 'WARN',
    ...options,
    port: 0,
    dataDir: null,
    onIntegrationEvent: (event) => {
      options.onIntegrationEvent?.(event);
      const { eventType, connectionId, authorizer } = event.requestContext;
      const userId = String(authorizer?.userId ?? authorizer?.principalId);
      if (eventType === 'CONNECT' || eventType === 'DISCONNECT')
        gatewayEvents.push({ eventType, connectionId, userId });
      const ids = open.get(userId) ?? [];
      if (eventType === 'CONNECT') open.set(userId, [...ids, connectionId]);
      if (eventType === 'DISCONNECT')
        open.set(
          userId,
          ids.filter((id) => id !== connectionId),
        );
    },
  });
  const dynamo = new DynamoDBClient(embeddedDynamoClientConfig(stack.config.dynamoEndpoint!));
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const stores = createDynamoStores({ client: documents, tableName: stack.config.tableName! });

  const probed: ProbedStack = {
    stack,
    gatewayEvents,
    connectionsOf: (userId) => [...(open.get(userId) ?? [])],
    tokenFor: (userId, claims = {}) =>
      stack.issuer.mint({ sub: userId, name: `name of ${userId}`, ttlS: 3_600, ...claims }).token,
    urlWithToken: (token) => `${stack.wsUrl}/?token=${encodeURIComponent(token)}`,
    async connect(userId, connectOptions = {}) {
      const before = new Set(probed.connectionsOf(userId));
      const token = probed.tokenFor(userId, connectOptions.name === undefined ? {} : { name: connectOptions.name });
      const socket = await ProbeSocket.open(probed.urlWithToken(token), {
        label: connectOptions.label ?? userId,
        keepEvents: connectOptions.keepEvents ?? true,
      });
      // $connect ran before the handshake completed, so its event has been seen.
      const connectionId = probed.connectionsOf(userId).find((id) => !before.has(id));
      if (!connectionId) throw new Error(`no $connect seen for ${userId}`);
      return { socket, connectionId };
    },
    deleteConnection: (connectionId) => deleteConnectionOn(stack.httpUrl, connectionId),
    stores,
    async tableItems() {
      const items: TableItem[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new ScanCommand({ TableName: stack.config.tableName!, ConsistentRead: true, ExclusiveStartKey: startKey }),
        );
        items.push(...((page.Items ?? []) as TableItem[]));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return items;
    },
    async stop() {
      await stack.stop();
      dynamo.destroy();
    },
  };
  return probed;
}
