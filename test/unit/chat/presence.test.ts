// Connections opening and closing: subscriptions at connect, profiles, and PROTOCOL.md "presence".
import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

async function aliceAndBobInTwoRooms() {
  const h = createChatHarness();
  const bob = await h.connect('bob', { name: 'Bob' });
  const alice = await h.connect('alice', { name: 'Alice' });
  const first = await h.createRoom(bob, 'first', ['alice']);
  const second = await h.createRoom(bob, 'second', ['alice']);
  await h.disconnect(alice);
  h.clearFrames();
  return { h, bob, rooms: [first.roomId, second.roomId] };
}

describe('connect', () => {
  it('creates the profile from the token name and subscribes the connection to every room of the user', async () => {
    const h = createChatHarness();
    const bob = await h.connect('bob');
    const roomIds: string[] = [];
    // More rooms than one page of memberships, so paging is followed.
    for (let i = 0; i < 105; i += 1) {
      roomIds.push((await h.createRoom(bob, `r${i}`, [])).roomId);
      h.clock.advance(100); // stay within the rate limit
    }
    const later = await h.connect('bob', { connectedAt: h.clock.now() - 1_000 });
    const subscribed = h.stores
      .dump()
      .subscriptions.filter((s) => s.connectionId === later.connectionId);
    expect(subscribed.map((s) => s.roomId).sort()).toEqual([...roomIds].sort());
    expect(subscribed.every((s) => !s.muted && s.userId === 'bob')).toBe(true);
    expect(subscribed[0]!.expiresAt).toBe(later.connectedAt + h.config.maxConnectionMs);
    expect(h.stores.dump().connections.find((c) => c.connectionId === later.connectionId)).toEqual({
      connectionId: later.connectionId,
      userId: 'bob',
      connectedAt: later.connectedAt,
      expiresAt: later.connectedAt + h.config.maxConnectionMs,
    });
    expect(h.metrics.total('ConnectionsOpened')).toBe(2);
  });

  it('the token name fills the profile; after updateProfile later tokens do not override it', async () => {
    const h = createChatHarness();
    const first = await h.connect('u1', { name: 'Token Name' });
    expect((await h.ack(first, 'hello')).user).toMatchObject({ displayName: 'Token Name' });
    const second = await h.connect('u1', { name: 'Renamed In IdP' });
    expect((await h.ack(second, 'hello')).user).toMatchObject({ displayName: 'Renamed In IdP' });
    await h.ack(second, 'updateProfile', { displayName: 'Chosen' });
    const third = await h.connect('u1', { name: 'Token Again' });
    expect((await h.ack(third, 'hello')).user).toMatchObject({ displayName: 'Chosen' });
  });
});

