// ping: the keep-alive, and with roomSeqs: true the tail check (PROTOCOL.md, "Actions").
import { describe, expect, it } from 'vitest';
import { LIMITS, type RoomSeq } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

describe('ping', () => {
  it('without roomSeqs: only the server time', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    await h.createRoom(alice, 'r');
    const ack = await h.ack(alice, 'ping');
    expect(ack).toEqual({
      type: 'ack',
      requestId: ack.requestId,
      action: 'ping',
      serverTime: new Date(h.clock.now()).toISOString(),
    });
  });

  it("with roomSeqs: the lastSeq of the user's own rooms only, never of rooms they are not (or no longer) in", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const shared = await h.createRoom(alice, 'shared', ['bob']);
    const bobs = await h.createRoom(bob, 'bob only');
    const left = await h.createRoom(alice, 'left later', ['bob']);
    for (const [roomId, n] of [
      [shared.roomId, 3],
      [bobs.roomId, 2],
      [left.roomId, 1],
    ] as const) {
      for (let i = 0; i < n; i += 1)
        await h.ack(bob, 'sendMessage', { roomId, clientMessageId: `${roomId}-${i}`, content: 'x' });
    }
    await h.ack(alice, 'leaveRoom', { roomId: left.roomId });
    const ack = await h.ack(alice, 'ping', { roomSeqs: true });
    expect(ack.roomSeqs).toEqual([{ roomId: shared.roomId, lastSeq: 3 }]);
    expect(ack).not.toHaveProperty('cursor');
    const bobAck = await h.ack(bob, 'ping', { roomSeqs: true });
    expect(new Set(bobAck.roomSeqs as RoomSeq[])).toEqual(
      new Set(
        [
          { roomId: shared.roomId, lastSeq: 3 },
          { roomId: bobs.roomId, lastSeq: 2 },
          { roomId: left.roomId, lastSeq: 1 },
        ].map((r) => expect.objectContaining(r)),
      ),
    );
    expect(bobAck.roomSeqs).toHaveLength(3);
  });

  it('pages like hello: 100 rooms a ping, the cursor continues, each page far below the 128 KB frame limit', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const created = new Set<string>();
    for (let i = 0; i < 130; i += 1) {
      created.add((await h.createRoom(alice, `room ${i}`)).roomId);
      h.clock.advance(100);
    }
    const seen: RoomSeq[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const ack = await h.ack(alice, 'ping', cursor ? { roomSeqs: true, cursor } : { roomSeqs: true });
      expect(Buffer.byteLength(JSON.stringify(ack))).toBeLessThan(LIMITS.messageMaxBytes / 8);
      seen.push(...(ack.roomSeqs as RoomSeq[]));
      cursor = ack.cursor as string | undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toHaveLength(130);
    expect(new Set(seen.map((r) => r.roomId))).toEqual(created);
  });

  it('refuses a malformed roomSeqs or cursor, naming the field', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    expect(await h.request(alice, 'ping', { roomSeqs: 'yes' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'roomSeqs: expected boolean',
    });
    expect(await h.request(alice, 'ping', { roomSeqs: true, cursor: '' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^cursor: /),
    });
    expect(await h.ack(alice, 'ping')).toHaveProperty('serverTime');
  });
});
