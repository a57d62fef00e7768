// The $connect handshake: the authorizer runs first and a refused token never reaches $connect or the table; an
// accepted connection carries the authorizer's context in every later event.
import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatStores } from '../../../lambdas/chat/ports.js';
import { startLocalStack } from '../../../local/stack.js';
import WebSocket from 'ws';
import { forwardingStores } from '../../fakes/forwarding-stores.js';
import { GatewayClient, sleep, uniqueId, waitUntil } from './support/gateway-client.js';
import { storesOf, useStack } from './support/stack-fixture.js';

async function nothingStoredFor(stores: ChatStores, userId: string): Promise<void> {
  expect((await stores.profiles.getProfiles([userId])).size).toBe(0);
  expect(await stores.connections.listConnections(userId, Date.now())).toEqual([]);
}

describe('handshake', () => {
  const s = useStack();

  it('refuses a connection without a token with HTTP 401, before $connect runs', async () => {
    const connectsBefore = s.log.of('CONNECT').length;
    const refused = await GatewayClient.refusal(`${s.stack.wsUrl}/`);
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ message: 'Unauthorized' });
    expect(s.log.of('CONNECT').length).toBe(connectsBefore);
  });

  it.each([
    ['garbage', 'not-a-jwt'],
    ['a token with a broken signature', 'SIGNATURE'],
    ['an empty token', ''],
  ])('refuses %s with HTTP 401 and writes nothing', async (_label, kind) => {
    const userId = uniqueId('mallory');
    const connectsBefore = s.log.of('CONNECT').length;
    let token = kind;
    if (kind === 'SIGNATURE') {
      const [header, payload] = s.token(userId).split('.');
      token = `${header}.${payload}.${Buffer.from('forged').toString('base64url')}`;
    }
    const refused = await GatewayClient.refusal(s.url(token));
    expect(refused.statusCode).toBe(401);
    expect(s.log.of('CONNECT').length).toBe(connectsBefore);
    await nothingStoredFor(s.stores, userId);
  });

  it('refuses an expired token with HTTP 401 and writes nothing', async () => {
    const userId = uniqueId('late');
    const token = s.token(userId, { ttlS: 1 });
    await sleep(1_100);
    const refused = await GatewayClient.refusal(s.url(token));
    expect(refused.statusCode).toBe(401);
    expect(s.log.of('CONNECT').filter((e) => e.requestContext.authorizer.userId === userId)).toEqual([]);
    await nothingStoredFor(s.stores, userId);
  });

  it("refuses a token signed by another stack's key with HTTP 401", async () => {
    // Every stack kept in memory makes its own signing key: this file's tokens are foreign to a second stack.
    const other = await startLocalStack({ port: 0, dataDir: null });
    try {
      const token = s.token(uniqueId('foreign'));
      const refused = await GatewayClient.refusal(`${other.wsUrl}/?token=${encodeURIComponent(token)}`);
      expect(refused.statusCode).toBe(401);
      // The same token is good where it was minted, so the refusal is about the key alone.
      const client = await GatewayClient.open(s.url(token));
      await client.close();
    } finally {
      await other.stop();
    }
  });

  it('accepts a good token: $connect gets the authorizer context, and hello is acked', async () => {
    const userId = uniqueId('alice');
    const client = await GatewayClient.open(s.url(s.token(userId, { name: 'Alice' })), {
      headers: { 'User-Agent': 'gateway-test/1.0' },
    });
    try {
      const connectionId = s.log.connectionIdOf(userId);
      expect(connectionId).toMatch(/^[A-Za-z0-9]{15}=$/);
      const [connect] = s.log.of('CONNECT', connectionId);
      expect(connect!.requestContext).toMatchObject({
        routeKey: '$connect',
        eventType: 'CONNECT',
        connectionId,
        stage: 'local',
        domainName: `127.0.0.1:${s.stack.port}`,
        apiId: 'local',
        messageDirection: 'IN',
        identity: { sourceIp: '127.0.0.1', userAgent: 'gateway-test/1.0' },
        authorizer: { userId, displayName: 'Alice', principalId: userId },
      });
      expect(connect!.requestContext.connectedAt).toBeLessThanOrEqual(connect!.requestContext.requestTimeEpoch);
      expect(connect!.requestContext.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
      expect(connect!.queryStringParameters).toHaveProperty('token');

      const ack = await client.request('hello');
      expect(ack).toMatchObject({ type: 'ack', action: 'hello', user: { userId, displayName: 'Alice' } });

      // Every later event carries the same authorizer context and connectedAt.
      const [message] = s.log.of('MESSAGE', connectionId);
      expect(message!.requestContext.authorizer).toEqual(connect!.requestContext.authorizer);
      expect(message!.requestContext.connectedAt).toBe(connect!.requestContext.connectedAt);
      expect(message!.requestContext.messageId).toMatch(/^[A-Za-z0-9]{15}=$/);
      expect(message!.isBase64Encoded).toBe(false);

      await client.close();
      const disconnect = await s.log.disconnected(connectionId);
      expect(disconnect.requestContext).toMatchObject({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        disconnectStatusCode: 1005,
      });
      expect(disconnect.requestContext.authorizer).toEqual(connect!.requestContext.authorizer);
    } finally {
      await client.close();
    }
  });

  it('gives every connection its own id', async () => {
    const userId = uniqueId('multi');
    const token = s.token(userId);
    const clients = await Promise.all([1, 2, 3].map(() => GatewayClient.open(s.url(token))));
    const ids = s.log
      .of('CONNECT')
      .filter((e) => e.requestContext.authorizer.userId === userId)
      .map((e) => e.requestContext.connectionId);
    expect(new Set(ids).size).toBe(3);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('refuses a malformed upgrade with 400 before the authorizer runs', async () => {
    const connectsBefore = s.log.of('CONNECT').length;
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${s.stack.httpUrl}/?token=${encodeURIComponent(s.token(uniqueId('bad')))}`, {
        // No Sec-WebSocket-Key: not a WebSocket handshake.
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('upgrade', () => reject(new Error('upgraded')));
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(400);
    expect(s.log.of('CONNECT').length).toBe(connectsBefore);
  });
});

describe('handshake when $connect fails', () => {
  // The real connect handler over a store whose putConnection fails for users named "broken-..." and is slow for
  // users named "slow-...".
  let real: ChatStores | undefined;
  const failing = forwardingStores(
    () => real,
    async (method, args) => {
      if (method !== 'putConnection') return undefined;
      const [connection] = args as Parameters<ChatStores['connections']['putConnection']>;
      if (connection.userId.startsWith('broken-')) return new Error('injected store failure');
      if (connection.userId.startsWith('slow-')) await sleep(400);
      return undefined;
    },
  );
  const s = useStack({ overrides: { stores: failing } });
  beforeAll(() => {
    real = storesOf(s.stack);
  });

  it('refuses the handshake with HTTP 500 and never runs $disconnect', async () => {
    const userId = uniqueId('broken');
    const refused = await GatewayClient.refusal(s.url(s.token(userId)));
    expect(refused.statusCode).toBe(500);
    const connects = s.log.of('CONNECT').filter((e) => e.requestContext.authorizer.userId === userId);
    expect(connects).toHaveLength(1);
    await sleep(200);
    expect(s.log.of('DISCONNECT', connects[0]!.requestContext.connectionId)).toEqual([]);

    // Other users still get in.
    const ok = await s.connect('fine');
    expect(await ok.client.request('ping')).toMatchObject({ type: 'ack', action: 'ping' });
  });

  it('runs $disconnect once when the client leaves while $connect is still running', async () => {
    const userId = uniqueId('slow');
    const socket = new WebSocket(s.url(s.token(userId)));
    socket.on('error', () => undefined);
    await waitUntil(
      () => s.log.of('CONNECT').some((e) => e.requestContext.authorizer.userId === userId),
      '$connect to start',
    );
    socket.terminate();
    const connectionId = s.log.connectionIdOf(userId);
    const disconnect = await s.log.disconnected(connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1006);
    await sleep(200);
    expect(s.log.of('DISCONNECT', connectionId)).toHaveLength(1);
    expect(await real!.connections.getConnection(connectionId)).toBeUndefined();
  });
});
