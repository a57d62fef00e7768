// A local stack (port 0, in memory unless a data folder is given) per describe block, with every integration event
// it hands to the handlers recorded, so tests can see $connect / $disconnect run (and how often).
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ChatStores } from '../../../../lambdas/chat/ports.js';
import { createDynamoStores } from '../../../../lambdas/adapters/dynamo-stores.js';
import { documentClientFor } from '../../../../lambdas/adapters/wiring.js';
import type { WebSocketRouteEvent } from '../../../../local/gateway/events.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../../local/stack.js';
import { GatewayClient, uniqueId, waitUntil } from './gateway-client.js';

export class EventLog {
  readonly events: WebSocketRouteEvent[] = [];

  readonly record = (event: WebSocketRouteEvent): void => {
    this.events.push(structuredClone(event));
  };

  of(eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', connectionId?: string): WebSocketRouteEvent[] {
    return this.events.filter(
      (e) =>
        e.requestContext.eventType === eventType &&
        (connectionId === undefined || e.requestContext.connectionId === connectionId),
    );
  }

  /** The connection id the gateway gave the user's (only) connection. */
  connectionIdOf(userId: string): string {
    const connects = this.events.filter(
      (e) => e.requestContext.eventType === 'CONNECT' && e.requestContext.authorizer.userId === userId,
    );
    if (connects.length !== 1) throw new Error(`expected one $connect for ${userId}, saw ${connects.length}`);
    return connects[0]!.requestContext.connectionId;
  }

  async disconnected(connectionId: string, timeoutMs = 5_000): Promise<WebSocketRouteEvent> {
    await waitUntil(() => this.of('DISCONNECT', connectionId).length > 0, `$disconnect of ${connectionId}`, timeoutMs);
    return this.of('DISCONNECT', connectionId)[0]!;
  }
}

export interface StackHandle {
  readonly stack: LocalStack;
  readonly log: EventLog;
  /** The real DynamoDB stores, on the stack's table. */
  readonly stores: ChatStores;
  token(sub: string, extra?: { name?: string; ttlS?: number }): string;
  url(token: string): string;
  /** A new user, connected; the client is closed after the test. */
  connect(label?: string): Promise<{ userId: string; client: GatewayClient; connectionId: string }>;
}

export function useStack(
  options: Omit<LocalStackOptions, 'port' | 'dataDir' | 'onIntegrationEvent'> = {},
): StackHandle {
  let stack: LocalStack | undefined;
  const log = new EventLog();
  const clients: GatewayClient[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ ...options, port: 0, dataDir: null, onIntegrationEvent: log.record });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const handle: StackHandle = {
    get stack() {
      if (!stack) throw new Error('the stack is not running');
      return stack;
    },
    log,
    get stores() {
      return storesOf(handle.stack);
    },
    token: (sub, extra = {}) => handle.stack.issuer.mint({ sub, ...extra }).token,
    url: (token) => `${handle.stack.wsUrl}/?token=${encodeURIComponent(token)}`,
    async connect(label = 'user') {
      const userId = uniqueId(label);
      const client = await GatewayClient.open(handle.url(handle.token(userId, { name: label })));
      clients.push(client);
      return { userId, client, connectionId: log.connectionIdOf(userId) };
    },
  };
  return handle;
}

export function storesOf(stack: LocalStack): ChatStores {
  return createDynamoStores({ client: documentClientFor(stack.config), tableName: stack.config.tableName! });
}
