// createRoom, openDirect, addMembers, leaveRoom, listRooms, listMembers and their membership events.
import { describe, expect } from 'vitest';
import type { Room, User } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { TestClient } from './support/test-client.js';
import { anyEventFor, expectAckFields, expectIsoTime, expectRoomShape, frameOf, messageEvent } from './support/wire.js';

const local = useLocalStack();

const roomJoined = (roomId: string) => (f: { type?: string; room?: unknown }) =>
  f.type === 'roomJoined' && (f.room as Room | undefined)?.roomId === roomId;
const anyRoomJoined = frameOf('roomJoined');

async function roomIdsOf(client: TestClient): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.ack('listRooms', cursor === undefined ? {} : { cursor });
    ids.push(...(page.rooms as Room[]).map((r) => r.roomId));
    cursor = page.cursor as string | undefined;
  } while (cursor !== undefined);
  return ids;
}

async function membersOf(client: TestClient, roomId: string): Promise<User[]> {
  const members: User[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.ack('listMembers', cursor === undefined ? { roomId } : { roomId, cursor });
    members.push(...(page.members as User[]));
    cursor = page.cursor as string | undefined;
  } while (cursor !== undefined);
  return members;
}

describe('createRoom', () => {
  local.it(
    "acks the room; roomJoined goes to every connection of each member and to the creator's other connections",
    async () => {
      const {
        user: alice,
        clients: [a1, a2],
      } = await local.devices('alice');
      const {
        user: bob,
        clients: [b1, b2],
      } = await local.devices('bob');
      const { client: carol } = await local.connectNew('carol');

      const before = Date.now();
      const ack = await a1.ack('createRoom', { name: 'Planning', memberIds: [bob.userId] });
      const room = ack.room as Room;
      expectRoomShape(room);
      expect(room).toMatchObject({ name: 'Planning', kind: 'group', createdBy: alice.userId, lastSeq: 0 });
      expectIsoTime(room.createdAt, before);
      expect(Object.keys(ack).sort()).toEqual(['action', 'requestId', 'room', 'type']);

      for (const client of [b1, b2, a2]) {
        const event = await client.waitFor(roomJoined(room.roomId));
        expect(event.room).toMatchObject({
          roomId: room.roomId,
          name: 'Planning',
          kind: 'group',
          createdBy: alice.userId,
        });
      }
      await a1.expectNoFrame(anyRoomJoined);
      await carol.expectNoFrame(anyRoomJoined);

      expect(new Set((await membersOf(a1, room.roomId)).map((m) => m.userId))).toEqual(
        new Set([alice.userId, bob.userId]),
      );
    },
  );

  local.it('creates a room with only its creator', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const room = await local.createRoom(a, [], 'solo');
    expect((await membersOf(a, room.roomId)).map((m) => m.userId)).toEqual([alice.userId]);
    expect(await roomIdsOf(a)).toContain(room.roomId);
  });

  local.it('a member who never connected is NOT_FOUND and nothing is created', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const roomsBefore = await roomIdsOf(a);
    const error = await a.error('createRoom', {
      name: 'Ghost room',
      memberIds: [bob.userId, local.user('ghost').userId],
    });
    expect(error.code).toBe('NOT_FOUND');
    expect(await roomIdsOf(a)).toEqual(roomsBefore);
    expect(await roomIdsOf(b)).toEqual([]);
    await b.expectNoFrame(anyRoomJoined);
  });

  local.it('accepts a name of 100 characters and refuses 0 or 101; refuses 101 member ids', async () => {
    const { client: a } = await local.connectNew('alice');
    expect((await local.createRoom(a, [], 'n'.repeat(100))).name).toBe('n'.repeat(100));
    for (const name of ['', 'n'.repeat(101)]) {
      const error = await a.error('createRoom', { name });
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('name') });
    }
    const ids = Array.from({ length: 101 }, (_, i) => `u${i}`);
    const error = await a.error('createRoom', { name: 'big', memberIds: ids });
    expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('memberIds') });
  });

  local.it(
    'a room of 101 members (100 named) lists every member once through listMembers paging',
    async () => {
      const { user: alice, client: a } = await local.connectNew('alice');
      const others = await local.registered(...Array.from({ length: 100 }, (_, i) => `m${i}`));
      const room = await local.createRoom(a, others, 'crowd');
      const members = await membersOf(a, room.roomId);
      const ids = members.map((m) => m.userId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(ids)).toEqual(new Set([alice.userId, ...others.map((u) => u.userId)]));
      for (const member of members) {
        expect(member).toMatchObject({ displayName: expect.any(String), isOnline: expect.any(Boolean) });
      }
      expect(members.find((m) => m.userId === alice.userId)?.isOnline).toBe(true);
    },
    60_000,
  );
});

