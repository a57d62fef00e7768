// Rooms and membership: createRoom, openDirect, addMembers, leaveRoom, hello/listRooms, listMembers,
// subscribe/unsubscribe, and PROTOCOL.md "Subscriptions" and "Membership events".
import { describe, expect, it } from 'vitest';
import { directRoomId } from '../../../lambdas/chat/index.js';
import type { Room, User } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('createRoom', () => {
  it("acks the room, subscribes every member's open connections, and tells them (and the creator's other devices) roomJoined", async () => {
    const h = createChatHarness();
    const alicePhone = await h.connect('alice');
    const aliceLaptop = await h.connect('alice');
    const bobPhone = await h.connect('bob');
    const bobLaptop = await h.connect('bob');
    const carol = await h.connect('carol');
    h.clearFrames();
    const ack = await h.ack(alicePhone, 'createRoom', { name: 'Plans', memberIds: ['bob', 'bob', 'alice'] });
    const room = ack.room as Room;
    expect(room).toEqual({
      roomId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Plans',
      kind: 'group',
      createdBy: 'alice',
      createdAt: iso(h.clock.now()),
      lastSeq: 0,
      lastReadSeq: 0,
    });
    for (const connection of [aliceLaptop, bobPhone, bobLaptop]) {
      expect(h.eventsOf(connection)).toEqual([
        { type: 'roomJoined', room: { ...room, unreadCount: 0, unreadThroughSeq: 0 } },
      ]);
    }
    expect(h.eventsOf(alicePhone)).toEqual([]);
    expect(h.framesOf(carol)).toEqual([]);
    const subscribed = h.stores.dump().subscriptions.filter((s) => s.roomId === room.roomId);
    expect(subscribed.map((s) => s.connectionId).sort()).toEqual(
      [alicePhone, aliceLaptop, bobPhone, bobLaptop].map((c) => c.connectionId).sort(),
    );
    expect(
      h.stores
        .dump()
        .members.filter((m) => m.roomId === room.roomId)
        .map((m) => m.userId)
        .sort(),
    ).toEqual(['alice', 'bob']);
    // Subscribed at once: bob hears the room without reconnecting.
    await h.ack(alicePhone, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'hi' });
    expect(h.eventsOf(bobLaptop, 'message')).toHaveLength(1);
  });

  it('with an unknown member id: NOT_FOUND naming it, and nothing is created', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    await h.connect('bob');
    const answer = await h.request(alice, 'createRoom', { name: 'x', memberIds: ['bob', 'ghost'] });
    expect(answer).toMatchObject({ type: 'error', code: 'NOT_FOUND', message: expect.stringContaining('"ghost"') });
    expect(answer).toMatchObject({ message: expect.stringMatching(/^memberIds: /) });
    expect(h.stores.dump().rooms).toEqual([]);
    expect(h.stores.dump().members).toEqual([]);
  });

  it('with no memberIds: a room of one', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const room = await h.createRoom(alice, 'notes');
    expect(h.stores.dump().members.map((m) => [m.roomId, m.userId])).toEqual([[room.roomId, 'alice']]);
  });
});

