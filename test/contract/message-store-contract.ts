// The behaviour every MessageStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import { UNREAD_SCAN_FACTOR, type ChatStores } from '../../lambdas/chat/ports.js';
import {
  uid,
  T0,
  member,
  message,
  subscription,
  typing,
  sorted,
  roomWithMembers,
  storesPerTest,
  type MakeStores,
} from './store-fixtures.js';

export function describeMessageStoreContract(name: string, makeStores: MakeStores): void {
  describe(`MessageStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('allocates strictly increasing seqs per room, and refuses a room that does not exist', async () => {
      const first = await roomWithMembers(stores.rooms, ['alice']);
      const second = await roomWithMembers(stores.rooms, ['alice']);
      expect(await stores.messages.nextSeq(first.roomId)).toBe(1);
      expect(await stores.messages.nextSeq(first.roomId)).toBe(2);
      expect(await stores.messages.nextSeq(second.roomId)).toBe(1);
      const concurrent = await Promise.all(Array.from({ length: 10 }, () => stores.messages.nextSeq(first.roomId)));
      expect(sorted(concurrent.map(String))).toEqual(
        sorted(Array.from({ length: 10 }, (_, index) => String(index + 3))),
      );
      expect((await stores.rooms.getRooms([first.roomId])).get(first.roomId)?.lastSeq).toBe(12);
      await expect(stores.messages.nextSeq(uid('no-room'))).rejects.toThrow();
    });

    it('claims a client message id once: a retry gets the message recorded first', async () => {
      const roomId = uid('room');
      const first = message(roomId, 1, { senderId: 'alice', clientMessageId: 'same' });
      expect(await stores.messages.claimClientMessageId(first)).toBeUndefined();
      const retry = message(roomId, 2, { senderId: 'alice', clientMessageId: 'same', content: 'other' });
      expect(await stores.messages.claimClientMessageId(retry)).toEqual(first);
      // Another sender, another room, or another id is another claim.
      expect(
        await stores.messages.claimClientMessageId(message(roomId, 3, { senderId: 'bob', clientMessageId: 'same' })),
      ).toBeUndefined();
      expect(
        await stores.messages.claimClientMessageId(
          message(uid('room'), 1, { senderId: 'alice', clientMessageId: 'same' }),
        ),
      ).toBeUndefined();
    });

    it("keeps claims apart when '#' moves between sender id and client message id", async () => {
      const roomId = uid('room');
      expect(
        await stores.messages.claimClientMessageId(message(roomId, 1, { senderId: 'a#b', clientMessageId: 'c' })),
      ).toBeUndefined();
      expect(
        await stores.messages.claimClientMessageId(message(roomId, 2, { senderId: 'a', clientMessageId: 'b#c' })),
      ).toBeUndefined();
      expect(
        await stores.messages.claimClientMessageId(message(roomId, 3, { senderId: 'a%23b', clientMessageId: 'c' })),
      ).toBeUndefined();
      const state = await stores.messages.getSendState(roomId, 'a', 'b#c');
      expect(state.existing?.seq).toBe(2);
    });

    it('lets exactly one of many racing claims win', async () => {
      const roomId = uid('room');
      const attempts = Array.from({ length: 8 }, (_, index) =>
        message(roomId, index + 1, { senderId: 'alice', clientMessageId: 'race' }),
      );
      const results = await Promise.all(attempts.map((attempt) => stores.messages.claimClientMessageId(attempt)));
      const winners = results.filter((result) => result === undefined);
      expect(winners.length).toBe(1);
      const winner = attempts[results.indexOf(undefined)]!;
      expect(results.filter((result) => result !== undefined).every((result) => result!.id === winner.id)).toBe(true);
    });

    it('stores a message under its seq once', async () => {
      const roomId = uid('room');
      const stored = message(roomId, 1);
      expect(await stores.messages.putMessageIfAbsent(stored)).toBe(true);
      expect(await stores.messages.putMessageIfAbsent(message(roomId, 1, { content: 'replacement' }))).toBe(false);
      expect((await stores.messages.getMessages(roomId, { limit: 10 })).messages).toEqual([stored]);
    });

    it('stores content and optional fields exactly', async () => {
      const roomId = uid('room');
      const tricky = message(roomId, 1, {
        content: 'quotes " \' backslash \\ newline \n emoji 👩‍👩‍👧 </script> {"json":true} \u2028',
        messageType: 'image',
        attachmentUrl: 'https://cdn.example/a.png',
        senderAvatar: 'https://cdn.example/me.png',
      });
      const plain = message(roomId, 2);
      await stores.messages.putMessageIfAbsent(tricky);
      await stores.messages.putMessageIfAbsent(plain);
      const { messages } = await stores.messages.getMessages(roomId, { limit: 10 });
      expect(messages).toEqual([tricky, plain]);
      expect(Object.keys(messages[1]!).sort()).toEqual(Object.keys(plain).sort());
    });

    it('reads history: newest, after, before, in ascending seq with hasMore in that direction', async () => {
      const roomId = uid('room');
      // Stored out of order, with a gap at 8 (a send that failed half way), seqs across a digit boundary.
      const seqs = [12, 3, 1, 10, 2, 4, 5, 6, 7, 9, 11];
      for (const seq of seqs) await stores.messages.putMessageIfAbsent(message(roomId, seq));
      await stores.messages.putMessageIfAbsent(message(uid('room'), 13));
      const read = async (query: Parameters<ChatStores['messages']['getMessages']>[1]) => {
        const result = await stores.messages.getMessages(roomId, query);
        return { seqs: result.messages.map((item) => item.seq), hasMore: result.hasMore };
      };

      expect(await read({ limit: 3 })).toEqual({ seqs: [10, 11, 12], hasMore: true });
      expect(await read({ limit: 11 })).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12], hasMore: false });
      expect(await read({ limit: 50 })).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12], hasMore: false });
      expect(await read({ after: 6, limit: 3 })).toEqual({ seqs: [7, 9, 10], hasMore: true });
      expect(await read({ after: 9, limit: 3 })).toEqual({ seqs: [10, 11, 12], hasMore: false });
      expect(await read({ after: 12, limit: 3 })).toEqual({ seqs: [], hasMore: false });
      expect(await read({ after: 0, limit: 2 })).toEqual({ seqs: [1, 2], hasMore: true });
      expect(await read({ before: 10, limit: 3 })).toEqual({ seqs: [6, 7, 9], hasMore: true });
      expect(await read({ before: 3, limit: 3 })).toEqual({ seqs: [1, 2], hasMore: false });
      expect(await read({ before: 1, limit: 3 })).toEqual({ seqs: [], hasMore: false });
      expect(await stores.messages.getMessages(uid('empty'), { limit: 5 })).toEqual({
        messages: [],
        changes: [],
        hasMore: false,
      });
    });

    it('keeps history apart from the other items of the room', async () => {
      const created = await roomWithMembers(stores.rooms, ['alice', 'zed']);
      await stores.subscriptions.putSubscriptions([subscription(created.roomId, 'zzz', T0 + 1_000)]);
      await stores.typing.startTyping(typing(created.roomId, 'zed', T0 + 5_000), T0, 3_000);
      await stores.messages.claimClientMessageId(message(created.roomId, 1));
      expect(await stores.messages.getMessages(created.roomId, { limit: 10 })).toEqual({
        messages: [],
        changes: [],
        hasMore: false,
      });
      await stores.messages.putMessageIfAbsent(message(created.roomId, 1));
      expect(
        (await stores.messages.getMessages(created.roomId, { limit: 10 })).messages.map((item) => item.seq),
      ).toEqual([1]);
      expect((await stores.messages.getMessages(created.roomId, { before: 5, limit: 10 })).messages.length).toBe(1);
      expect((await stores.messages.getMessages(created.roomId, { after: 0, limit: 10 })).messages.length).toBe(1);
    });

    it('getSendState reads membership, the claimed message and the typing indicator together', async () => {
      const created = await roomWithMembers(stores.rooms, ['alice']);
      expect(await stores.messages.getSendState(created.roomId, 'alice', 'cm-1')).toEqual({
        member: member(created.roomId, 'alice'),
      });
      const claimed = message(created.roomId, 1, { senderId: 'alice', clientMessageId: 'cm-1' });
      await stores.messages.claimClientMessageId(claimed);
      const indicator = typing(created.roomId, 'alice', T0 + 5_000);
      await stores.typing.startTyping(indicator, T0, 3_000);
      expect(await stores.messages.getSendState(created.roomId, 'alice', 'cm-1')).toEqual({
        member: member(created.roomId, 'alice'),
        existing: claimed,
        typing: { ...indicator, lastBroadcastAt: T0 },
      });
      expect(await stores.messages.getSendState(created.roomId, 'stranger', 'cm-1')).toEqual({});
    });

    describe('countUnread', () => {
      /** Messages from these senders at seqs 1, 2, …; the seqs `isChange` picks hold bob's reaction to message 1. */
      const fill = async (roomId: string, senders: string[], isChange: (seq: number) => boolean = () => false) => {
        for (const [index, senderId] of senders.entries()) {
          const seq = index + 1;
          if (isChange(seq)) {
            const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString();
            await stores.messages.putChangeIfAbsent({
              roomId,
              seq,
              changeOf: 1,
              kind: 'reaction',
              userId: senderId,
              createdAt,
              emoji: '👍',
              on: true,
            });
          } else {
            await stores.messages.putMessageIfAbsent(message(roomId, seq, { senderId }));
          }
        }
      };

      it("counts ordinary messages from others after the marker, not the reader's own", async () => {
        const roomId = uid('room');
        await fill(roomId, ['alice', 'bob', 'bob', 'alice', 'carol', 'bob']);
        expect(await stores.messages.countUnread(roomId, 'alice', 0, 100)).toBe(4);
        expect(await stores.messages.countUnread(roomId, 'alice', 3, 100)).toBe(2);
        expect(await stores.messages.countUnread(roomId, 'bob', 0, 100)).toBe(3);
        expect(await stores.messages.countUnread(roomId, 'alice', 6, 100)).toBe(0);
        expect(await stores.messages.countUnread(roomId, 'alice', 60, 100)).toBe(0);
        expect(await stores.messages.countUnread(roomId, 'dave', 0, 100)).toBe(6);
        expect(await stores.messages.countUnread(uid('empty'), 'alice', 0, 100)).toBe(0);
      });

      it('leaves out change events (changeOf) and counts up to throughSeq only', async () => {
        const roomId = uid('room');
        await fill(roomId, ['bob', 'bob', 'bob', 'bob', 'bob'], (seq) => seq === 2 || seq === 4);
        expect(await stores.messages.countUnread(roomId, 'alice', 0, 100)).toBe(3);
        expect(await stores.messages.countUnread(roomId, 'alice', 0, 100, 3)).toBe(2);
        expect(await stores.messages.countUnread(roomId, 'alice', 1, 100, 1)).toBe(0);
        expect(await stores.messages.countUnread(roomId, 'alice', 3, 100, 2)).toBe(0);
        const [change] = (await stores.messages.getMessages(roomId, { after: 1, limit: 1 })).changes;
        expect(change?.changeOf).toBe(1);
      });

      it('stops at the cap', async () => {
        const roomId = uid('room');
        await fill(
          roomId,
          Array.from({ length: 12 }, (_, index) => (index % 3 === 0 ? 'alice' : 'bob')),
        );
        expect(await stores.messages.countUnread(roomId, 'alice', 0, 5)).toBe(5);
        expect(await stores.messages.countUnread(roomId, 'alice', 0, 8)).toBe(8);
        expect(await stores.messages.countUnread(roomId, 'alice', 0, 9)).toBe(8);
      });

      it('reads at most UNREAD_SCAN_FACTOR × cap items: beyond them, nothing more is counted', async () => {
        const roomId = uid('room');
        const cap = 2;
        const ownFirst = UNREAD_SCAN_FACTOR * cap - 1;
        await fill(roomId, [...Array<string>(ownFirst).fill('alice'), 'bob', 'bob', 'bob']);
        // One of bob's messages lies within the items read, the other two beyond them.
        expect(await stores.messages.countUnread(roomId, 'alice', 0, cap)).toBe(1);
        expect(await stores.messages.countUnread(roomId, 'alice', 1, cap)).toBe(2);
      });

      it('is not disturbed by the other items of the room', async () => {
        const created = await roomWithMembers(stores.rooms, ['alice', 'bob']);
        await stores.subscriptions.putSubscriptions([subscription(created.roomId, 'zzz', T0 + 1_000)]);
        await stores.typing.startTyping(typing(created.roomId, 'bob', T0 + 5_000), T0, 3_000);
        await stores.messages.claimClientMessageId(message(created.roomId, 1, { senderId: 'bob' }));
        expect(await stores.messages.countUnread(created.roomId, 'alice', 0, 100)).toBe(0);
        await stores.messages.putMessageIfAbsent(message(created.roomId, 1, { senderId: 'bob' }));
        expect(await stores.messages.countUnread(created.roomId, 'alice', 0, 100)).toBe(1);
      });
    });

    it('rejects a limit below 1', async () => {
      await expect(stores.messages.getMessages(uid('room'), { limit: 0 })).rejects.toThrow(/limit/);
    });
  });
}
