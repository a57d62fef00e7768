// The behaviour every SubscriptionStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';

import {
  uid,
  T0,
  subscription,
  readAll,
  sorted,
  storesPerTest,
  expectCursorAfterResumes,
  type MakeStores,
} from './store-fixtures.js';

export function describeSubscriptionStoreContract(name: string, makeStores: MakeStores): void {
  describe(`SubscriptionStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('lists live subscriptions, muted ones included, and forgets deleted ones', async () => {
      const roomId = uid('room');
      const live = subscription(roomId, uid('c1'), T0 + 100);
      const muted = subscription(roomId, uid('c2'), T0 + 100, true);
      const expired = subscription(roomId, uid('c3'), T0 + 50);
      await stores.subscriptions.putSubscriptions([
        live,
        muted,
        expired,
        subscription(uid('other-room'), uid('c4'), T0 + 100),
      ]);

      const page = await stores.subscriptions.listSubscriptions(roomId, T0 + 50, { limit: 10 });
      expect(page.cursor).toBeUndefined();
      expect(sorted(page.items.map((item) => item.connectionId))).toEqual(
        sorted([live.connectionId, muted.connectionId]),
      );
      expect(page.items.find((item) => item.connectionId === muted.connectionId)).toEqual(muted);

      await stores.subscriptions.deleteSubscriptions([
        { roomId, connectionId: live.connectionId },
        { roomId, connectionId: uid('never') },
      ]);
      const after = await stores.subscriptions.listSubscriptions(roomId, T0 + 50, { limit: 10 });
      expect(after.items).toEqual([muted]);
      await stores.subscriptions.putSubscriptions([]);
      await stores.subscriptions.deleteSubscriptions([]);
    });

    it('cursorAfter(i) resumes right after the i-th subscription of a page', async () => {
      const roomId = uid('room');
      await stores.subscriptions.putSubscriptions(
        Array.from({ length: 9 }, (_, i) => subscription(roomId, `c-${i}#y`, T0 + 99)),
      );
      await expectCursorAfterResumes(
        (page) => stores.subscriptions.listSubscriptions(roomId, T0, page),
        (item) => item.connectionId,
      );
    });

    it('pages through live subscriptions when expired ones lie between them', async () => {
      const roomId = uid('room');
      const subscriptions = Array.from({ length: 60 }, (_, index) =>
        subscription(roomId, `conn-${String(index).padStart(2, '0')}`, index % 3 === 0 ? T0 + 1_000 : T0 - 1),
      );
      await stores.subscriptions.putSubscriptions(subscriptions);
      const { items } = await readAll((page) => stores.subscriptions.listSubscriptions(roomId, T0, page), 7);
      expect(sorted(items.map((item) => item.connectionId))).toEqual(
        sorted(subscriptions.filter((item) => item.expiresAt > T0).map((item) => item.connectionId)),
      );
      // Pages are filled: expired items do not make short pages.
      const first = await stores.subscriptions.listSubscriptions(roomId, T0, { limit: 7 });
      expect(first.items.length).toBe(7);
    });

    it('a later write of the same subscription replaces it (last one wins within a batch too)', async () => {
      const roomId = uid('room');
      const connectionId = uid('conn');
      await stores.subscriptions.putSubscriptions([
        subscription(roomId, connectionId, T0 + 10),
        subscription(roomId, connectionId, T0 + 20, true),
      ]);
      expect((await stores.subscriptions.listSubscriptions(roomId, T0, { limit: 5 })).items).toEqual([
        subscription(roomId, connectionId, T0 + 20, true),
      ]);
    });
  });
}
