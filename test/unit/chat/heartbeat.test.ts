// hello's heartbeatMs (PROTOCOL.md): what a declaration stores, what a bad one answers, and the sweeper's decision:
// a connection silent past its heartbeat and the margin is closed at the gateway and removed as a 410 would be;
// one that keeps its heartbeat, or declared none, is left to the gateway.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HEARTBEAT_POLICY, isSilentPastHeartbeat } from '../../../lambdas/chat/heartbeat.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

const HEARTBEAT_MS = 30_000;
const { marginMs: MARGIN_MS } = DEFAULT_HEARTBEAT_POLICY;

function heartbeatOf(h: ChatHarness, connection: TestConnection): number | undefined {
  return h.stores.dump().connections.find((c) => c.connectionId === connection.connectionId)?.heartbeatMs;
}

function isStored(h: ChatHarness, connection: TestConnection): boolean {
  return h.stores.dump().connections.some((c) => c.connectionId === connection.connectionId);
}

async function aliceWatchedByBob(aliceHello: Record<string, unknown>) {
  const h = createChatHarness();
  const bob = await h.connect('bob');
  const alice = await h.connect('alice');
  const room = await h.createRoom(bob, 'room', ['alice']);
  await h.ack(alice, 'hello', aliceHello);
  h.clearFrames();
  return { h, bob, alice, roomId: room.roomId };
}

describe('isSilentPastHeartbeat', () => {
  it('is true only once the silence is longer than the heartbeat and the margin', () => {
    const policy = { marginMs: 60_000 };
    expect(isSilentPastHeartbeat(30_000, 1_000, 1_000 + 90_000, policy)).toBe(false);
    expect(isSilentPastHeartbeat(30_000, 1_000, 1_000 + 90_001, policy)).toBe(true);
  });

  it('decides nothing without a declared heartbeat or without a time from the gateway', () => {
    const policy = { marginMs: 60_000 };
    expect(isSilentPastHeartbeat(undefined, 0, 3_600_000, policy)).toBe(false);
    expect(isSilentPastHeartbeat(30_000, undefined, 3_600_000, policy)).toBe(false);
  });
});

describe('hello with heartbeatMs', () => {
  it('stores the declared heartbeat; a later declaration replaces it, a hello without one writes nothing', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    expect((await h.ack(alice, 'hello', { heartbeatMs: 270_000 })).user).toMatchObject({ userId: 'alice' });
    expect(heartbeatOf(h, alice)).toBe(270_000);
    await h.ack(alice, 'hello', { heartbeatMs: 30_000 });
    expect(heartbeatOf(h, alice)).toBe(30_000);
    // Were it written, this hello would fail (INTERNAL) instead of being acked.
    h.stores.failNext('setHeartbeat', new Error('a hello without heartbeatMs must not write one'));
    await h.ack(alice, 'hello');
    expect(heartbeatOf(h, alice)).toBe(30_000);
  });

  it.each([
    [29_999, 'heartbeatMs: must be from 30000 to 540000 (milliseconds)'],
    [540_001, 'heartbeatMs: must be from 30000 to 540000 (milliseconds)'],
    [0, 'heartbeatMs: must be from 30000 to 540000 (milliseconds)'],
    [-60_000, 'heartbeatMs: must be from 30000 to 540000 (milliseconds)'],
    [45_000.5, 'heartbeatMs: expected int'],
    ['60000', 'heartbeatMs: expected number'],
    [null, 'heartbeatMs: expected number'],
  ])('refuses heartbeatMs %j with BAD_REQUEST naming the field, and changes nothing', async (value, message) => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    await h.ack(alice, 'hello', { heartbeatMs: 60_000 });
    const answer = await h.request(alice, 'hello', { heartbeatMs: value });
    expect(answer).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message });
    // The earlier declaration holds, and the connection goes on.
    expect(heartbeatOf(h, alice)).toBe(60_000);
    expect((await h.ack(alice, 'ping')).serverTime).toEqual(expect.any(String));
  });
});

