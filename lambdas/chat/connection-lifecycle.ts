// Connections opening, closing, and found gone. A connection is subscribed to every room of its user when it opens;
// closing (or being found gone by a post) removes it and its subscriptions the same way, idempotently.
import { forEachPage } from './paging.js';
import type { ChatStore, Clock, Metrics } from './ports.js';
import { isFirstConnection, type Presence } from './presence.js';
import type { RateLimiter } from './rate-limiter.js';
import { subscriptionOf } from './room-access.js';
import type { ChatConfig, ConnectRequest, DisconnectRequest } from './service.js';

export interface ConnectionLifecycle {
  open(request: ConnectRequest): Promise<void>;
  close(request: DisconnectRequest): Promise<void>;
  /** A post found the connection gone: the same clean-up as a close, plus its subscription in that room. */
  removeGone(connection: { connectionId: string; userId: string }, foundInRoomId?: string): Promise<void>;
}

export interface ConnectionLifecycleDeps {
  store: ChatStore;
  clock: Clock;
  metrics: Metrics;
  config: ChatConfig;
  presence: Presence;
  rateLimiter: RateLimiter;
}

const MEMBERSHIP_PAGE = 100;

export function createConnectionLifecycle(deps: ConnectionLifecycleDeps): ConnectionLifecycle {
  const { store, presence } = deps;

  async function remove(userId: string, connectionId: string, alsoRoomIds: readonly string[]): Promise<void> {
    deps.rateLimiter.forget(connectionId);
    const existed = await store.deleteConnection(userId, connectionId);
    // Subscriptions go even when the connection item was already gone: a half-finished earlier clean-up is
    // finished here, and deleting what is not there is invisible.
    const leftover = new Set(alsoRoomIds);
    await forEachPage(
      (cursor) => store.listMemberships(userId, { cursor, limit: MEMBERSHIP_PAGE }),
      async (memberships) => {
        memberships.forEach((membership) => leftover.delete(membership.roomId));
        if (memberships.length > 0) {
          await store.deleteSubscriptions(memberships.map((m) => ({ roomId: m.roomId, connectionId })));
        }
      },
    );
    if (leftover.size > 0) {
      await store.deleteSubscriptions([...leftover].map((roomId) => ({ roomId, connectionId })));
    }
    // A second close of the same connection, or a close racing a gone clean-up, announces nothing.
    if (!existed) return;
    deps.metrics.count('ConnectionsClosed');
    const now = deps.clock.now();
    const remaining = await store.listConnections(userId, now);
    if (remaining.length === 0) {
      await store.setLastSeen(userId, now);
      await presence.announce(userId, false, now);
    }
  }

  return {
    async open({ connectionId, userId, tokenDisplayName, connectedAt }) {
      const connection = { connectionId, userId, connectedAt, expiresAt: connectedAt + deps.config.maxConnectionMs };
      await Promise.all([store.ensureProfile(userId, tokenDisplayName), store.putConnection(connection)]);
      await forEachPage(
        (cursor) => store.listMemberships(userId, { cursor, limit: MEMBERSHIP_PAGE }),
        async (memberships) => {
          if (memberships.length > 0) {
            await store.putSubscriptions(memberships.map((m) => subscriptionOf(m.roomId, connection)));
          }
        },
      );
      deps.metrics.count('ConnectionsOpened');
      // Read after this connection was written: see isFirstConnection for why that order matters.
      const live = await store.listConnections(userId, deps.clock.now());
      if (isFirstConnection(connection, live)) await presence.announce(userId, true);
    },

    close({ connectionId, userId }) {
      return remove(userId, connectionId, []);
    },

    removeGone({ connectionId, userId }, foundInRoomId) {
      return remove(userId, connectionId, foundInRoomId === undefined ? [] : [foundInRoomId]);
    },
  };
}