describe('openDirect', () => {
  it('gives both users the same room every time; roomJoined reaches the other user only the first time', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice', { name: 'Alice' });
    const aliceLaptop = await h.connect('alice', { name: 'Alice' });
    const bob = await h.connect('bob', { name: 'Bob' });
    h.clearFrames();
    const first = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as Room;
    expect(first).toEqual({
      roomId: directRoomId('alice', 'bob'),
      name: 'Alice & Bob',
      kind: 'direct',
      createdBy: 'alice',
      createdAt: iso(h.clock.now()),
      lastSeq: 0,
      lastReadSeq: 0,
    });
    expect(h.eventsOf(bob)).toEqual([{ type: 'roomJoined', room: { ...first, unreadCount: 0, unreadThroughSeq: 0 } }]);
    expect(h.eventsOf(aliceLaptop)).toEqual([
      { type: 'roomJoined', room: { ...first, unreadCount: 0, unreadThroughSeq: 0 } },
    ]);
    h.clock.advance(1_000);
    await h.ack(alice, 'sendMessage', { roomId: first.roomId, clientMessageId: 'm', content: 'hey' });
    await h.ack(bob, 'markRead', { roomId: first.roomId, seq: 1 });
    h.clearFrames();
    const again = (await h.ack(bob, 'openDirect', { userId: 'alice' })).room as Room;
    expect(again).toMatchObject({ roomId: first.roomId, createdAt: first.createdAt, lastSeq: 1, lastReadSeq: 1 });
    const thrice = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as Room;
    expect(thrice).toMatchObject({ roomId: first.roomId, lastReadSeq: 0 });
    expect(h.eventsOf(alice)).toEqual([]);
    expect(h.eventsOf(aliceLaptop)).toEqual([]);
    expect(h.eventsOf(bob)).toEqual([]);
    expect(h.stores.dump().rooms).toHaveLength(1);
  });

  it("subscribes both users' open connections", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as Room;
    await h.ack(bob, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'yo' });
    expect(h.eventsOf(alice, 'message')).toHaveLength(1);
  });

  it('ids that would collide under a naive join get different rooms', () => {
    expect(directRoomId('a:b', 'c')).not.toBe(directRoomId('a', 'b:c'));
    expect(directRoomId('a', 'b')).toBe(directRoomId('b', 'a'));
    expect(directRoomId('a', 'b')).toMatch(/^dm_[0-9a-f]{64}$/);
  });

  it('to oneself is BAD_REQUEST; to an unknown user NOT_FOUND; nothing is created', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    expect(await h.request(alice, 'openDirect', { userId: 'alice' })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^userId: /),
    });
    expect(await h.request(alice, 'openDirect', { userId: 'nobody' })).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
      message: expect.stringMatching(/^userId: .*"nobody"/),
    });
    expect(h.stores.dump().rooms).toEqual([]);
  });

  it('after the other user left, opening again re-adds them and tells them', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as Room;
    await h.ack(bob, 'leaveRoom', { roomId: room.roomId });
    h.clearFrames();
    await h.ack(alice, 'openDirect', { userId: 'bob' });
    expect(h.eventsOf(bob, 'roomJoined')).toHaveLength(1);
    await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'back?' });
    expect(h.eventsOf(bob, 'message')).toHaveLength(1);
  });
});

describe('addMembers', () => {
  async function setup() {
    const h = createChatHarness();
    const alice = await h.connect('alice', { name: 'Alice' });
    const aliceLaptop = await h.connect('alice', { name: 'Alice' });
    const bob = await h.connect('bob', { name: 'Bob' });
    const carol = await h.connect('carol', { name: 'Carol' });
    const carolLaptop = await h.connect('carol', { name: 'Carol' });
    const dave = await h.connect('dave', { name: 'Dave' });
    const room = await h.createRoom(alice, 'team', ['bob']);
    await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm1', content: 'before carol' });
    h.clearFrames();
    return { h, alice, aliceLaptop, bob, carol, carolLaptop, dave, roomId: room.roomId };
  }

  it("acks the room; memberJoined to the room (requester's other devices included); roomJoined to every connection of each added user", async () => {
    const { h, alice, aliceLaptop, bob, carol, carolLaptop, dave, roomId } = await setup();
    await h.ack(carol, 'updateProfile', { avatarUrl: 'https://cdn.test/c.png' });
    h.clearFrames();
    const ack = await h.ack(alice, 'addMembers', { roomId, userIds: ['carol', 'bob', 'carol'] });
    expect(ack.room).toMatchObject({ roomId, name: 'team', kind: 'group', lastSeq: 1, lastReadSeq: 0 });
    const joined = {
      type: 'memberJoined',
      roomId,
      user: { userId: 'carol', displayName: 'Carol', avatarUrl: 'https://cdn.test/c.png' },
    };
    expect(h.eventsOf(bob)).toEqual([joined]);
    expect(h.eventsOf(aliceLaptop)).toEqual([joined]);
    expect(h.eventsOf(alice)).toEqual([]);
    for (const connection of [carol, carolLaptop]) {
      expect(h.eventsOf(connection)).toEqual([
        { type: 'roomJoined', room: expect.objectContaining({ roomId, lastSeq: 1, lastReadSeq: 1 }) },
      ]);
    }
    expect(h.framesOf(dave)).toEqual([]);
    // Subscribed at once.
    await h.ack(bob, 'sendMessage', { roomId, clientMessageId: 'm2', content: 'welcome' });
    expect(h.eventsOf(carolLaptop, 'message')).toHaveLength(1);
  });

  it('adding someone already in the room changes nothing and tells no one', async () => {
    const { h, alice, bob, roomId } = await setup();
    const ack = await h.ack(alice, 'addMembers', { roomId, userIds: ['bob'] });
    expect(ack.room).toMatchObject({ roomId });
    expect(h.eventsOf(bob)).toEqual([]);
  });

  it('unknown users: NOT_FOUND, nobody is added', async () => {
    const { h, alice, roomId } = await setup();
    const answer = await h.request(alice, 'addMembers', { roomId, userIds: ['carol', 'ghost'] });
    expect(answer).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/^userIds: .*"ghost"/) });
    expect(
      h.stores
        .dump()
        .members.filter((m) => m.roomId === roomId)
        .map((m) => m.userId)
        .sort(),
    ).toEqual(['alice', 'bob']);
  });

  it('by a non-member, or into a room that does not exist: FORBIDDEN', async () => {
    const { h, dave, roomId } = await setup();
    for (const target of [roomId, 'no-such-room']) {
      expect(await h.request(dave, 'addMembers', { roomId: target, userIds: ['dave'] })).toMatchObject({
        code: 'FORBIDDEN',
        message: 'not a member of this room',
      });
    }
    expect(h.stores.dump().members.some((m) => m.userId === 'dave')).toBe(false);
  });

  it('into a direct room: BAD_REQUEST', async () => {
    const { h, alice } = await setup();
    const direct = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as Room;
    expect(await h.request(alice, 'addMembers', { roomId: direct.roomId, userIds: ['carol'] })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'roomId: direct rooms have exactly two members',
    });
  });
});

