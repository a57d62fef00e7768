// API Gateway's connection limits, shortened: the idle timeout (only data frames count as activity, pings do not)
// and the maximum duration, both closing with 1001 and running $disconnect exactly once.
import { describe, expect, it } from 'vitest';
import { sleep } from './support/gateway-client.js';
import { useStack } from './support/stack-fixture.js';

describe('idle timeout', () => {
  const s = useStack({ idleTimeoutS: 1 });

  it('closes a connection without client frames with 1001 and runs $disconnect once', async () => {
    const { client, connectionId } = await s.connect();
    const openedAt = Date.now();
    const closed = await client.closed;
    const elapsed = Date.now() - openedAt;
    expect(closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(3_000);
    const disconnect = await s.log.disconnected(connectionId);
    expect(disconnect.requestContext).toMatchObject({
      disconnectStatusCode: 1001,
      authorizer: expect.objectContaining({ principalId: expect.any(String) }),
    });
    await sleep(300);
    expect(s.log.of('DISCONNECT', connectionId)).toHaveLength(1);
    expect(await s.stores.connections.getConnection(connectionId)).toBeUndefined();
  });

  it('does not count WebSocket ping frames as activity', async () => {
    const { client } = await s.connect();
    const pinger = setInterval(() => client.socket.ping(), 200);
    try {
      const openedAt = Date.now();
      expect((await client.closed).code).toBe(1001);
      expect(Date.now() - openedAt).toBeLessThan(3_000);
    } finally {
      clearInterval(pinger);
    }
  });

  it('keeps a connection that sends data frames open past the idle timeout', async () => {
    const { client } = await s.connect();
    // Without a requestId a ping gets no answer: the frames go out every 300 ms whatever the server's latency.
    for (let i = 0; i < 8; i += 1) {
      await sleep(300);
      await client.send(JSON.stringify({ action: 'ping' }));
    }
    expect(client.isOpen).toBe(true);
    expect(await client.request('ping')).toMatchObject({ type: 'ack' });
    // And once it stops, the timeout strikes.
    expect((await client.closed).code).toBe(1001);
  });
});

describe('maximum connection duration', () => {
  const s = useStack({ idleTimeoutS: 60, maxConnectionS: 2 });

  it('closes even a busy connection with 1001 when its time is up, and runs $disconnect once', async () => {
    const { client, connectionId } = await s.connect();
    const openedAt = Date.now();
    const busy = setInterval(() => void client.send(JSON.stringify({ action: 'ping' })).catch(() => undefined), 250);
    try {
      expect((await client.closed).code).toBe(1001);
    } finally {
      clearInterval(busy);
    }
    const elapsed = Date.now() - openedAt;
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_500);
    await s.log.disconnected(connectionId);
    await sleep(300);
    expect(s.log.of('DISCONNECT', connectionId)).toHaveLength(1);
  });

  it('writes the gateway maximum into the connection record (the chat logic expires connections by it)', async () => {
    const { connectionId } = await s.connect();
    const record = await s.stores.connections.getConnection(connectionId);
    expect(record).toBeDefined();
    expect(record!.expiresAt - record!.connectedAt).toBe(2_000);
  });
});
