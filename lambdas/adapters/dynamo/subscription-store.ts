// Subscriptions on the table: ROOM#<room> SUB#<connection>, expiring; what fan-out reads, one page at a time.
import type { SubscriptionStore } from '../../chat/ports.js';
import { subscriptionFromItem, subscriptionItem } from './codec.js';
import { SK_PREFIX, keys, roomPk } from './keys.js';
import { listPage, liveAt, prefixQuery, roomPartitionCursor } from './queries.js';
import type { Table } from './table.js';

export function createSubscriptionStore(table: Table): SubscriptionStore {
  return {
    async putSubscriptions(subscriptions) {
      await table.batchWrite(
        'putSubscriptions',
        subscriptions.map((subscription) => ({ PutRequest: { Item: subscriptionItem(subscription) } })),
      );
    },

    async deleteSubscriptions(subscriptionKeys) {
      await table.batchWrite(
        'deleteSubscriptions',
        subscriptionKeys.map(({ roomId, connectionId }) => ({
          DeleteRequest: { Key: keys.subscription(roomId, connectionId) },
        })),
      );
    },

    async listSubscriptions(roomId, now, page) {
      return listPage(
        table,
        'listSubscriptions',
        prefixQuery(roomPk(roomId), SK_PREFIX.subscription, liveAt(now)),
        page,
        roomPartitionCursor(roomId, SK_PREFIX.subscription),
        subscriptionFromItem,
      );
    },
  };
}
