// Blocks on the table, two items per block: USER#<blocker> BLOCK#<blocked> (the blocker's list; what hides history
// and presence from them) and USER#<blocked> BLOCKEDBY#<blocker> (what the blocked user's broadcasts read). Both
// carry blockerId, blockedId and blockedAt. Written blocked-side first, removed blocker-side first (see the port).
import type { BlockRecord, BlockStore } from '../../chat/ports.js';
import { PK, SK, SK_PREFIX, keys, userPk } from './keys.js';
import { listPage, prefixQuery } from './queries.js';
import type { Item, Table } from './table.js';

const blockItems = (record: BlockRecord): { blocker: Item; blocked: Item } => {
  const fields = { blockerId: record.blockerId, blockedId: record.blockedId, blockedAt: record.blockedAt };
  return {
    blocker: { ...keys.block(record.blockerId, record.blockedId), ...fields },
    blocked: { ...keys.blockedBy(record.blockedId, record.blockerId), ...fields },
  };
};

const blockFromItem = (item: Item): BlockRecord => ({
  blockerId: item.blockerId as string,
  blockedId: item.blockedId as string,
  blockedAt: item.blockedAt as number,
});

export function createBlockStore(table: Table): BlockStore {
  /** One attribute of every item under a user's sort-key prefix (strongly consistent: a block acts at once). */
  async function idsUnder(operation: string, userId: string, prefix: string, attribute: string, upTo = Infinity) {
    const params = prefixQuery(userPk(userId), prefix, {
      ProjectionExpression: '#id',
      ExpressionAttributeNames: { '#id': attribute },
      ConsistentRead: true,
    });
    const { items } = await table.collect(operation, params, upTo);
    return items.map((item) => item[attribute] as string);
  }

  return {
    async blockUser(record, maxBlocks) {
      const items = blockItems(record);
      const [existing, count] = await Promise.all([
        table.get('blockUser', keys.block(record.blockerId, record.blockedId), true),
        idsUnder('blockUser', record.blockerId, SK_PREFIX.block, 'blockedId', maxBlocks).then((ids) => ids.length),
      ]);
      if (existing) {
        const stored = blockFromItem(existing);
        // Completes a block whose blocked-side item an unblock that failed half way removed.
        await table.put('blockUser', blockItems(stored).blocked);
        return { outcome: 'existing', record: stored };
      }
      if (count >= maxBlocks) return { outcome: 'limit' };
      await table.put('blockUser', items.blocked);
      await table.put('blockUser', items.blocker);
      return { outcome: 'blocked', record };
    },

    async unblockUser(blockerId, blockedId) {
      const removed = await table.remove('unblockUser', keys.block(blockerId, blockedId));
      await table.remove('unblockUser', keys.blockedBy(blockedId, blockerId));
      return removed !== undefined;
    },

    async listBlocked(blockerId, page) {
      return listPage(
        table,
        'listBlocked',
        prefixQuery(userPk(blockerId), SK_PREFIX.block),
        page,
        { [PK]: { equals: userPk(blockerId) }, [SK]: { prefix: SK_PREFIX.block } },
        blockFromItem,
      );
    },

    async blockedIdsOf(blockerId) {
      return idsUnder('blockedIdsOf', blockerId, SK_PREFIX.block, 'blockedId');
    },

    async blockersOf(userId) {
      return idsUnder('blockersOf', userId, SK_PREFIX.blockedBy, 'blockerId');
    },
  };
}
