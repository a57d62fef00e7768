// Unread counts on the wire (PROTOCOL.md, "Unread counts"): per room in hello, listRooms and roomJoined, the total
// in hello, the count in markRead's ack; on two devices of one user and after one of them reconnects.
import { describe, expect } from 'vitest';
import type { Room } from '../../lambdas/protocol/index.js';
import type { TestClient } from './support/test-client.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { frameOf } from './support/wire.js';

const local = useLocalStack();

async function countsOf(client: TestClient, action: 'hello' | 'listRooms' = 'hello') {
  const ack = await client.ack(action);
  const rooms = ack.rooms as Room[];
  return { total: ack.unreadTotal, byRoom: new Map(rooms.map((room) => [room.roomId, room.unreadCount])) };
}

describe('unread counts', () => {
  local.it('stay right across two devices, markRead on either, and a reconnect', async () => {
    const { client: a } = await local.connectNew('alice');
    const {
      user: bob,
      clients: [phone, laptop],
    } = await local.devices('bob');
    const room = await local.createRoom(a, [bob]);
    const other = await local.createRoom(a, [bob]);
    for (const n of [1, 2, 3])
      await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: `c${n}`, content: `${n}` });
    await phone.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'own', content: 'mine' });
    await a.ack('sendMessage', { roomId: other.roomId, clientMessageId: 'o1', content: 'elsewhere' });

    for (const device of [phone, laptop]) {
      const counts = await countsOf(device);
      expect(counts.byRoom.get(room.roomId)).toBe(3);
      expect(counts.byRoom.get(other.roomId)).toBe(1);
      expect(counts.total).toBe(4);
      expect((await countsOf(device, 'listRooms')).byRoom.get(room.roomId)).toBe(3);
    }
    expect((await countsOf(a)).byRoom.get(room.roomId)).toBe(1);

    expect(await phone.ack('markRead', { roomId: room.roomId, seq: 2 })).toMatchObject({ unreadCount: 1, lastSeq: 4 });
    for (const client of [laptop, a]) {
      await client.waitFor(frameOf('read', { roomId: room.roomId, userId: bob.userId, seq: 2 }));
    }
    // A markRead at the marker asks for the count without writing or broadcasting.
    expect(await laptop.ack('markRead', { roomId: room.roomId, seq: 2 })).toMatchObject({ unreadCount: 1 });
    await a.expectNoFrame(frameOf('read', { seq: 2, userId: bob.userId }), 200);
    expect((await countsOf(laptop)).total).toBe(2);

    await laptop.close();
    await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c5', content: '5' });
    const laptopAgain = await local.connect(bob);
    const counts = await countsOf(laptopAgain);
    expect(counts.byRoom.get(room.roomId)).toBe(2);
    expect(counts.total).toBe(3);
    expect(await laptopAgain.ack('markRead', { roomId: room.roomId, seq: 5 })).toMatchObject({ unreadCount: 0 });
    expect((await countsOf(phone)).total).toBe(1);
  });

  local.it("roomJoined carries the joining user's count", async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: carol, client: c } = await local.connectNew('carol');
    const room = await local.createRoom(a, []);
    await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'before', content: 'before carol' });
    await a.ack('addMembers', { roomId: room.roomId, userIds: [carol.userId] });
    const joined = await c.waitFor(frameOf('roomJoined'));
    expect((joined.room as Room).unreadCount).toBe(0);
  });
});