describe('leaveRoom', () => {
  it("acks with no fields, tells the room (the leaver's other devices included) and unsubscribes every connection of the leaver", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const aliceLaptop = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(bob, 'r', ['alice']);
    h.clearFrames();
    const ack = await h.ack(alice, 'leaveRoom', { roomId: room.roomId });
    expect(ack).toEqual({ type: 'ack', requestId: ack.requestId, action: 'leaveRoom' });
    const left = { type: 'memberLeft', roomId: room.roomId, userId: 'alice' };
    expect(h.eventsOf(bob)).toEqual([left]);
    expect(h.eventsOf(aliceLaptop)).toEqual([left]);
    expect(h.eventsOf(alice)).toEqual([]);
    const subs = h.stores.dump().subscriptions.filter((s) => s.roomId === room.roomId);
    expect(subs.map((s) => s.userId)).toEqual(['bob']);
    h.clearFrames();
    await h.ack(bob, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm', content: 'gone?' });
    expect(h.framesOf(aliceLaptop)).toEqual([]);
    expect(await h.request(alice, 'getHistory', { roomId: room.roomId })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await h.request(alice, 'subscribe', { roomId: room.roomId })).toMatchObject({ code: 'FORBIDDEN' });
    expect(
      h.stores
        .dump()
        .subscriptions.filter((s) => s.roomId === room.roomId)
        .map((s) => s.userId),
    ).toEqual(['bob']);
  });

  it("clears the leaver's live typing indicator (and says so)", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(bob, 'r', ['alice']);
    await h.ack(alice, 'typing', { roomId: room.roomId, isTyping: true });
    h.clearFrames();
    await h.ack(alice, 'leaveRoom', { roomId: room.roomId });
    expect(h.eventsOf(bob).map((e) => e.type)).toEqual(['typing', 'memberLeft']);
    expect(h.eventsOf(bob, 'typing')[0]).toMatchObject({ isTyping: false, userId: 'alice' });
    expect((await h.ack(bob, 'getPresence', { roomId: room.roomId })).typing).toEqual([]);
  });

  it('by a non-member: FORBIDDEN', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(bob, 'r');
    expect(await h.request(alice, 'leaveRoom', { roomId: room.roomId })).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('hello and listRooms', () => {
  it('hello: the user (online), their rooms with their own read marker, and the server time', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice', { name: 'Alice' });
    const bob = await h.connect('bob', { name: 'Bob' });
    const room = await h.createRoom(bob, 'r', ['alice']);
    await h.ack(bob, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm1', content: '1' });
    await h.ack(bob, 'sendMessage', { roomId: room.roomId, clientMessageId: 'm2', content: '2' });
    await h.ack(alice, 'markRead', { roomId: room.roomId, seq: 1 });
    h.clock.advance(42);
    const ack = await h.ack(alice, 'hello');
    expect(ack).toEqual({
      type: 'ack',
      requestId: ack.requestId,
      action: 'hello',
      user: { userId: 'alice', displayName: 'Alice', isOnline: true },
      rooms: [{ ...room, lastSeq: 2, lastReadSeq: 1, unreadCount: 1, unreadThroughSeq: 2 }],
      serverTime: iso(h.clock.now()),
      unreadTotal: 1,
    });
  });

  it('hello lists up to 100 rooms; its cursor continues with listRooms to the end', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const created: string[] = [];
    for (let i = 0; i < 230; i += 1) {
      created.push((await h.createRoom(alice, `room ${i}`)).roomId);
      h.clock.advance(100);
    }
    const hello = await h.ack(alice, 'hello');
    expect(hello.rooms).toHaveLength(100);
    const seen = (hello.rooms as Room[]).map((r) => r.roomId);
    let cursor = hello.cursor as string | undefined;
    expect(cursor).toEqual(expect.any(String));
    while (cursor) {
      const page = await h.ack(alice, 'listRooms', { cursor });
      seen.push(...(page.rooms as Room[]).map((r) => r.roomId));
      cursor = page.cursor as string | undefined;
    }
    expect(seen).toHaveLength(230);
    expect(new Set(seen)).toEqual(new Set(created));
    const first = await h.ack(alice, 'listRooms');
    expect((first.rooms as Room[]).map((r) => r.roomId)).toEqual(seen.slice(0, 100));
  });

  it('a user with no rooms gets an empty list and no cursor', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const hello = await h.ack(alice, 'hello');
    expect(hello.rooms).toEqual([]);
    expect(hello).not.toHaveProperty('cursor');
  });
});

