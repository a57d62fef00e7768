// The behaviour every OccupancyStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import { collectPages } from '../../lambdas/chat/paging.js';
import { SWEEP_SHARDS } from '../../lambdas/chat/ports/connections.js';
import { uid, T0, storesPerTest, type MakeStores } from './store-fixtures.js';

const WINDOW = 1_000;

export function describeOccupancyStoreContract(name: string, makeStores: MakeStores): void {
  describe(`OccupancyStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    async function pending(roomId: string): Promise<boolean> {
      for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
        const rooms = await collectPages((cursor) =>
          stores.occupancy.listPendingOccupancy(shard, { cursor, limit: 5 }),
        );
        if (rooms.includes(roomId)) return true;
      }
      return false;
    }

    it('counts, announcing at most one change a window and leaving the others pending', async () => {
      const roomId = uid('room');
      expect(await stores.occupancy.getOnlineCount(roomId)).toBe(0);
      expect(await stores.occupancy.markOnlineIn(roomId, 'alice', true, T0, WINDOW)).toEqual({
        onlineCount: 1,
        announce: true,
      });
      // A mark already set changes nothing.
      expect(await stores.occupancy.markOnlineIn(roomId, 'alice', true, T0 + 100, WINDOW)).toBeUndefined();
      expect(await stores.occupancy.markOnlineIn(roomId, 'bob', false, T0 + 100, WINDOW)).toBeUndefined();
      await stores.occupancy.markOnlineIn(roomId, 'bob', true, T0 + 200, WINDOW);
      expect(await stores.occupancy.markOnlineIn(roomId, 'carol', true, T0 + 500, WINDOW)).toEqual({
        onlineCount: 3,
        announce: false,
      });
      expect(await pending(roomId)).toBe(true);
      expect(await stores.occupancy.getOnlineCount(roomId)).toBe(3);

      // The sweeper cannot claim it inside the window; after it, it can, once.
      expect(await stores.occupancy.claimPendingOccupancy(roomId, T0 + 999, WINDOW)).toBeUndefined();
      expect(await pending(roomId)).toBe(true);
      expect(await stores.occupancy.claimPendingOccupancy(roomId, T0 + 1_000, WINDOW)).toBe(3);
      expect(await pending(roomId)).toBe(false);
      expect(await stores.occupancy.claimPendingOccupancy(roomId, T0 + 1_500, WINDOW)).toBeUndefined();

      expect(await stores.occupancy.markOnlineIn(roomId, 'bob', false, T0 + 2_000, WINDOW)).toEqual({
        onlineCount: 2,
        announce: true,
      });
    });

    it('counts each member once among many racing marks, and loses no change', async () => {
      const roomId = uid('room');
      const users = Array.from({ length: 10 }, (_, index) => `user${index}`);
      // Every user marked three times at once, then the first four cleared twice at once.
      await Promise.all(
        users.flatMap((userId) => [1, 2, 3].map(() => stores.occupancy.markOnlineIn(roomId, userId, true, T0, WINDOW))),
      );
      expect(await stores.occupancy.getOnlineCount(roomId)).toBe(10);
      await Promise.all(
        users
          .slice(0, 4)
          .flatMap((userId) => [1, 2].map(() => stores.occupancy.markOnlineIn(roomId, userId, false, T0, WINDOW))),
      );
      expect(await stores.occupancy.getOnlineCount(roomId)).toBe(6);
    });

    it("lists the rooms where a user's findable marks are set, page by page, and no other", async () => {
      const userId = uid('user');
      const rooms = ['a#1', 'b 2', 'c%3', 'd', 'e'].map((name) => uid(name));
      for (const roomId of rooms)
        await stores.occupancy.markOnlineIn(roomId, userId, true, T0, WINDOW, { findable: true });
      // A mark set without the option is counted but not listed; another user's is not this user's.
      const plain = uid('plain');
      await stores.occupancy.markOnlineIn(plain, userId, true, T0, WINDOW);
      await stores.occupancy.markOnlineIn(rooms[0]!, uid('other'), true, T0, WINDOW, { findable: true });
      expect(await stores.occupancy.getOnlineCount(plain)).toBe(1);
      const list = () => collectPages((cursor) => stores.occupancy.listMarkedRooms(userId, { cursor, limit: 2 }));
      expect((await list()).sort()).toEqual([...rooms].sort());
      await stores.occupancy.markOnlineIn(rooms[1]!, userId, false, T0, WINDOW);
      expect((await list()).sort()).toEqual(rooms.filter((_, index) => index !== 1).sort());
      expect(await stores.occupancy.getOnlineCount(rooms[0]!)).toBe(2);
    });
  });
}