describe('openDirect', () => {
  local.it('gives the same room every time; roomJoined reaches the other user only the first time', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const {
      user: bob,
      clients: [b1, b2],
    } = await local.devices('bob');

    const opened = await a.ack('openDirect', { userId: bob.userId });
    expectAckFields(opened, ['room']);
    const first = opened.room as Room;
    expectRoomShape(first);
    expect(first).toMatchObject({ kind: 'direct', createdBy: alice.userId, lastSeq: 0 });
    for (const client of [b1, b2]) await client.waitFor(roomJoined(first.roomId));
    await a.expectNoFrame(anyRoomJoined);

    const again = (await a.ack('openDirect', { userId: bob.userId })).room as Room;
    expect(again.roomId).toBe(first.roomId);
    const fromBob = (await b1.ack('openDirect', { userId: alice.userId })).room as Room;
    expect(fromBob.roomId).toBe(first.roomId);
    await b1.expectNoFrame(anyRoomJoined, 0);
    await b2.expectNoFrame(anyRoomJoined, 0);
    await a.expectNoFrame(anyRoomJoined);

    expect(new Set((await membersOf(b1, first.roomId)).map((m) => m.userId))).toEqual(
      new Set([alice.userId, bob.userId]),
    );
    expect((await roomIdsOf(a)).filter((id) => id === first.roomId)).toHaveLength(1);
  });

  local.it('both users are subscribed to the new direct room at once', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = (await a.ack('openDirect', { userId: bob.userId })).room as Room;
    const sent = await b.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'hi alice' });
    const event = await a.waitFor(messageEvent(room.roomId));
    expect(event.message).toEqual(sent.message);
    expect((event.message as { senderId: string }).senderId).toBe(bob.userId);
  });

  local.it(
    'to oneself is BAD_REQUEST; to a user who never connected is NOT_FOUND; neither creates a room',
    async () => {
      const { user: alice, client: a } = await local.connectNew('alice');
      expect((await a.error('openDirect', { userId: alice.userId })).code).toBe('BAD_REQUEST');
      expect((await a.error('openDirect', { userId: local.user('ghost').userId })).code).toBe('NOT_FOUND');
      expect(await roomIdsOf(a)).toEqual([]);
    },
  );
});

describe('addMembers', () => {
  local.it(
    'acks the room; memberJoined to the room (not the requester); roomJoined to every connection of the added',
    async () => {
      const {
        user: alice,
        clients: [a1, a2],
      } = await local.devices('alice');
      const { user: bob, client: b } = await local.connectNew('bob');
      const {
        user: carol,
        clients: [c1, c2],
      } = await local.devices('carol');
      const { client: outsider } = await local.connectNew('dave');
      const room = await local.createRoom(a1, [bob]);
      await b.waitFor(roomJoined(room.roomId));

      const ack = await a1.ack('addMembers', { roomId: room.roomId, userIds: [carol.userId] });
      expectAckFields(ack, ['room']);
      expect(ack.room).toMatchObject({ roomId: room.roomId, kind: 'group' });

      for (const client of [b, a2]) {
        const event = await client.waitFor(frameOf('memberJoined', { roomId: room.roomId }));
        expect(event.user).toMatchObject({ userId: carol.userId, displayName: carol.name });
      }
      for (const client of [c1, c2]) {
        const event = await client.waitFor(roomJoined(room.roomId));
        expect(event.room).toMatchObject({ roomId: room.roomId, name: room.name });
      }
      await a1.expectNoFrame(frameOf('memberJoined'));
      await outsider.expectNoFrame(anyEventFor(room.roomId), 0);
      expect(new Set((await membersOf(c1, room.roomId)).map((m) => m.userId))).toEqual(
        new Set([alice.userId, bob.userId, carol.userId]),
      );
    },
  );

  local.it('an unknown user among those named is NOT_FOUND and nobody is added', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a);
    const error = await a.error('addMembers', {
      roomId: room.roomId,
      userIds: [carol.userId, local.user('ghost').userId],
    });
    expect(error.code).toBe('NOT_FOUND');
    expect((await membersOf(a, room.roomId)).map((m) => m.userId)).not.toContain(carol.userId);
    await c.expectNoFrame(anyRoomJoined);
  });

  local.it('by a non-member is FORBIDDEN and adds nobody', async () => {
    const { client: a } = await local.connectNew('alice');
    const { client: mallory } = await local.connectNew('mallory');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a);
    expect((await mallory.error('addMembers', { roomId: room.roomId, userIds: [carol.userId] })).code).toBe(
      'FORBIDDEN',
    );
    await c.expectNoFrame(anyRoomJoined);
    await a.expectNoFrame(frameOf('memberJoined'), 0);
    expect((await membersOf(a, room.roomId)).map((m) => m.userId)).not.toContain(carol.userId);
  });
});

