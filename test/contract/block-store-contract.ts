// The behaviour every BlockStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import type { BlockRecord } from '../../lambdas/chat/ports.js';
import {
  expectCursorAfterResumes,
  readAll,
  sorted,
  storesPerTest,
  T0,
  uid,
  type MakeStores,
} from './store-fixtures.js';

const block = (blockerId: string, blockedId: string, blockedAt = T0): BlockRecord => ({
  blockerId,
  blockedId,
  blockedAt,
});

export function describeBlockStoreContract(name: string, makeStores: MakeStores): void {
  describe(`BlockStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('blockUser writes both sides once; a repeat keeps the first record', async () => {
      const [alice, bob] = [uid('alice'), uid('bob')];
      expect(await stores.blocks.blockUser(block(alice, bob), 10)).toEqual({
        outcome: 'blocked',
        record: block(alice, bob),
      });
      expect(await stores.blocks.blockUser(block(alice, bob, T0 + 5), 10)).toEqual({
        outcome: 'existing',
        record: block(alice, bob),
      });
      expect(await stores.blocks.blockedIdsOf(alice)).toEqual([bob]);
      expect(await stores.blocks.blockersOf(bob)).toEqual([alice]);
      // One direction only.
      expect(await stores.blocks.blockedIdsOf(bob)).toEqual([]);
      expect(await stores.blocks.blockersOf(alice)).toEqual([]);
    });

    it('blockersOf lists every user who blocked someone; blockedIdsOf every user someone blocked', async () => {
      const [target, a, b, c] = [uid('target'), uid('a'), uid('b'), uid('c')];
      for (const blocker of [a, b, c]) await stores.blocks.blockUser(block(blocker, target), 10);
      await stores.blocks.blockUser(block(a, c), 10);
      expect(sorted(await stores.blocks.blockersOf(target))).toEqual(sorted([a, b, c]));
      expect(sorted(await stores.blocks.blockedIdsOf(a))).toEqual(sorted([target, c]));
      expect(await stores.blocks.blockersOf(c)).toEqual([a]);
    });

    it('refuses a block past the cap, writing nothing; a repeat of an existing block is still answered', async () => {
      const blocker = uid('blocker');
      const [x, y, z] = [uid('x'), uid('y'), uid('z')];
      await stores.blocks.blockUser(block(blocker, x), 2);
      await stores.blocks.blockUser(block(blocker, y), 2);
      expect(await stores.blocks.blockUser(block(blocker, z), 2)).toEqual({ outcome: 'limit' });
      expect(await stores.blocks.blockersOf(z)).toEqual([]);
      expect((await stores.blocks.blockUser(block(blocker, x), 2)).outcome).toBe('existing');
      await stores.blocks.unblockUser(blocker, y);
      expect((await stores.blocks.blockUser(block(blocker, z), 2)).outcome).toBe('blocked');
    });

    it('unblockUser removes both sides and says whether a block was there', async () => {
      const [alice, bob] = [uid('alice'), uid('bob')];
      await stores.blocks.blockUser(block(alice, bob), 10);
      expect(await stores.blocks.unblockUser(alice, bob)).toBe(true);
      expect(await stores.blocks.unblockUser(alice, bob)).toBe(false);
      expect(await stores.blocks.blockedIdsOf(alice)).toEqual([]);
      expect(await stores.blocks.blockersOf(bob)).toEqual([]);
      expect((await stores.blocks.listBlocked(alice, { limit: 10 })).items).toEqual([]);
    });

    it('listBlocked pages through the blocker’s blocks with cursors, ids with # and % included', async () => {
      const blocker = uid('blocker');
      const blocked = Array.from({ length: 9 }, (_, index) => uid(`u%${index}`));
      for (const [index, id] of blocked.entries()) await stores.blocks.blockUser(block(blocker, id, T0 + index), 20);
      await stores.blocks.blockUser(block(uid('other'), blocked[0]!), 20);
      const { items, pages } = await readAll((page) => stores.blocks.listBlocked(blocker, page), 4);
      expect(pages).toBe(3);
      expect(sorted(items.map((item) => item.blockedId))).toEqual(sorted(blocked));
      expect(items.every((item) => item.blockerId === blocker)).toBe(true);
      expect(items.find((item) => item.blockedId === blocked[3])?.blockedAt).toBe(T0 + 3);
      await expectCursorAfterResumes(
        (page) => stores.blocks.listBlocked(blocker, page),
        (item) => item.blockedId,
      );
    });

    it("refuses another blocker's cursor", async () => {
      const [a, b] = [uid('a'), uid('b')];
      for (let index = 0; index < 3; index++) await stores.blocks.blockUser(block(a, uid('x')), 10);
      const page = await stores.blocks.listBlocked(a, { limit: 1 });
      await expect(stores.blocks.listBlocked(b, { limit: 1, cursor: page.cursor! })).rejects.toThrow(/cursor/);
    });
  });
}
