// Connections opening and closing: subscriptions at connect, profiles, and PROTOCOL.md "presence".
import { describe, expect, it } from 'vitest';
import type { PresenceEvent } from '../../../lambdas/protocol/index.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

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
    const subscribed = h.stores.dump().subscriptions.filter((s) => s.connectionId === later.connectionId);
    expect(subscribed.map((s) => s.roomId).sort()).toEqual([...roomIds].sort());
    expect(subscribed.every((s) => !s.muted && s.userId === 'bob')).toBe(true);
    expect(subscribed[0]!.expiresAt).toBe(later.connectedAt + h.config.maxConnectionMs);
    expect(h.stores.dump().connections.find((c) => c.connectionId === later.connectionId)).toEqual({
      connectionId: later.connectionId,
      userId: 'bob',
      connectedAt: later.connectedAt,
      expiresAt: later.connectedAt + h.config.maxConnectionMs,
      connectCompletedAt: h.clock.now(),
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
  it("the first connection announces online to each room, to every subscriber but the user's own connections", async () => {
    const { h, bob, rooms } = await aliceAndBobInTwoRooms();
    const bobTablet = await h.connect('bob');
    h.clearFrames();
    const alice = await h.connect('alice');
    const expected: PresenceEvent[] = rooms.map((roomId) => ({
      type: 'presence',
      roomId,
      userId: 'alice',
      isOnline: true,
    }));
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
    expect(
      ((await h.ack(bob, 'listMembers', { roomId })).members as { isOnline: boolean }[]).map((m) => m.isOnline),
    ).toEqual([true, true]);
  });
});

describe('presence exactly once, whatever the devices of one user do at the same moment', () => {
  /** Alice and Bob share one room; Alice is offline. Counts the presence events Bob hears about Alice. */
  async function observed() {
    const h = createChatHarness();
    const bob = await h.connect('bob');
    const alice = await h.connect('alice');
    const room = await h.createRoom(bob, 'room', ['alice']);
    await h.disconnect(alice);
    h.clearFrames();
    const count = (isOnline: boolean) =>
      h
        .eventsOf(bob, 'presence')
        .filter((e) => e.userId === 'alice' && e.roomId === room.roomId && e.isOnline === isOnline).length;
    return { h, count };
  }

  /** Lets every store call of the harness wait a random number of turns, so concurrent calls interleave differently. */
  function shuffleStoreCalls(h: ChatHarness, random: () => number): void {
    const methods = {
      connections: ['putConnection', 'deleteConnection', 'listConnections'],
      presence: ['markOnline', 'getPresence', 'settlePresence'],
      subscriptions: ['putSubscriptions', 'deleteSubscriptions'],
    } as const;
    for (const [name, names] of Object.entries(methods)) {
      const store = h.stores[name as keyof typeof methods] as unknown as Record<
        string,
        (...args: unknown[]) => Promise<unknown>
      >;
      for (const method of names) {
        const original = store[method]!.bind(store);
        store[method] = async (...args) => {
          for (let turns = Math.floor(random() * 6); turns > 0; turns--) await Promise.resolve();
          return original(...args);
        };
      }
    }
  }

  it('ten devices connecting at once announce online once; closing at once, offline once', async () => {
    const { h, count } = await observed();
    const devices = await Promise.all(Array.from({ length: 10 }, () => h.connect('alice')));
    expect(count(true)).toBe(1);
    await Promise.all(devices.map((device) => h.disconnect(device)));
    expect(count(false)).toBe(1);
    expect(count(true)).toBe(1);
  });

  it('a close that read the presence before a connect it did not list leaves the user online, announcing nothing', async () => {
    const { h, count } = await observed();
    const phone = await h.connect('alice');
    expect(count(true)).toBe(1);
    // The phone's close has read the presence state; before it lists the connections, the laptop connects fully.
    const store = h.stores.connections as unknown as { listConnections: (...args: unknown[]) => Promise<unknown> };
    const list = store.listConnections.bind(store);
    let laptop: TestConnection | undefined;
    let listedWithoutLaptop = false;
    store.listConnections = async (...args) => {
      if (!laptop && args[0] === 'alice') {
        const listed = await list(...args);
        listedWithoutLaptop = (listed as unknown[]).length === 0;
        laptop = await h.connect('alice');
        return listed;
      }
      return list(...args);
    };
    await h.disconnect(phone);
    expect(listedWithoutLaptop).toBe(true);
    expect(laptop).toBeDefined();
    expect(count(false)).toBe(0);
    expect(count(true)).toBe(1);
    await h.disconnect(laptop!);
    expect(count(false)).toBe(1);
  });

  it('under random interleavings of connects and closes, every flip is announced once and only flips are', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const { h, count } = await observed();
      let state = seed;
      const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
      shuffleStoreCalls(h, random);
      const open = await Promise.all(Array.from({ length: 1 + (seed % 4) }, () => h.connect('alice')));
      // Some devices close while others open, all at once; then everything closes at once.
      const churn = await Promise.all([
        ...open.slice(0, 1 + (seed % 3)).map(async (device) => {
          await h.disconnect(device);
          return undefined;
        }),
        ...Array.from({ length: 1 + (seed % 5) }, () => h.connect('alice')),
      ]);
      const stillOpen = [...open.slice(1 + (seed % 3)), ...churn.filter((c): c is TestConnection => c !== undefined)];
      await Promise.all(stillOpen.map((device) => h.disconnect(device)));
      // Offline at the start and at the end: each "online" was followed by exactly one "offline".
      expect(count(true), `seed ${seed}`).toBe(count(false));
      expect(count(true)).toBeGreaterThanOrEqual(1);
      expect(await h.stores.presence.getPresence('alice')).toMatchObject({ online: false });
    }
  });

  it('a refused $connect that had marked the user online unmarks them silently: the next connect announces', async () => {
    const { h, count } = await observed();
    // markOnline applies, then the last step's answer is lost: the store throws after writing.
    const store = h.stores.presence as unknown as { markOnline: (...args: unknown[]) => Promise<unknown> };
    const markOnline = store.markOnline.bind(store);
    store.markOnline = async (...args) => {
      store.markOnline = markOnline;
      await markOnline(...args);
      throw new Error('timed out on the way back');
    };
    await expect(h.connect('alice')).rejects.toThrow('timed out');
    expect(count(true)).toBe(0);
    expect(count(false)).toBe(0);
    expect(await h.stores.presence.getPresence('alice')).toMatchObject({ online: false });
    await h.connect('alice');
    expect(count(true)).toBe(1);
  });

  it('a user whose connections predate the presence item still goes offline once the last one closes', async () => {
    const h = createChatHarness();
    const bob = await h.connect('bob');
    const room = await h.createRoom(bob, 'room', []);
    const connectedAt = h.clock.now();
    // Carol connected to a backend without presence items: her profile, membership and connection exist, no more.
    await h.stores.profiles.ensureProfile('carol', 'Carol');
    await h.stores.rooms.addMembers(room.roomId, [
      { roomId: room.roomId, userId: 'carol', joinedAt: connectedAt, lastReadSeq: 0 },
    ]);
    await h.stores.connections.putConnection({
      connectionId: 'old',
      userId: 'carol',
      connectedAt,
      expiresAt: connectedAt + h.config.maxConnectionMs,
    });
    await h.disconnect({ connectionId: 'old', userId: 'carol', connectedAt });
    expect(h.eventsOf(bob, 'presence')).toEqual([
      {
        type: 'presence',
        roomId: room.roomId,
        userId: 'carol',
        isOnline: false,
        lastSeenAt: new Date(connectedAt).toISOString(),
      },
    ]);
  });
});

