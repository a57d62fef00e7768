// The behaviour every ProfileStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';

import { uid, T0, storesPerTest, type MakeStores } from './store-fixtures.js';

export function describeProfileStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ProfileStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('creates a profile from the token name, refreshes it until the user chooses one, then keeps it', async () => {
      const userId = uid('user');
      expect(await stores.profiles.ensureProfile(userId, 'Token Name')).toEqual({
        userId,
        displayName: 'Token Name',
        nameSetByUser: false,
      });
      expect((await stores.profiles.ensureProfile(userId, 'Renamed In IdP')).displayName).toBe('Renamed In IdP');

      const updated = await stores.profiles.updateProfile(userId, {
        displayName: 'Chosen',
        avatarUrl: 'https://img.example/a.png',
      });
      expect(updated).toEqual({
        userId,
        displayName: 'Chosen',
        avatarUrl: 'https://img.example/a.png',
        nameSetByUser: true,
      });
      expect(await stores.profiles.ensureProfile(userId, 'Token Again')).toEqual(updated);
    });

    it('updates the avatar alone, and removes it with null', async () => {
      const userId = uid('user');
      await stores.profiles.ensureProfile(userId, 'Ann');
      const withAvatar = await stores.profiles.updateProfile(userId, { avatarUrl: 'https://img.example/1.png' });
      expect(withAvatar).toMatchObject({
        displayName: 'Ann',
        avatarUrl: 'https://img.example/1.png',
        nameSetByUser: false,
      });
      const without = await stores.profiles.updateProfile(userId, { avatarUrl: null });
      expect(without.avatarUrl).toBeUndefined();
      expect((await stores.profiles.getProfiles([userId])).get(userId)).toEqual(without);
    });

    it('getProfiles returns the ones that exist, keyed by id, for many ids and repeated ids', async () => {
      const userIds = Array.from({ length: 130 }, (_, index) => uid(`user${index}`));
      await Promise.all(userIds.map((userId, index) => stores.profiles.ensureProfile(userId, `Name ${index}`)));
      const missing = uid('missing');
      const found = await stores.profiles.getProfiles([...userIds, missing, userIds[0]!, userIds[0]!]);
      expect(found.size).toBe(130);
      expect(found.has(missing)).toBe(false);
      expect(found.get(userIds[129]!)?.displayName).toBe('Name 129');
      expect((await stores.profiles.getProfiles([])).size).toBe(0);
    });

    it('setLastSeen records the time on an existing profile and creates none', async () => {
      const userId = uid('user');
      await stores.profiles.ensureProfile(userId, 'Ann');
      await stores.profiles.setLastSeen(userId, T0 + 5);
      expect((await stores.profiles.getProfiles([userId])).get(userId)?.lastSeenAt).toBe(T0 + 5);

      const stranger = uid('stranger');
      await stores.profiles.setLastSeen(stranger, T0);
      expect((await stores.profiles.getProfiles([stranger])).size).toBe(0);
    });

    it('hands out copies: mutating a returned record changes nothing stored', async () => {
      const userId = uid('user');
      const profile = await stores.profiles.ensureProfile(userId, 'Ann');
      profile.displayName = 'Mutated';
      expect((await stores.profiles.getProfiles([userId])).get(userId)?.displayName).toBe('Ann');
    });
  });
}