describe('leaveRoom', () => {
  local.it(
    "acks; memberLeft goes to the room including the leaver's other devices; the leaver hears no more",
    async () => {
      const { user: alice, client: a } = await local.connectNew('alice');
      const {
        user: bob,
        clients: [b1, b2],
      } = await local.devices('bob');
      const room = await local.createRoom(a, [bob]);

      const ack = await b1.ack('leaveRoom', { roomId: room.roomId });
      expect(Object.keys(ack).sort()).toEqual(['action', 'requestId', 'type']);
      for (const client of [a, b2]) {
        const event = await client.waitFor(frameOf('memberLeft', { roomId: room.roomId }));
        expect(event).toEqual({ type: 'memberLeft', roomId: room.roomId, userId: bob.userId });
      }
      await b1.expectNoFrame(frameOf('memberLeft'));

      const sent = await a.ack('sendMessage', {
        roomId: room.roomId,
        clientMessageId: 'after-leave',
        content: 'gone?',
      });
      expect(sent.message).toBeDefined();
      await b1.expectNoFrame(messageEvent(room.roomId));
      await b2.expectNoFrame(messageEvent(room.roomId), 0);

      expect((await b1.error('sendMessage', { roomId: room.roomId, clientMessageId: 'x', content: 'x' })).code).toBe(
        'FORBIDDEN',
      );
      expect((await b1.error('getHistory', { roomId: room.roomId })).code).toBe('FORBIDDEN');
      expect(await roomIdsOf(b1)).not.toContain(room.roomId);
      expect((await membersOf(a, room.roomId)).map((m) => m.userId)).toEqual([alice.userId]);
    },
  );

  local.it('by a non-member is FORBIDDEN', async () => {
    const { client: a } = await local.connectNew('alice');
    const { client: mallory } = await local.connectNew('mallory');
    const room = await local.createRoom(a);
    expect((await mallory.error('leaveRoom', { roomId: room.roomId })).code).toBe('FORBIDDEN');
  });
});

describe('listRooms and listMembers', () => {
  local.it("listRooms lists exactly the user's rooms with lastSeq and lastReadSeq", async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const shared = await local.createRoom(a, [bob]);
    const own = await local.createRoom(a);
    const bobsOwn = await local.createRoom(b);
    await b.ack('sendMessage', { roomId: shared.roomId, clientMessageId: 'c1', content: 'one' });
    await b.ack('sendMessage', { roomId: shared.roomId, clientMessageId: 'c2', content: 'two' });
    await a.ack('markRead', { roomId: shared.roomId, seq: 1 });

    const page = await a.ack('listRooms');
    expectAckFields(page, ['rooms']);
    const rooms = page.rooms as Room[];
    rooms.forEach(expectRoomShape);
    expect(rooms.map((r) => r.roomId).sort()).toEqual([shared.roomId, own.roomId].sort());
    expect(rooms.find((r) => r.roomId === shared.roomId)).toMatchObject({
      lastSeq: 2,
      lastReadSeq: 1,
      createdBy: alice.userId,
    });
    expect(rooms.map((r) => r.roomId)).not.toContain(bobsOwn.roomId);
  });

  local.it('listMembers tells who is online and when the others were last seen', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const closedAt = Date.now();
    await b.close();
    await a.waitFor(frameOf('presence', { userId: bob.userId, isOnline: false }));

    const page = await a.ack('listMembers', { roomId: room.roomId });
    expectAckFields(page, ['members']);
    const members = page.members as User[];
    expect(members.find((m) => m.userId === alice.userId)).toMatchObject({ displayName: alice.name, isOnline: true });
    const gone = members.find((m) => m.userId === bob.userId);
    expect(gone).toMatchObject({ displayName: bob.name, isOnline: false });
    expectIsoTime(gone?.lastSeenAt, closedAt);
  });

  local.it('listMembers by a non-member is FORBIDDEN', async () => {
    const { client: a } = await local.connectNew('alice');
    const { client: mallory } = await local.connectNew('mallory');
    const room = await local.createRoom(a);
    expect((await mallory.error('listMembers', { roomId: room.roomId })).code).toBe('FORBIDDEN');
  });
});
