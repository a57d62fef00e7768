// The behaviour every PresenceStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
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
  });
}
