// Connections opening, closing, and found gone. A connection is subscribed to every room of its user when it opens;
// closing (or being found gone by a post) removes it and its subscriptions the same way, idempotently.
import { forEachPage } from './paging.js';
import type { ChatStores, Clock, ConnectionRecord, Metrics } from './ports.js';
import { isFirstConnection, type Presence } from './presence.js';
import type { RateLimiter } from './rate-limiter.js';
import { subscriptionOf } from './records.js';
import type { ChatConfig, ConnectRequest, DisconnectRequest } from './service.js';

export interface ConnectionLifecycle {
  open(request: ConnectRequest): Promise<void>;
  close(request: DisconnectRequest): Promise<void>;
  /** A post found the connection gone: the same clean-up as a close, plus its subscription in that room. */
  removeGone(connection: { connectionId: string; userId: string }, foundInRoomId?: string): Promise<void>;
  /**
   * Writes an open connection's items again if they are missing; true when it had to. The gateway cannot post to
   * a connection before its $connect has returned (API Gateway answers 410), so a broadcast that reads the new
   * subscriptions while $connect still runs finds the connection "gone" and removes it: the connection then opens
   * without items, deaf to its rooms. A connection that sends a frame is open, so its items belong there.
   */
  restore(connection: ConnectionRecord): Promise<boolean>;
}

export interface ConnectionLifecycleDeps {
  stores: Pick<ChatStores, 'profiles' | 'connections' | 'rooms' | 'subscriptions'>;
  clock: Clock;
  metrics: Metrics;
  config: ChatConfig;
  presence: Presence;
  rateLimiter: RateLimiter;
}

const MEMBERSHIP_PAGE = 100;

export function createConnectionLifecycle(deps: ConnectionLifecycleDeps): ConnectionLifecycle {
  const { profiles, connections, rooms, subscriptions } = deps.stores;
  const { presence } = deps;

  /** Deletes the connection's items and its subscriptions; true when the connection item was there. */
  async function deleteItemsOf(userId: string, connectionId: string, alsoRoomIds: readonly string[]): Promise<boolean> {
    const existed = await connections.deleteConnection(userId, connectionId);
    // Subscriptions go even when the connection item was already gone: a half-finished earlier clean-up is
    // finished here, and deleting what is not there is invisible.
    const leftover = new Set(alsoRoomIds);
    await forEachPage(
      (cursor) => rooms.listMemberships(userId, { cursor, limit: MEMBERSHIP_PAGE }),
      async (memberships) => {
        memberships.forEach((membership) => leftover.delete(membership.roomId));
        if (memberships.length > 0) {
          await subscriptions.deleteSubscriptions(memberships.map((m) => ({ roomId: m.roomId, connectionId })));
        }
      },
    );
    if (leftover.size > 0) {
      await subscriptions.deleteSubscriptions([...leftover].map((roomId) => ({ roomId, connectionId })));
    }
    return existed;
  }

  async function remove(userId: string, connectionId: string, alsoRoomIds: readonly string[]): Promise<void> {
    deps.rateLimiter.forget(connectionId);
    const existed = await deleteItemsOf(userId, connectionId, alsoRoomIds);
    // A second close of the same connection, or a close racing a gone clean-up, announces nothing.
    if (!existed) return;
    deps.metrics.count('ConnectionsClosed');
    const now = deps.clock.now();
    const remaining = await connections.listConnections(userId, now);
    if (remaining.length === 0) {
      await profiles.setLastSeen(userId, now);
      await presence.announce(userId, false, now);
    }
  }

  async function subscribeToEveryRoom(connection: ConnectionRecord): Promise<void> {
    await forEachPage(
      (cursor) => rooms.listMemberships(connection.userId, { cursor, limit: MEMBERSHIP_PAGE }),
      async (memberships) => {
        if (memberships.length > 0) {
          await subscriptions.putSubscriptions(memberships.map((m) => subscriptionOf(m.roomId, connection)));
        }
      },
    );
  }

  async function announceIfFirst(connection: ConnectionRecord): Promise<void> {
    // Read after this connection was written: see isFirstConnection for why that order matters.
    const live = await connections.listConnections(connection.userId, deps.clock.now());
    if (isFirstConnection(connection, live)) await presence.announce(connection.userId, true);
  }

  return {
    async open({ connectionId, userId, tokenDisplayName, connectedAt }) {
      const connection = { connectionId, userId, connectedAt, expiresAt: connectedAt + deps.config.maxConnectionMs };
      try {
        // Both settle before a failure is acted on: an undo racing a write still in flight would be overtaken by it.
        const written = await Promise.allSettled([
          profiles.ensureProfile(userId, tokenDisplayName),
          connections.putConnection(connection),
        ]);
        const failed = written.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        await subscribeToEveryRoom(connection);
        await announceIfFirst(connection);
      } catch (error) {
        // A failed $connect refuses the handshake: the connection never opens and no $disconnect comes for it. What
        // was written of it goes now, or the user would count as online until it expired (best effort: if this
        // fails too, expiry still ends it).
        await deleteItemsOf(userId, connectionId, []).catch(() => undefined);
        throw error;
      }
      deps.metrics.count('ConnectionsOpened');
    },

    async restore(connection) {
      if (await connections.getConnection(connection.connectionId)) return false;
      await connections.putConnection(connection);
      // Rooms it had muted come back unmuted: the mute went with the items, and hearing too much beats hearing nothing.
      await subscribeToEveryRoom(connection);
      // The removal told its rooms the user went offline if this was their only connection.
      await announceIfFirst(connection);
      return true;
    },

    close({ connectionId, userId }) {
      return remove(userId, connectionId, []);
    },

    removeGone({ connectionId, userId }, foundInRoomId) {
      return remove(userId, connectionId, foundInRoomId === undefined ? [] : [foundInRoomId]);
    },
  };
}
