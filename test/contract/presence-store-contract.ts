// The behaviour every PresenceStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import { collectPages } from '../../lambdas/chat/paging.js';
import { SWEEP_SHARDS } from '../../lambdas/chat/ports/connections.js';
import { uid, T0, storesPerTest, type MakeStores } from './store-fixtures.js';

export function describePresenceStoreContract(name: string, makeStores: MakeStores): void {
  describe(`PresenceStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('markOnline returns the state before it and counts connects; getPresence reads it back', async () => {
      const userId = uid('user');
      expect(await stores.presence.getPresence(userId)).toBeUndefined();
      expect(await stores.presence.markOnline(userId, T0 + 10)).toBeUndefined();
      expect(await stores.presence.getPresence(userId)).toEqual({ online: true, gen: 1, liveUntil: T0 + 10 });
      expect(await stores.presence.markOnline(userId, T0 + 20)).toEqual({ online: true, gen: 1, liveUntil: T0 + 10 });
      expect(await stores.presence.getPresence(userId)).toEqual({ online: true, gen: 2, liveUntil: T0 + 20 });
    });

    it('a watch connection marks the user watch-only only when it flips them online; any other clears it', async () => {
      const userId = uid('user');
      const watch = { watch: true, now: T0 };
      expect(await stores.presence.markOnline(userId, T0 + 10, watch)).toBeUndefined();
      expect(await stores.presence.getPresence(userId)).toEqual({
        online: true,
        gen: 1,
        liveUntil: T0 + 10,
        watchOnly: true,
      });
      // A second watch connection: still watch-only.
      await stores.presence.markOnline(userId, T0 + 20, watch);
      expect(await stores.presence.getPresence(userId)).toMatchObject({ gen: 2, watchOnly: true });
      // A connection that hears every room clears it; a later watch connection does not set it again.
      expect(await stores.presence.markOnline(userId, T0 + 30, { watch: false, now: T0 })).toMatchObject({
        watchOnly: true,
      });
      await stores.presence.markOnline(userId, T0 + 40, watch);
      expect(await stores.presence.getPresence(userId)).toEqual({ online: true, gen: 4, liveUntil: T0 + 40 });

      // Offline, the user is nobody's watch-only; a stale online (every connection ended unseen) flips too.
      expect(await stores.presence.settlePresence(userId, (await stores.presence.getPresence(userId))!)).toBe(true);
      expect(await stores.presence.markOnline(userId, T0 + 50, watch)).toMatchObject({ online: false });
      expect(await stores.presence.getPresence(userId)).toMatchObject({ watchOnly: true });
      const other = uid('user');
      await stores.presence.markOnline(other, T0 + 5);
      await stores.presence.markOnline(other, T0 + 100, { watch: true, now: T0 + 6 });
      expect(await stores.presence.getPresence(other)).toEqual({
        online: true,
        gen: 2,
        liveUntil: T0 + 100,
        watchOnly: true,
      });
      const settled = (await stores.presence.getPresence(other))!;
      expect(await stores.presence.settlePresence(other, settled)).toBe(true);
      expect(await stores.presence.getPresence(other)).toEqual({ online: false, gen: 2, liveUntil: T0 + 100 });
    });

    it('settlePresence writes only while gen is what was read and the user is online', async () => {
      const userId = uid('user');
      await stores.presence.markOnline(userId, T0 + 10);
      const seen = (await stores.presence.getPresence(userId))!;
      expect(await stores.presence.settlePresence(userId, seen, T0 + 5)).toBe(true);
      expect(await stores.presence.getPresence(userId)).toEqual({ online: true, gen: 1, liveUntil: T0 + 5 });

      await stores.presence.markOnline(userId, T0 + 30); // a connect after `seen` was read
      expect(await stores.presence.settlePresence(userId, seen)).toBe(false);
      const fresh = (await stores.presence.getPresence(userId))!;
      expect(await stores.presence.settlePresence(userId, fresh)).toBe(true);
      expect(await stores.presence.getPresence(userId)).toEqual({ online: false, gen: 2, liveUntil: T0 + 30 });
      // Offline already: nothing more to settle, with or without liveUntil.
      expect(await stores.presence.settlePresence(userId, fresh)).toBe(false);
      expect(await stores.presence.settlePresence(userId, fresh, T0 + 40)).toBe(false);
      expect(await stores.presence.settlePresence(uid('never-seen'), fresh)).toBe(false);
    });

    it('of many racing writes exactly one flips: one markOnline finds the user offline, one settle wins', async () => {
      const userId = uid('user');
      const befores = await Promise.all(
        Array.from({ length: 12 }, (_, i) => stores.presence.markOnline(userId, T0 + i)),
      );
      expect(befores.filter((before) => !before?.online)).toHaveLength(1);
      const seen = (await stores.presence.getPresence(userId))!;
      expect(seen.gen).toBe(12);
      const settled = await Promise.all(Array.from({ length: 12 }, () => stores.presence.settlePresence(userId, seen)));
      expect(settled.filter(Boolean)).toHaveLength(1);
      const again = await Promise.all(Array.from({ length: 12 }, (_, i) => stores.presence.markOnline(userId, T0 + i)));
      expect(again.filter((before) => !before?.online)).toHaveLength(1);
    });

    it('markLeaving marks an unchanged online user and leaves an entry the sweeper lists; a connect ends it', async () => {
      const userId = uid('user');
      await stores.presence.markOnline(userId, T0 + 10);
      const seen = (await stores.presence.getPresence(userId))!;
      expect(await stores.presence.markLeaving(userId, seen, T0 + 1)).toBe(true);
      expect(await stores.presence.getPresence(userId)).toEqual({ ...seen, leavingSince: T0 + 1 });
      expect(await leavingEntries(userId)).toEqual([{ userId, since: T0 + 1 }]);

      // A connect since `seen` was read: no mark, and the connect ends the earlier one.
      await stores.presence.markOnline(userId, T0 + 20);
      expect(await stores.presence.getPresence(userId)).toEqual({ online: true, gen: 2, liveUntil: T0 + 20 });
      expect(await stores.presence.markLeaving(userId, seen, T0 + 2)).toBe(false);
      expect(await stores.presence.getPresence(userId)).toEqual({ online: true, gen: 2, liveUntil: T0 + 20 });
    });

    it('settlePresence ends leaving; forgetLeaving drops the entry unless a later leaving replaced it', async () => {
      const userId = uid('user');
      await stores.presence.markOnline(userId, T0 + 10);
      const seen = (await stores.presence.getPresence(userId))!;
      await stores.presence.markLeaving(userId, seen, T0 + 1);
      const leaving = (await stores.presence.getPresence(userId))!;
      expect(await stores.presence.settlePresence(userId, leaving)).toBe(true);
      expect(await stores.presence.getPresence(userId)).toEqual({ online: false, gen: 1, liveUntil: T0 + 10 });

      await stores.presence.markOnline(userId, T0 + 20);
      await stores.presence.markLeaving(userId, (await stores.presence.getPresence(userId))!, T0 + 5);
      await stores.presence.forgetLeaving({ userId, since: T0 + 1 });
      expect(await leavingEntries(userId)).toEqual([{ userId, since: T0 + 5 }]);
      await stores.presence.forgetLeaving({ userId, since: T0 + 5 });
      expect(await leavingEntries(userId)).toEqual([]);
    });

    async function leavingEntries(userId: string) {
      const all = [];
      for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
        all.push(...(await collectPages((cursor) => stores.presence.listLeaving(shard, { cursor, limit: 3 }))));
      }
      return all.filter((record) => record.userId === userId);
    }
  });
}