describe('the sweeper and declared heartbeats', () => {
  it('closes a connection silent past its heartbeat and the margin, and removes it as a 410 would', async () => {
    const { h, bob, alice, roomId } = await aliceWatchedByBob({ heartbeatMs: HEARTBEAT_MS });
    const saidHelloAt = h.clock.now();
    h.clock.advance(HEARTBEAT_MS + MARGIN_MS);
    expect(await h.chat.sweep()).toMatchObject({ removed: 0, silent: 0, failed: 0 });
    expect(h.notifier.closed).toEqual([]);

    h.clock.advance(1);
    expect(await h.chat.sweep()).toMatchObject({ removed: 1, silent: 1, failed: 0 });
    expect(h.notifier.closed).toEqual([alice.connectionId]);
    expect(isStored(h, alice)).toBe(false);
    expect(h.stores.dump().subscriptions.filter((s) => s.connectionId === alice.connectionId)).toEqual([]);
    expect(h.eventsOf(bob, 'presence')).toEqual([
      { type: 'presence', roomId, userId: 'alice', isOnline: false, lastSeenAt: expect.any(String) },
    ]);
    expect(Date.parse(h.eventsOf(bob, 'presence')[0]!.lastSeenAt!)).toBeGreaterThan(saidHelloAt);
    expect(h.metrics.total('ConnectionsSilent')).toBe(1);
    // The $disconnect the close brings removes nothing more and announces nothing again.
    await h.disconnect(alice);
    expect(h.eventsOf(bob, 'presence')).toHaveLength(1);
  });

  it('leaves alone a connection that keeps its heartbeat, sweep after sweep', async () => {
    const { h, bob, alice } = await aliceWatchedByBob({ heartbeatMs: HEARTBEAT_MS });
    for (let beat = 0; beat < 20; beat += 1) {
      // Each ping as late as the margin allows, the sweep just before it.
      h.clock.advance(HEARTBEAT_MS + MARGIN_MS);
      expect(await h.chat.sweep()).toMatchObject({ removed: 0, failed: 0 });
      await h.ack(alice, 'ping');
    }
    expect(h.notifier.closed).toEqual([]);
    expect(isStored(h, alice)).toBe(true);
    expect(h.eventsOf(bob, 'presence')).toEqual([]);
  });

  it('never closes a silent connection that declared no heartbeat: the gateway cuts it', async () => {
    const { h, bob, alice } = await aliceWatchedByBob({});
    // Nine and a half minutes of silence: within the protocol's "a ping every few minutes".
    h.clock.advance(570_000);
    expect(await h.chat.sweep()).toMatchObject({ removed: 0, silent: 0, failed: 0 });
    expect(h.notifier.closed).toEqual([]);
    expect(isStored(h, alice)).toBe(true);
    expect(h.eventsOf(bob, 'presence')).toEqual([]);
  });

  it('a connection that declared the longest heartbeat is closed no sooner than the gateway would', async () => {
    const { h, alice } = await aliceWatchedByBob({ heartbeatMs: DEFAULT_HEARTBEAT_POLICY.maxMs });
    h.clock.advance(DEFAULT_HEARTBEAT_POLICY.maxMs + MARGIN_MS);
    expect(await h.chat.sweep()).toMatchObject({ removed: 0, silent: 0 });
    expect(DEFAULT_HEARTBEAT_POLICY.maxMs + MARGIN_MS).toBe(600_000);
    h.clock.advance(1);
    expect(await h.chat.sweep()).toMatchObject({ removed: 1, silent: 1 });
    expect(h.notifier.closed).toEqual([alice.connectionId]);
  });

  it('counts any frame as a heartbeat, not only ping', async () => {
    const { h, alice, roomId } = await aliceWatchedByBob({ heartbeatMs: HEARTBEAT_MS });
    h.clock.advance(HEARTBEAT_MS + MARGIN_MS);
    await h.send(alice, { action: 'typing', roomId, isTyping: true });
    h.clock.advance(HEARTBEAT_MS + MARGIN_MS);
    expect(await h.chat.sweep()).toMatchObject({ removed: 0, silent: 0 });
    h.clock.advance(1);
    expect(await h.chat.sweep()).toMatchObject({ removed: 1, silent: 1 });
  });
});
