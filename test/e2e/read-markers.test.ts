// PROTOCOL.md "read": markers only move forward, and only a move is broadcast.
import { describe, expect } from 'vitest';
import type { Room } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { TestClient } from './support/test-client.js';
import { frameOf } from './support/wire.js';

const local = useLocalStack();

async function lastReadSeq(client: TestClient, roomId: string): Promise<number | undefined> {
  const rooms = (await client.ack('listRooms')).rooms as Room[];
  return rooms.find((r) => r.roomId === roomId)?.lastReadSeq;
}

describe('markRead', () => {
  local.it('moves forward, broadcasting read to the room but not to the requesting connection', async () => {
    const { client: a } = await local.connectNew('alice');
    const {
      user: bob,
      clients: [b1, b2],
    } = await local.devices('bob');
    const { client: carol } = await local.connectNew('carol');
    const room = await local.createRoom(a, [bob]);
    for (const n of [1, 2, 3])
      await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: `c${n}`, content: `${n}` });
    expect(await lastReadSeq(b1, room.roomId)).toBe(0);

    const ack = await b1.ack('markRead', { roomId: room.roomId, seq: 2 });
    expect(Object.keys(ack).sort()).toEqual([
      'action',
      'lastSeq',
      'requestId',
      'type',
      'unreadCount',
      'unreadThroughSeq',
    ]);
    expect(ack).toMatchObject({ unreadCount: 1, unreadThroughSeq: 3, lastSeq: 3 });
    for (const client of [a, b2]) {
      const event = await client.waitFor(frameOf('read', { roomId: room.roomId }));
      expect(event).toEqual({ type: 'read', roomId: room.roomId, userId: bob.userId, seq: 2 });
    }
    await b1.expectNoFrame(frameOf('read'));
    await carol.expectNoFrame(frameOf('read'), 0);
    expect(await lastReadSeq(b1, room.roomId)).toBe(2);
    expect(await lastReadSeq(b2, room.roomId)).toBe(2);
    expect(await lastReadSeq(a, room.roomId)).toBe(0);

    await b2.ack('markRead', { roomId: room.roomId, seq: 3 });
    const moved = await a.waitFor(frameOf('read', { roomId: room.roomId }));
    expect(moved).toMatchObject({ userId: bob.userId, seq: 3 });
    expect(await lastReadSeq(b1, room.roomId)).toBe(3);
  });

  local.it('a seq at or below the marker is acked and broadcasts nothing', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    for (const n of [1, 2, 3])
      await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: `c${n}`, content: `${n}` });
    await b.ack('markRead', { roomId: room.roomId, seq: 2 });
    await a.waitFor(frameOf('read', { roomId: room.roomId }));

    await b.ack('markRead', { roomId: room.roomId, seq: 2 });
    await b.ack('markRead', { roomId: room.roomId, seq: 1 });
    await b.ack('markRead', { roomId: room.roomId, seq: 0 });
    await a.expectNoFrame(frameOf('read'));
    expect(await lastReadSeq(b, room.roomId)).toBe(2);

    // A fresh marker is 0: marking 0 is "at" it.
    const other = await local.createRoom(a, [bob]);
    await b.ack('markRead', { roomId: other.roomId, seq: 0 });
    await a.expectNoFrame(frameOf('read'));
  });

  local.it("a seq above the room's lastSeq is BAD_REQUEST and changes nothing", async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    for (const n of [1, 2, 3])
      await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: `c${n}`, content: `${n}` });
    const error = await b.error('markRead', { roomId: room.roomId, seq: 4 });
    expect(error.code).toBe('BAD_REQUEST');
    await a.expectNoFrame(frameOf('read'));
    expect(await lastReadSeq(b, room.roomId)).toBe(0);
    const empty = await local.createRoom(a, [bob]);
    expect((await b.error('markRead', { roomId: empty.roomId, seq: 1 })).code).toBe('BAD_REQUEST');
  });

  local.it('refuses an ill-typed seq naming it, and a non-member with FORBIDDEN', async () => {
    const { client: a } = await local.connectNew('alice');
    const { client: mallory } = await local.connectNew('mallory');
    const room = await local.createRoom(a);
    await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'x' });
    for (const seq of [-1, 0.5, '1', null]) {
      const error = await a.error('markRead', { roomId: room.roomId, seq });
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('seq') });
    }
    expect((await a.error('markRead', { roomId: room.roomId })).message).toContain('seq');
    expect((await mallory.error('markRead', { roomId: room.roomId, seq: 1 })).code).toBe('FORBIDDEN');
    await a.expectNoFrame(frameOf('read'));
  });
});
