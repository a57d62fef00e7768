// Presence events: a user's online/offline change, told to each of their rooms (never to their own connections).
import type { PresenceEvent } from '../protocol/index.js';
import { describeError } from './errors.js';
import type { FanOut } from './fan-out.js';
import { forEachPage, settleWithConcurrency } from './paging.js';
import type { ChatStores, ConnectionRecord, Logger, Metrics } from './ports.js';
import { toIsoTime } from './wire-format.js';

export interface Presence {
  /** Best effort: a failure is logged, never thrown (the connect or disconnect it belongs to has happened). */
  announce(userId: string, isOnline: boolean, lastSeenAt?: number): Promise<void>;
}

export function createPresence(deps: { stores: Pick<ChatStores, 'rooms'>; fanOut: FanOut; logger: Logger; metrics: Metrics }): Presence {
  return {
    async announce(userId, isOnline, lastSeenAt) {
      try {
        await forEachPage(
          (cursor) => deps.stores.rooms.listMemberships(userId, { cursor, limit: 100 }),
          async (memberships) => {
            // A few rooms at a time: each room's fan-out already has its own posts in flight.
            await settleWithConcurrency(memberships, 4, (membership) => {
              const event: PresenceEvent = { type: 'presence', roomId: membership.roomId, userId, isOnline };
              if (lastSeenAt !== undefined) event.lastSeenAt = toIsoTime(lastSeenAt);
              return deps.fanOut.toRoom(membership.roomId, event, { userIds: [userId] });
            });
          },
        );
      } catch (error) {
        deps.metrics.count('FanOutFailures');
        deps.logger.error('presence announcement failed', { userId, isOnline, ...describeError(error) });
      }
    },
  };
}

/**
 * Whether `connection` is the user's first: no other live connection of theirs opened before it, ties broken by
 * connection id. Each connection is written before its user's connections are read, so of two connections opening
 * at once at least one sees the other: when both see each other only the earlier one announces, and a user is
 * never left without an announcement. (Exactly once would need an atomic counter the store does not offer; a
 * repeated "online" is harmless to clients, a missing one is not.)
 */
export function isFirstConnection(connection: ConnectionRecord, live: readonly ConnectionRecord[]): boolean {
  return !live.some(
    (other) =>
      other.connectionId !== connection.connectionId &&
      (other.connectedAt < connection.connectedAt ||
        (other.connectedAt === connection.connectedAt && other.connectionId < connection.connectionId)),
  );
}
