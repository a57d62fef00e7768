// The behaviour every TypingStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';

import { uid, T0, typing, storesPerTest, type MakeStores } from './store-fixtures.js';

export function describeTypingStoreContract(name: string, makeStores: MakeStores): void {
  describe(`TypingStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('broadcasts a start, extends quietly within the rebroadcast window, rebroadcasts after it', async () => {
      const roomId = uid('room');
      expect(await stores.typing.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000)).toBe(true);
      expect(await stores.typing.startTyping(typing(roomId, 'alice', T0 + 6_000), T0 + 1_000, 3_000)).toBe(false);
      expect(await stores.typing.listTyping(roomId, T0 + 5_500)).toEqual([
        { ...typing(roomId, 'alice', T0 + 6_000), lastBroadcastAt: T0 },
      ]);
      expect(await stores.typing.startTyping(typing(roomId, 'alice', T0 + 7_999), T0 + 2_999, 3_000)).toBe(false);
      expect(await stores.typing.startTyping(typing(roomId, 'alice', T0 + 8_000), T0 + 3_000, 3_000)).toBe(true);
      expect(await stores.typing.listTyping(roomId, T0 + 3_000)).toEqual([
        { ...typing(roomId, 'alice', T0 + 8_000), lastBroadcastAt: T0 + 3_000 },
      ]);
    });

    it('treats an expired indicator as not live: the next start broadcasts', async () => {
      const roomId = uid('room');
      expect(await stores.typing.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 10_000)).toBe(true);
      expect(await stores.typing.listTyping(roomId, T0 + 5_000)).toEqual([]);
      expect(await stores.typing.startTyping(typing(roomId, 'alice', T0 + 10_000), T0 + 5_000, 10_000)).toBe(true);
    });

    it('lets exactly one of racing starts broadcast', async () => {
      const roomId = uid('room');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => stores.typing.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000)),
      );
      expect(results.filter(Boolean).length).toBe(1);
    });

    it('stopTyping removes the indicator and returns it only when it was live', async () => {
      const roomId = uid('room');
      await stores.typing.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000);
      expect(await stores.typing.stopTyping(roomId, 'alice', T0 + 1_000)).toEqual({
        ...typing(roomId, 'alice', T0 + 5_000),
        lastBroadcastAt: T0,
      });
      expect(await stores.typing.stopTyping(roomId, 'alice', T0 + 1_000)).toBeUndefined();
      expect(await stores.typing.listTyping(roomId, T0)).toEqual([]);

      await stores.typing.startTyping(typing(roomId, 'bob', T0 + 5_000), T0, 3_000);
      expect(await stores.typing.stopTyping(roomId, 'bob', T0 + 5_000)).toBeUndefined();
      // Gone even though it was no longer live: a later start is a fresh one.
      expect(await stores.typing.startTyping(typing(roomId, 'bob', T0 + 9_000), T0 + 4_000, 3_000)).toBe(true);
    });

    it("lists only the room's live indicators", async () => {
      const roomId = uid('room');
      await stores.typing.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000);
      await stores.typing.startTyping(typing(roomId, 'bob', T0 + 2_000), T0, 3_000);
      await stores.typing.startTyping(typing(uid('room'), 'carol', T0 + 5_000), T0, 3_000);
      expect((await stores.typing.listTyping(roomId, T0 + 1_000)).map((item) => item.userId).sort()).toEqual([
        'alice',
        'bob',
      ]);
      expect((await stores.typing.listTyping(roomId, T0 + 2_000)).map((item) => item.userId)).toEqual(['alice']);
    });

    it("lists a user's live indicators in every room, and no one else's", async () => {
      const [first, second] = [uid('room'), uid('room')];
      const alice = uid('alice');
      await stores.typing.startTyping(typing(first, alice, T0 + 5_000), T0, 3_000);
      await stores.typing.startTyping(typing(second, alice, T0 + 2_000), T0, 3_000);
      await stores.typing.startTyping(typing(first, uid('bob'), T0 + 5_000), T0, 3_000);
      const rooms = async (now: number) =>
        (await stores.typing.listTypingOf(alice, now)).map((record) => record.roomId).sort();
      expect(await rooms(T0 + 1_000)).toEqual([first, second].sort());
      expect(await rooms(T0 + 2_000)).toEqual([first]);
      await stores.typing.stopTyping(first, alice, T0 + 2_000);
      expect(await rooms(T0 + 2_000)).toEqual([]);
    });
  });
}