describe('presence', () => {
  it('the first connection announces online to each room, to every subscriber but the user\'s own connections', async () => {
    const { h, bob, rooms } = await aliceAndBobInTwoRooms();
    const bobTablet = await h.connect('bob');
    h.clearFrames();
    const alice = await h.connect('alice');
    const expected: PresenceEvent[] = rooms.map((roomId) => ({ type: 'presence', roomId, userId: 'alice', isOnline: true }));
    for (const connection of [bob, bobTablet]) {
      expect(h.eventsOf(connection, 'presence')).toEqual(expect.arrayContaining(expected));
      expect(h.eventsOf(connection, 'presence')).toHaveLength(2);
    }
    expect(h.framesOf(alice)).toEqual([]);
  });

  it('a second device going on or off line sends nothing; the last one closing announces offline with lastSeenAt', async () => {
    const { h, bob, rooms } = await aliceAndBobInTwoRooms();
    const phone = await h.connect('alice');
    h.clock.advance(1_000);
    const laptop = await h.connect('alice');
    expect(h.eventsOf(bob, 'presence')).toHaveLength(2);
    expect(h.framesOf(phone)).toEqual([]);
    h.clock.advance(1_000);
    await h.disconnect(phone);
    expect(h.eventsOf(bob, 'presence')).toHaveLength(2);
    h.clock.advance(1_000);
    const closedAt = h.clock.now();
    await h.disconnect(laptop);
    const offline = h.eventsOf(bob, 'presence').slice(2);
    expect(offline).toEqual(
      expect.arrayContaining(
        rooms.map((roomId) => ({
          type: 'presence',
          roomId,
          userId: 'alice',
          isOnline: false,
          lastSeenAt: new Date(closedAt).toISOString(),
        })),
      ),
    );
    expect(offline).toHaveLength(2);
    expect(h.stores.dump().profiles.find((p) => p.userId === 'alice')!.lastSeenAt).toBe(closedAt);
    expect(h.metrics.total('ConnectionsClosed')).toBeGreaterThanOrEqual(2);
  });

  it('two devices connecting at the same moment announce online exactly once', async () => {
    const { h, bob } = await aliceAndBobInTwoRooms();
    const at = h.clock.now();
    await Promise.all([
      h.connect('alice', { connectionId: 'zz-second', connectedAt: at }),
      h.connect('alice', { connectionId: 'aa-first', connectedAt: at }),
    ]);
    expect(h.eventsOf(bob, 'presence')).toHaveLength(2); // one per room
    expect(new Set(h.eventsOf(bob, 'presence').map((e) => e.roomId)).size).toBe(2);
  });

  it('two devices connecting one after the other with the same connectedAt announce once', async () => {
    const { h, bob } = await aliceAndBobInTwoRooms();
    const at = h.clock.now();
    await h.connect('alice', { connectionId: 'aa', connectedAt: at });
    await h.connect('alice', { connectionId: 'bb', connectedAt: at });
    expect(h.eventsOf(bob, 'presence')).toHaveLength(2);
  });

  it('a disconnect repeated for the same connection does nothing visible', async () => {
    const { h, bob } = await aliceAndBobInTwoRooms();
    const alice = await h.connect('alice');
    await h.disconnect(alice);
    const framesAfterFirst = h.framesOf(bob).length;
    const closedAfterFirst = h.metrics.total('ConnectionsClosed');
    await h.chat.onDisconnect({ connectionId: alice.connectionId, userId: 'alice' });
    expect(h.framesOf(bob)).toHaveLength(framesAfterFirst);
    expect(h.metrics.total('ConnectionsClosed')).toBe(closedAfterFirst);
  });

  it('a disconnect removes the connection and all of its subscriptions', async () => {
    const { h, rooms } = await aliceAndBobInTwoRooms();
    const alice = await h.connect('alice');
    expect(h.stores.dump().subscriptions.filter((s) => s.connectionId === alice.connectionId)).toHaveLength(2);
    await h.disconnect(alice);
    const state = h.stores.dump();
    expect(state.connections.map((c) => c.connectionId)).not.toContain(alice.connectionId);
    expect(state.subscriptions.filter((s) => s.connectionId === alice.connectionId)).toEqual([]);
    expect(rooms).toHaveLength(2);
  });

  it('a connection whose close never arrived stops counting at its expiresAt: the next device is "first" again', async () => {
    const { h, bob } = await aliceAndBobInTwoRooms();
    await h.connect('alice'); // its $disconnect never reaches the backend
    expect(h.eventsOf(bob, 'presence')).toHaveLength(2);
    h.clock.advance(h.config.maxConnectionMs - 1);
    // Until its expiresAt the unclosed connection counts: another device neither announces online nor offline.
    const laptop = await h.connect('alice');
    await h.disconnect(laptop);
    expect(h.eventsOf(bob, 'presence')).toHaveLength(2);
    h.clock.advance(1);
    const bobAgain = await h.connect('bob'); // bob's first connection has reached its end too
    await h.connect('alice');
    expect(h.eventsOf(bobAgain, 'presence')).toHaveLength(2);
    expect(h.eventsOf(bobAgain, 'presence').every((e) => e.userId === 'alice' && e.isOnline)).toBe(true);
  });

  it('listMembers and getPresence show who is online', async () => {
    const { h, bob, rooms } = await aliceAndBobInTwoRooms();
    const roomId = rooms[0]!;
    const members = await h.ack(bob, 'listMembers', { roomId });
    expect(members.members).toEqual([
      { userId: 'alice', displayName: 'Alice', isOnline: false, lastSeenAt: new Date(h.clock.now()).toISOString() },
      { userId: 'bob', displayName: 'Bob', isOnline: true },
    ]);
    expect((await h.ack(bob, 'getPresence', { roomId })).online).toEqual([
      { userId: 'bob', displayName: 'Bob', isOnline: true },
    ]);
    const alice = await h.connect('alice');
    await h.ack(alice, 'unsubscribe', { roomId });
    // A muted connection still counts as present.
    const online = (await h.ack(bob, 'getPresence', { roomId })).online as { userId: string }[];
    expect(online.map((u) => u.userId).sort()).toEqual(['alice', 'bob']);
    expect(((await h.ack(bob, 'listMembers', { roomId })).members as { isOnline: boolean }[]).map((m) => m.isOnline)).toEqual([
      true,
      true,
    ]);
  });
});