describe('listMembers', () => {
  it('pages through members with profiles and presence', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const ids: string[] = [];
    for (let i = 0; i < 150; i += 1) {
      const id = `user-${String(i).padStart(3, '0')}`;
      ids.push(id);
      const c = await h.connect(id, { name: `User ${i}` });
      if (i % 2 === 1) await h.disconnect(c);
    }
    const room = await h.createRoom(alice, 'big', ids.slice(0, 100));
    await h.ack(alice, 'addMembers', { roomId: room.roomId, userIds: ids.slice(100) });
    const first = await h.ack(alice, 'listMembers', { roomId: room.roomId });
    expect(first.members).toHaveLength(100);
    const second = await h.ack(alice, 'listMembers', { roomId: room.roomId, cursor: first.cursor });
    expect(second).not.toHaveProperty('cursor');
    const all = [...(first.members as User[]), ...(second.members as User[])];
    expect(all.map((u) => u.userId).sort()).toEqual(['alice', ...ids].sort());
    expect(all.find((u) => u.userId === 'user-002')).toEqual({
      userId: 'user-002',
      displayName: 'User 2',
      isOnline: true,
    });
    expect(all.find((u) => u.userId === 'user-003')).toEqual({
      userId: 'user-003',
      displayName: 'User 3',
      isOnline: false,
      lastSeenAt: iso(h.clock.now()),
    });
  });

  it('a non-member is FORBIDDEN', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(alice, 'r');
    expect(await h.request(bob, 'listMembers', { roomId: room.roomId })).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('subscribe / unsubscribe', () => {
  it('acks the roomId; a non-member or a missing room is FORBIDDEN and gets no subscription', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const eve = await h.connect('eve');
    const room = await h.createRoom(alice, 'r');
    const ack = await h.ack(alice, 'unsubscribe', { roomId: room.roomId });
    expect(ack).toEqual({ type: 'ack', requestId: ack.requestId, action: 'unsubscribe', roomId: room.roomId });
    expect(h.stores.dump().subscriptions.find((s) => s.connectionId === alice.connectionId)).toMatchObject({
      muted: true,
    });
    expect((await h.ack(alice, 'subscribe', { roomId: room.roomId })).roomId).toBe(room.roomId);
    expect(h.stores.dump().subscriptions.find((s) => s.connectionId === alice.connectionId)).toMatchObject({
      muted: false,
      expiresAt: alice.connectedAt + h.config.maxConnectionMs,
    });
    for (const roomId of [room.roomId, 'missing-room']) {
      expect(await h.request(eve, 'subscribe', { roomId })).toMatchObject({
        code: 'FORBIDDEN',
        message: 'not a member of this room',
      });
    }
    expect(h.stores.dump().subscriptions.some((s) => s.userId === 'eve')).toBe(false);
  });
});

describe('updateProfile', () => {
  it('changes the name and avatar, null clears the avatar, an empty update acks the unchanged user', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice', { name: 'Alice' });
    expect(
      (await h.ack(alice, 'updateProfile', { displayName: 'Al', avatarUrl: 'https://cdn.test/a.png' })).user,
    ).toEqual({
      userId: 'alice',
      displayName: 'Al',
      avatarUrl: 'https://cdn.test/a.png',
      isOnline: true,
    });
    expect((await h.ack(alice, 'updateProfile', {})).user).toMatchObject({
      displayName: 'Al',
      avatarUrl: 'https://cdn.test/a.png',
    });
    const cleared = (await h.ack(alice, 'updateProfile', { avatarUrl: null })).user as User;
    expect(cleared).toEqual({ userId: 'alice', displayName: 'Al', isOnline: true });
  });
});
