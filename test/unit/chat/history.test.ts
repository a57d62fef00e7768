// getHistory (PROTOCOL.md "getHistory") and markRead (PROTOCOL.md "read").
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

async function roomWithMessages(count: number) {
  const h = createChatHarness();
  const alice = await h.connect('alice');
  const aliceLaptop = await h.connect('alice');
  const bob = await h.connect('bob');
  const room = await h.createRoom(alice, 'r', ['bob']);
  for (let i = 1; i <= count; i += 1) {
    await h.ack(i % 2 ? alice : bob, 'sendMessage', {
      roomId: room.roomId,
      clientMessageId: `m${i}`,
      content: `#${i}`,
    });
    h.clock.advance(100);
  }
  h.clearFrames();
  return { h, alice, aliceLaptop, bob, roomId: room.roomId };
}

const seqs = (messages: unknown) => (messages as Message[]).map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('getHistory', () => {
  it('without before/after: the newest `limit` (default 50), ascending, with hasMore', async () => {
    const { h, bob, roomId } = await roomWithMessages(120);
    const newest = await h.ack(bob, 'getHistory', { roomId });
    expect(seqs(newest.messages)).toEqual(range(71, 120));
    expect(newest.hasMore).toBe(true);
    const ten = await h.ack(bob, 'getHistory', { roomId, limit: 10 });
    expect(seqs(ten.messages)).toEqual(range(111, 120));
    const all = await h.ack(bob, 'getHistory', { roomId, limit: 100 });
    expect(all.hasMore).toBe(true);
    expect((all.messages as Message[])[0]).toMatchObject({ seq: 21, content: '#21', senderId: 'alice' });
  });

  it('scrolls back with before until hasMore is false', async () => {
    const { h, bob, roomId } = await roomWithMessages(120);
    const collected: number[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await h.ack(
        bob,
        'getHistory',
        before === undefined ? { roomId, limit: 50 } : { roomId, before, limit: 50 },
      );
      collected.unshift(...seqs(page.messages));
      if (!page.hasMore) break;
      before = (page.messages as Message[])[0]!.seq;
    }
    expect(collected).toEqual(range(1, 120));
    const older = await h.ack(bob, 'getHistory', { roomId, before: 21, limit: 20 });
    expect(seqs(older.messages)).toEqual(range(1, 20));
    expect(older.hasMore).toBe(false);
  });

  it('catches up with after: the oldest `limit` above it', async () => {
    const { h, bob, roomId } = await roomWithMessages(30);
    const page1 = await h.ack(bob, 'getHistory', { roomId, after: 5, limit: 10 });
    expect(seqs(page1.messages)).toEqual(range(6, 15));
    expect(page1.hasMore).toBe(true);
    const page2 = await h.ack(bob, 'getHistory', { roomId, after: 20, limit: 10 });
    expect(seqs(page2.messages)).toEqual(range(21, 30));
    expect(page2.hasMore).toBe(false);
    const none = await h.ack(bob, 'getHistory', { roomId, after: 30 });
    expect(none.messages).toEqual([]);
    expect(none.hasMore).toBe(false);
  });

  it('an empty room: no messages, no more', async () => {
    const { h, bob, roomId } = await roomWithMessages(0);
    expect(await h.ack(bob, 'getHistory', { roomId })).toMatchObject({ messages: [], hasMore: false });
  });

  it('before and after together: BAD_REQUEST', async () => {
    const { h, bob, roomId } = await roomWithMessages(3);
    expect(await h.request(bob, 'getHistory', { roomId, before: 3, after: 1 })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^before: .*after/),
    });
  });

  it('a non-member or a missing room: FORBIDDEN', async () => {
    const { h, roomId } = await roomWithMessages(3);
    const eve = await h.connect('eve');
    for (const target of [roomId, 'nope']) {
      expect(await h.request(eve, 'getHistory', { roomId: target })).toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('returns the messages exactly as acked to their senders', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const room = await h.createRoom(alice, 'r');
    const ack = await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'x', content: 'q"\\' });
    expect((await h.ack(alice, 'getHistory', { roomId: room.roomId })).messages).toEqual([ack.message]);
  });
});

describe('markRead', () => {
  it("moves the marker forward, acks with the unread count left and tells the room (the reader's other devices too)", async () => {
    const { h, alice, aliceLaptop, bob, roomId } = await roomWithMessages(5);
    const ack = await h.ack(bob, 'markRead', { roomId, seq: 3 });
    // After seq 3, only alice's message 5 is unread for bob.
    expect(ack).toEqual({
      type: 'ack',
      requestId: ack.requestId,
      action: 'markRead',
      unreadCount: 1,
      unreadThroughSeq: 5,
      lastSeq: 5,
    });
    const read = { type: 'read', roomId, userId: 'bob', seq: 3 };
    expect(h.eventsOf(alice)).toEqual([read]);
    expect(h.eventsOf(aliceLaptop)).toEqual([read]);
    expect(h.eventsOf(bob)).toEqual([]);
    await h.ack(alice, 'markRead', { roomId, seq: 2 });
    expect(h.eventsOf(aliceLaptop)).toEqual([read, { type: 'read', roomId, userId: 'alice', seq: 2 }]);
    expect(h.eventsOf(alice)).toEqual([read]);
  });

  it('a seq at or below the marker is acked and broadcasts nothing', async () => {
    const { h, alice, bob, roomId } = await roomWithMessages(5);
    await h.ack(bob, 'markRead', { roomId, seq: 4 });
    h.clearFrames();
    expect(await h.request(bob, 'markRead', { roomId, seq: 4 })).toMatchObject({ type: 'ack', unreadCount: 1 });
    // Below the marker: nothing is written, the count is still from the marker.
    const writesBefore = h.stores.dump().members;
    expect(await h.request(bob, 'markRead', { roomId, seq: 2 })).toMatchObject({ type: 'ack', unreadCount: 1 });
    expect(h.stores.dump().members).toEqual(writesBefore);
    expect(h.framesOf(alice)).toEqual([]);
    expect((await h.ack(bob, 'hello')).rooms).toEqual([expect.objectContaining({ roomId, lastReadSeq: 4 })]);
  });

  it("a seq above the room's lastSeq is BAD_REQUEST naming seq; the marker stays", async () => {
    const { h, alice, bob, roomId } = await roomWithMessages(5);
    expect(await h.request(bob, 'markRead', { roomId, seq: 6 })).toMatchObject({
      type: 'error',
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^seq: .*5/),
    });
    expect(h.framesOf(alice)).toEqual([]);
    expect(h.stores.dump().members.find((m) => m.userId === 'bob')!.lastReadSeq).toBe(0);
  });

  it('a non-member is FORBIDDEN', async () => {
    const { h, roomId } = await roomWithMessages(1);
    const eve = await h.connect('eve');
    expect(await h.request(eve, 'markRead', { roomId, seq: 1 })).toMatchObject({ code: 'FORBIDDEN' });
  });
});