describe('presence with an offline grace period', () => {
  const GRACE_MS = 10_000;

  async function scene() {
    const h = createChatHarness({ config: { offlineGraceMs: GRACE_MS } });
    const bob = await h.connect('bob');
    const alice = await h.connect('alice');
    const room = await h.createRoom(bob, 'room', ['alice']);
    h.clearFrames();
    return { h, bob, alice, roomId: room.roomId };
  }

  it('announces nothing at the close, and offline at the first sweep after the grace period', async () => {
    const { h, bob, alice, roomId } = await scene();
    const closedAt = h.clock.now();
    await h.disconnect(alice);
    expect((await h.chat.sweep()).settled).toBe(0);
    h.clock.advance(GRACE_MS - 1);
    await h.chat.sweep();
    expect(h.eventsOf(bob, 'presence')).toEqual([]);

    h.clock.advance(1);
    expect(await h.chat.sweep()).toMatchObject({ settled: 1, failed: 0 });
    expect(h.eventsOf(bob, 'presence')).toEqual([
      { type: 'presence', roomId, userId: 'alice', isOnline: false, lastSeenAt: new Date(closedAt).toISOString() },
    ]);
    // Settled once: the entry is gone.
    h.clearFrames();
    h.clock.advance(GRACE_MS);
    expect((await h.chat.sweep()).settled).toBe(0);
    expect(h.eventsOf(bob, 'presence')).toEqual([]);
  });

  it('a reconnect within the grace period announces nothing, then or later', async () => {
    const { h, bob, alice } = await scene();
    await h.disconnect(alice);
    h.clock.advance(GRACE_MS - 1);
    const again = await h.connect('alice');
    h.clock.advance(GRACE_MS);
    await h.chat.sweep();
    expect(h.eventsOf(bob, 'presence')).toEqual([]);
    expect(h.framesOf(again).filter((f) => f.type === 'presence')).toEqual([]);
    // The next close starts a grace period of its own.
    await h.disconnect(again);
    h.clock.advance(GRACE_MS);
    await h.chat.sweep();
    expect(h.eventsOf(bob, 'presence').map((e) => e.isOnline)).toEqual([false]);
  });

  it('a reconnect and a close within the grace period: offline only after the later close', async () => {
    const { h, bob, alice } = await scene();
    await h.disconnect(alice);
    h.clock.advance(GRACE_MS / 2);
    const again = await h.connect('alice');
    await h.disconnect(again);
    const lastClose = h.clock.now();
    h.clock.advance(GRACE_MS / 2);
    await h.chat.sweep();
    expect(h.eventsOf(bob, 'presence')).toEqual([]);
    h.clock.advance(GRACE_MS / 2);
    await h.chat.sweep();
    expect(h.eventsOf(bob, 'presence')).toMatchObject([
      { isOnline: false, lastSeenAt: new Date(lastClose).toISOString() },
    ]);
  });
});
