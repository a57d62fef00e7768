// hello and ping, and the rule that every time on the wire is ISO 8601 UTC with milliseconds.
import { describe, expect } from 'vitest';
import type { Room } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { expectAckFields, expectIsoTime, expectRoomShape, frameOf, ISO_UTC_MS } from './support/wire.js';

const local = useLocalStack();

describe('hello', () => {
  local.it('acks the user, their rooms with lastReadSeq, and the server time; no cursor for a few rooms', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const [bob] = await local.registered('bob');
    const group = await local.createRoom(a, [bob!], 'group for hello');
    const direct = (await a.ack('openDirect', { userId: bob!.userId })).room as Room;
    for (const n of [1, 2, 3]) {
      await a.ack('sendMessage', { roomId: group.roomId, clientMessageId: `c${n}`, content: `m${n}` });
    }
    await a.ack('markRead', { roomId: group.roomId, seq: 2 });

    const before = Date.now();
    const hello = await a.ack('hello');
    expectAckFields(hello, ['user', 'rooms', 'serverTime', 'unreadTotal'], ['cursor']);
    // Alice's own messages are not unread to her.
    expect(hello.unreadTotal).toBe(0);
    expect(hello.user).toMatchObject({ userId: alice.userId, displayName: alice.name });
    expectIsoTime(hello.serverTime, before);
    expect(hello.cursor).toBeUndefined();
    const rooms = hello.rooms as Room[];
    expect(rooms.map((r) => r.roomId).sort()).toEqual([group.roomId, direct.roomId].sort());
    rooms.forEach(expectRoomShape);
    expect(rooms.find((r) => r.roomId === group.roomId)).toMatchObject({
      name: 'group for hello',
      kind: 'group',
      createdBy: alice.userId,
      lastSeq: 3,
      lastReadSeq: 2,
      unreadCount: 0,
      unreadThroughSeq: 3,
    });
    expect(rooms.find((r) => r.roomId === direct.roomId)).toMatchObject({
      kind: 'direct',
      lastSeq: 0,
      lastReadSeq: 0,
      unreadCount: 0,
    });
  });

  local.it('a user without rooms gets an empty list', async () => {
    const { client } = await local.connectNew('loner');
    const hello = await client.ack('hello');
    expect(hello.rooms).toEqual([]);
    expect(hello.cursor).toBeUndefined();
  });

  local.it(
    'lists at most 100 rooms; its cursor continues with listRooms until every room was listed once',
    async () => {
      const { user: target, client: t } = await local.connectNew('target');
      // Three creators keep each connection inside the burst the protocol always allows.
      const creators = await Promise.all(['c1', 'c2', 'c3'].map((label) => local.connectNew(label)));
      const created = (
        await Promise.all(
          creators.map(async ({ client }, index) => {
            const ids: string[] = [];
            for (let i = 0; i < 34; i += 1)
              ids.push((await local.createRoom(client, [target], `r${index}-${i}`)).roomId);
            return ids;
          }),
        )
      ).flat();
      expect(created).toHaveLength(102);

      const hello = await t.ack('hello');
      const rooms = hello.rooms as Room[];
      expect(rooms).toHaveLength(100);
      expect(typeof hello.cursor).toBe('string');
      const listed = rooms.map((r) => r.roomId);
      let cursor = hello.cursor as string | undefined;
      while (cursor !== undefined) {
        const page = await t.ack('listRooms', { cursor });
        listed.push(...(page.rooms as Room[]).map((r) => r.roomId));
        cursor = page.cursor as string | undefined;
        expect(listed.length).toBeLessThanOrEqual(102);
      }
      expect(new Set(listed).size).toBe(listed.length);
      expect([...listed].sort()).toEqual([...created].sort());
    },
  );
});

describe('ping', () => {
  local.it('acks with the server time', async () => {
    const { client } = await local.connectNew('pinger');
    const before = Date.now();
    const ack = await client.ack('ping');
    expectIsoTime(ack.serverTime, before);
    expect(Object.keys(ack).sort()).toEqual(['action', 'requestId', 'serverTime', 'type']);
  });

  local.it('without a requestId gets no answer at all', async () => {
    const { client } = await local.connectNew('pinger');
    client.sendRaw({ action: 'ping' });
    await client.expectNoFrame();
    await client.ack('ping');
  });
});

describe('times on the wire', () => {
  local.it('are ISO 8601 in UTC with milliseconds everywhere', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    expect(room.createdAt).toMatch(ISO_UTC_MS);
    const sent = await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'x' });
    expect((sent.message as { createdAt: string }).createdAt).toMatch(ISO_UTC_MS);
    await a.ack('typing', { roomId: room.roomId, isTyping: true });
    const typing = await b.waitFor(frameOf('typing', { roomId: room.roomId }));
    expect(typing.expiresAt).toMatch(ISO_UTC_MS);
    const presence = await b.ack('getPresence', { roomId: room.roomId });
    for (const entry of presence.typing as Array<{ expiresAt: string }>) expect(entry.expiresAt).toMatch(ISO_UTC_MS);
    await a.close();
    const offline = await b.waitFor(
      frameOf('presence', { roomId: room.roomId, userId: alice.userId, isOnline: false }),
    );
    expect(offline.lastSeenAt).toMatch(ISO_UTC_MS);
    const members = await b.ack('listMembers', { roomId: room.roomId });
    const gone = (members.members as Array<{ userId: string; lastSeenAt?: string }>).find(
      (m) => m.userId === alice.userId,
    );
    expect(gone?.lastSeenAt).toMatch(ISO_UTC_MS);
    expect((await b.ack('ping')).serverTime).toMatch(ISO_UTC_MS);
    expect((await b.ack('hello')).serverTime).toMatch(ISO_UTC_MS);
  });
});
