// A room's subscriptions held in memory for section 9, behind the store's own SubscriptionStore interface: the
// 61,000 subscription items of rooms of 1,000 to 50,000 would take dynalite minutes to write on a busy two-core
// machine. Pages and cursors behave as the DynamoDB store's do (in sort key order, `limit` a page).
import type { Page, SubscriptionRecord, SubscriptionStore } from '../../lambdas/chat/ports.js';

export function listedSubscriptions(rooms: ReadonlyMap<string, readonly SubscriptionRecord[]>): SubscriptionStore {
  const sorted = new Map(
    [...rooms].map(([roomId, records]) => [
      roomId,
      [...records].sort((a, b) => (a.connectionId < b.connectionId ? -1 : a.connectionId > b.connectionId ? 1 : 0)),
    ]),
  );
  return {
    async putSubscriptions() {
      throw new Error('bench subscriptions are read-only');
    },
    async deleteSubscriptions() {
      throw new Error('bench subscriptions are read-only');
    },
    async listSubscriptions(roomId, now, { cursor, limit }): Promise<Page<SubscriptionRecord>> {
      await Promise.resolve();
      const all = (sorted.get(roomId) ?? []).filter((record) => record.expiresAt > now);
      const start = cursor === undefined ? 0 : Number(cursor);
      const items = all.slice(start, start + limit);
      const next = start + items.length;
      return {
        items,
        ...(next < all.length && { cursor: String(next) }),
        cursorAfter: (index) => String(start + index + 1),
      };
    },
  };
}
