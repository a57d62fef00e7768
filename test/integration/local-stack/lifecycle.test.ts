// Starting and stopping: stop() runs $disconnect for every open connection and waits for it, and with a data folder
// the table and the dev token signing key outlive a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../../local/stack.js';
import { GatewayClient, uniqueId } from './support/gateway-client.js';
import { EventLog, storesOf } from './support/stack-fixture.js';

describe('stop and restart with a data folder', () => {
  let dataDir: string;
  const stacks: LocalStack[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-stack-data-'));
  });
  afterAll(async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs $disconnect for open connections on stop, and keeps rooms and tokens across a restart', async () => {
    const log = new EventLog();
    const first = await startLocalStack({ port: 0, dataDir, onIntegrationEvent: log.record });
    stacks.push(first);
    const alice = uniqueId('alice');
    const bob = uniqueId('bob');
    const aliceToken = first.issuer.mint({ sub: alice, name: 'Alice', ttlS: 600 }).token;
    const aliceClient = await GatewayClient.open(`${first.wsUrl}/?token=${encodeURIComponent(aliceToken)}`);
    const bobClient = await GatewayClient.open(
      `${first.wsUrl}/?token=${encodeURIComponent(first.issuer.mint({ sub: bob }).token)}`,
    );
    await bobClient.request('hello');
    const created = await aliceClient.request('createRoom', { name: 'kept across restarts', memberIds: [bob] });
    expect(created).toMatchObject({ type: 'ack', room: { name: 'kept across restarts' } });
    const roomId = (created.room as { roomId: string }).roomId;
    const connectionIds = [log.connectionIdOf(alice), log.connectionIdOf(bob)];
    expect(await storesOf(first).connections.listConnections(alice, Date.now())).toHaveLength(1);

    await first.stop();
    expect((await aliceClient.closed).code).toBe(1001);
    expect((await bobClient.closed).code).toBe(1001);
    for (const id of connectionIds) {
      const disconnects = log.of('DISCONNECT', id);
      expect(disconnects).toHaveLength(1);
      expect(disconnects[0]!.requestContext.disconnectStatusCode).toBe(1001);
    }
    await expect(fetch(`${first.httpUrl}/healthz`)).rejects.toThrow();

    // Same folder, same port (the issuer URL names the port): the old token still verifies.
    const second = await startLocalStack({ port: first.port, dataDir });
    stacks.push(second);
    // $disconnect finished before the store closed: no connection of either user is left behind.
    expect(await storesOf(second).connections.listConnections(alice, Date.now())).toEqual([]);
    expect(await storesOf(second).connections.listConnections(bob, Date.now())).toEqual([]);

    const again = await GatewayClient.open(`${second.wsUrl}/?token=${encodeURIComponent(aliceToken)}`);
    const hello = await again.request('hello');
    expect(hello).toMatchObject({ type: 'ack', action: 'hello', user: { userId: alice, displayName: 'Alice' } });
    expect((hello.rooms as { roomId: string }[]).map((room) => room.roomId)).toContain(roomId);
    await again.close();
  });

  it('stop() can be called twice and the second call waits for the same shutdown', async () => {
    const stack = await startLocalStack({ port: 0, dataDir: null });
    const client = await GatewayClient.open(
      `${stack.wsUrl}/?token=${encodeURIComponent(stack.issuer.mint({ sub: uniqueId('twice') }).token)}`,
    );
    await Promise.all([stack.stop(), stack.stop()]);
    expect((await client.closed).code).toBe(1001);
    await expect(GatewayClient.open(`${stack.wsUrl}/?token=x`)).rejects.toThrow();
  });
});
