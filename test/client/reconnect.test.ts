// The SDK against the real local stack: it comes back by itself after every way a connection ends.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ChatClient, type WebSocketConstructor } from '../../client/src/index.js';
import { record, sleep, useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient reconnects', () => {
  const local = useLocalStack();
  const { user } = local;

  it('after the server drops the connection (DELETE @connections), with a fresh token, and works again', async () => {
    const alice = user('alice');
    const states = record(alice.client, 'state');
    await alice.client.connect();
    expect(alice.tokenCalls()).toBe(1);
    const [connectionId] = local.fixture.connectionsOf(alice.userId);
    expect(connectionId).toBeDefined();

    expect(await local.fixture.deleteConnection(connectionId!)).toBe(204);
    await waitFor(() => states.some((s) => s.state === 'reconnecting'), 'reconnecting');
    await waitFor(() => alice.client.state === 'open', 'open again');

    expect(alice.tokenCalls()).toBe(2);
    const [newConnectionId] = local.fixture.connectionsOf(alice.userId);
    expect(newConnectionId).toBeDefined();
    expect(newConnectionId).not.toBe(connectionId);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    const room = await alice.client.createRoom('after the drop');
    expect(room.createdBy).toBe(alice.userId);
  });

  it('asks getToken again on every reconnect and keeps retrying while the token is not there', async () => {
    const alice = user('alice');
    await alice.client.connect();
    for (let round = 1; round <= 3; round++) {
      const release = alice.holdTokens();
      await local.fixture.deleteConnection(local.fixture.connectionsOf(alice.userId)[0]!);
      await waitFor(() => alice.client.state === 'reconnecting', 'reconnecting');
      await sleep(50);
      expect(alice.client.state).toBe('reconnecting');
      release();
      await waitFor(() => alice.client.state === 'open', 'open again');
      expect(alice.tokenCalls()).toBe(1 + round);
    }
  });

  it('retries with backoff when the handshake is refused, and connects once the token is good', async () => {
    let good = false;
    let calls = 0;
    const alice = user('alice');
    const client = new ChatClient({
      url: local.fixture.stack.wsUrl,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnectDelay: { initialMs: 20, maxMs: 100 },
      getToken: () => {
        calls += 1;
        return good ? local.fixture.stack.issuer.mint({ sub: alice.userId, name: 'Alice' }).token : 'not-a-token';
      },
    });
    const errors = record(client, 'error');
    const connected = client.connect();
    await waitFor(() => calls >= 3, 'three refused attempts');
    expect(client.state).toBe('connecting');
    good = true;
    await connected;
    expect(client.state).toBe('open');
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(errors.every((e) => 'code' in e && e.code === 'CONNECT_FAILED')).toBe(true);
    client.close();
  });

  it('replaces its connection ahead of the cap (maxConnectionMs) make-before-break: nobody hears it go offline', async () => {
    // No offline grace on this stack: any moment without a connection of Alice's would be announced at once.
    const { alice, bob, roomId } = await local.pair({}, { maxConnectionMs: 600, requestTimeoutMs: 1_000 });
    const states = record(alice.client, 'state');
    const presence = record(bob.client, 'presence');
    const bobSees = record(bob.client, 'message');
    const before = local.fixture.connectionsOf(alice.userId);
    await waitFor(() => alice.tokenCalls() >= 3, 'two replacements', 5_000);
    // Each replacement opened while the connection it replaced still served, and took over without a gap.
    expect(states.map((s) => s.state)).not.toContain('reconnecting');
    expect(alice.client.state).toBe('open');
    await waitFor(() => !local.fixture.connectionsOf(alice.userId).includes(before[0]!), 'the first one closed');
    const message = await alice.client.sendMessage(roomId, 'still here');
    await waitFor(() => bobSees.some((e) => e.message.id === message.id), 'bob gets the message');
    expect(presence.filter((event) => event.userId === alice.userId)).toEqual([]);
  });

  it('closes the client for good: no reconnect, requests fail with CLOSED', async () => {
    const alice = user('alice');
    await alice.client.connect();
    alice.client.close();
    await sleep(100);
    expect(alice.client.state).toBe('closed');
    expect(local.fixture.connectionsOf(alice.userId)).toEqual([]);
    await expect(alice.client.request('ping')).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(alice.client.sendMessage('r', 'x')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(alice.tokenCalls()).toBe(1);
  });
});

describe('ChatClient and the idle timeout', () => {
  const local = useLocalStack({ idleTimeoutS: 1 });
  const { user } = local;

  it('is cut after the idle timeout when it does not ping, and reconnects by itself', async () => {
    const alice = user('alice', { pingIntervalMs: 60_000 });
    const states = record(alice.client, 'state');
    await alice.client.connect();
    await waitFor(() => states.some((s) => s.state === 'reconnecting'), 'the idle cut', 4_000);
    await waitFor(() => alice.client.state === 'open', 'open again');
    expect(alice.tokenCalls()).toBeGreaterThanOrEqual(2);
  });

  it('pings often enough that the idle timeout never fires', async () => {
    const alice = user('alice', { pingIntervalMs: 300 });
    const states = record(alice.client, 'state');
    await alice.client.connect();
    const [connectionId] = local.fixture.connectionsOf(alice.userId);
    await sleep(2_500);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
    expect(local.fixture.connectionsOf(alice.userId)).toEqual([connectionId]);
  });
});

describe('ChatClient and the connection cap', () => {
  const local = useLocalStack({ maxConnectionS: 2 });

  it('comes back after the gateway cuts a connection at its maximum duration, and gets messages sent meanwhile', async () => {
    const { alice, bob, roomId } = await local.pair();
    const bobSees = record(bob.client, 'message');
    const bobStates = record(bob.client, 'state');
    await waitFor(() => bobStates.some((s) => s.state === 'reconnecting'), 'the cut', 6_000);
    await alice.client.sendMessage(roomId, 'across the cut');
    await waitFor(() => bobSees.length === 1, 'the message');
    expect(bobSees[0]!.message.content).toBe('across the cut');
  });
});
