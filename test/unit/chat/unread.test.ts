// Unread counts (PROTOCOL.md, "Unread counts"): per room in hello, listRooms and roomJoined, the total in hello,
// the count left in markRead's ack.
import { describe, expect, it } from 'vitest';
import { UnreadCounts } from '../../../client/src/unread.js';
import { LIMITS, type Message, type Room } from '../../../lambdas/protocol/index.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

async function say(h: ChatHarness, from: TestConnection, roomId: string, count: number): Promise<number> {
  let seq = 0;
  for (let index = 0; index < count; index += 1) {
    const ack = await h.ack(from, 'sendMessage', { roomId, clientMessageId: `m-${Math.random()}`, content: 'hi' });
    seq = (ack.message as { seq: number }).seq;
    // Past the per-connection rate limit.
    h.clock.advance(100);
  }
  return seq;
}

const roomsOf = async (h: ChatHarness, connection: TestConnection, action: 'hello' | 'listRooms') =>
  new Map(((await h.ack(connection, action)).rooms as Room[]).map((room) => [room.roomId, room]));

describe('unread counts', () => {
  it("count others' ordinary messages after the marker, per room and in total; own messages and change events not", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const carol = await h.connect('carol');
    const first = await h.createRoom(bob, 'first', ['alice', 'carol']);
    const second = await h.createRoom(carol, 'second', ['alice']);
    const quiet = await h.createRoom(alice, 'quiet', ['bob']);
    await say(h, bob, first.roomId, 3);
    await say(h, alice, first.roomId, 2);
    await say(h, carol, first.roomId, 1);
    await say(h, carol, second.roomId, 2);
    await say(h, alice, quiet.roomId, 4);
    // A change event (an edit, a reaction) is stored in the room's seq with changeOf: it is not unread.
    const changeSeq = await h.stores.messages.nextSeq(second.roomId);
    await h.stores.messages.putChangeIfAbsent({
      roomId: second.roomId,
      seq: changeSeq,
      changeOf: 1,
      kind: 'reaction',
      userId: 'carol',
      createdAt: new Date(h.clock.now()).toISOString(),
      emoji: '👍',
      on: true,
    });

    const hello = await h.ack(alice, 'hello');
    const rooms = new Map((hello.rooms as Room[]).map((room) => [room.roomId, room]));
    expect(rooms.get(first.roomId)).toMatchObject({ lastSeq: 6, lastReadSeq: 0, unreadCount: 4, unreadThroughSeq: 6 });
    expect(rooms.get(second.roomId)).toMatchObject({ lastSeq: 3, unreadCount: 2, unreadThroughSeq: 3 });
    expect(rooms.get(quiet.roomId)).toMatchObject({ lastSeq: 4, unreadCount: 0 });
    expect(hello.unreadTotal).toBe(6);
    expect((await roomsOf(h, alice, 'listRooms')).get(first.roomId)?.unreadCount).toBe(4);
    expect((await roomsOf(h, bob, 'hello')).get(quiet.roomId)?.unreadCount).toBe(4);

    expect(await h.ack(alice, 'markRead', { roomId: first.roomId, seq: 4 })).toMatchObject({
      unreadCount: 1,
      unreadThroughSeq: 6,
      lastSeq: 6,
    });
    expect((await h.ack(alice, 'hello')).unreadTotal).toBe(3);
    expect(await h.ack(alice, 'markRead', { roomId: second.roomId, seq: 3 })).toMatchObject({ unreadCount: 0 });
    expect((await h.ack(alice, 'hello')).unreadTotal).toBe(1);
  });

  it(`stop at ${LIMITS.unreadCountMax} ("that many or more")`, async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(bob, 'busy', ['alice']);
    await say(h, bob, room.roomId, LIMITS.unreadCountMax + 5);
    const hello = await h.ack(alice, 'hello');
    expect((hello.rooms as Room[])[0]).toMatchObject({
      lastSeq: LIMITS.unreadCountMax + 5,
      unreadCount: LIMITS.unreadCountMax,
    });
    expect(hello.unreadTotal).toBe(LIMITS.unreadCountMax);
    expect(await h.ack(alice, 'markRead', { roomId: room.roomId, seq: 10 })).toMatchObject({
      unreadCount: LIMITS.unreadCountMax - 5,
    });
  });

  it("hello's total covers the rooms past its first page", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const roomCount = LIMITS.helloRoomsMax + 3;
    const rooms: Room[] = [];
    for (let index = 0; index < roomCount; index += 1) {
      rooms.push(await h.createRoom(bob, `r${index}`, ['alice']));
      h.clock.advance(100);
    }
    for (const room of rooms) await say(h, bob, room.roomId, 1);
    const hello = await h.ack(alice, 'hello');
    expect(hello.rooms).toHaveLength(LIMITS.helloRoomsMax);
    expect(hello.cursor).toBeDefined();
    expect(hello.unreadTotal).toBe(roomCount);
    const rest = await h.ack(alice, 'listRooms', { cursor: hello.cursor });
    expect((rest.rooms as Room[]).map((room) => room.unreadCount)).toEqual([1, 1, 1]);
  });

  it("roomJoined carries the joiner's count: 0 for a new room or added member, the other's messages on a direct room rejoined", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const carol = await h.connect('carol');
    const group = await h.createRoom(alice, 'g', ['bob']);
    expect(h.eventsOf(bob, 'roomJoined')[0]?.room.unreadCount).toBe(0);
    await say(h, alice, group.roomId, 2);
    h.clearFrames();
    await h.ack(alice, 'addMembers', { roomId: group.roomId, userIds: ['carol'] });
    expect(h.eventsOf(carol, 'roomJoined')[0]?.room).toMatchObject({ lastReadSeq: 2, unreadCount: 0 });

    const direct = (await h.ack(alice, 'openDirect', { userId: 'bob' })).room as Room;
    await say(h, alice, direct.roomId, 2);
    await say(h, bob, direct.roomId, 1);
    await h.ack(bob, 'leaveRoom', { roomId: direct.roomId });
    h.clearFrames();
    await h.ack(alice, 'openDirect', { userId: 'bob' });
    expect(h.eventsOf(bob, 'roomJoined')[0]?.room).toMatchObject({ lastSeq: 3, lastReadSeq: 0, unreadCount: 2 });
  });

  it('a send between taking its seq and storing its message: counted by the SDK when it arrives, not lost', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(bob, 'r', ['alice']);
    await say(h, bob, room.roomId, 2);
    // Hold bob's next send after it took seq 3 and before its message is stored.
    const store = h.stores.messages;
    const put = store.putMessageIfAbsent.bind(store);
    let reached!: () => void;
    const atStore = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    store.putMessageIfAbsent = async (message: Message) => {
      reached();
      await released;
      return put(message);
    };
    const sending = h.ack(bob, 'sendMessage', { roomId: room.roomId, clientMessageId: 'late', content: 'hi' });
    await atStore;

    // alice (re)connects meanwhile: the room's lastSeq is 3 but only 1 and 2 are stored.
    const counts = new UnreadCounts(
      () => undefined,
      () => undefined,
    );
    for (const listed of (await h.ack(alice, 'hello')).rooms as Room[]) counts.fromRoom(listed);
    const listed = (await roomsOf(h, alice, 'listRooms')).get(room.roomId);
    expect(listed).toMatchObject({ lastSeq: 3, unreadCount: 2, unreadThroughSeq: 2 });
    const ack = await h.ack(alice, 'markRead', { roomId: room.roomId, seq: 1 });
    expect(ack).toMatchObject({ unreadCount: 1, unreadThroughSeq: 2, lastSeq: 3 });
    counts.fromMarkRead(
      room.roomId,
      1,
      ack as unknown as { unreadCount: number; unreadThroughSeq: number; lastSeq: number },
    );

    release();
    await sending;
    const event = h.eventsOf(alice, 'message').find((heard) => heard.message.seq === 3);
    expect(event?.message.content).toBe('hi');
    counts.message(event!.message, 'alice');
    // The SDK's live count and the server's count now agree.
    const server = (await roomsOf(h, alice, 'listRooms')).get(room.roomId);
    expect(server).toMatchObject({ unreadCount: 2, unreadThroughSeq: 3 });
    expect(counts.count(room.roomId)).toBe(2);
  });
});
