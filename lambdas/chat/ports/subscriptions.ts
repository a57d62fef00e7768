// The connection-to-room mapping that fan-out reads.
import type { Page, PageRequest } from './paging.js';

/** A muted subscription is kept (for presence) but not sent to. */
export interface SubscriptionRecord {
  roomId: string;
  connectionId: string;
  userId: string;
  expiresAt: number;
  muted: boolean;
}

export interface SubscriptionStore {
  putSubscriptions(subscriptions: readonly SubscriptionRecord[]): Promise<void>;
  deleteSubscriptions(keys: readonly { roomId: string; connectionId: string }[]): Promise<void>;
  /** Live subscriptions of a room, muted ones included; one page per call. */
  listSubscriptions(roomId: string, now: number, page: PageRequest): Promise<Page<SubscriptionRecord>>;
}
