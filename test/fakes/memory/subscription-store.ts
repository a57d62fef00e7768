// Subscriptions in memory.
import type { Page, PageRequest, SubscriptionRecord, SubscriptionStore } from '../../../lambdas/chat/ports.js';
import { copy, key, pageOf, type MemoryTable } from './memory-table.js';

export class MemorySubscriptionStore implements SubscriptionStore {
  constructor(private readonly table: MemoryTable) {}

  async putSubscriptions(subscriptions: readonly SubscriptionRecord[]): Promise<void> {
    await this.table.enter('putSubscriptions');
    for (const subscription of subscriptions) {
      this.table.subscriptions.set(key(subscription.roomId, subscription.connectionId), copy(subscription));
    }
  }

  async deleteSubscriptions(keys: readonly { roomId: string; connectionId: string }[]): Promise<void> {
    await this.table.enter('deleteSubscriptions');
    for (const { roomId, connectionId } of keys) this.table.subscriptions.delete(key(roomId, connectionId));
  }

  async listSubscriptions(roomId: string, now: number, page: PageRequest): Promise<Page<SubscriptionRecord>> {
    await this.table.enter('listSubscriptions');
    const entries = [...this.table.subscriptions.values()]
      .filter((subscription) => subscription.roomId === roomId && subscription.expiresAt > now)
      .map((subscription): [string, SubscriptionRecord] => [subscription.connectionId, subscription]);
    return pageOf(entries, page, 'subscriptions', roomId);
  }
}
