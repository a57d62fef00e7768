// Connections opening, closing, and found gone. A connection is subscribed to every room of its user when it opens
// (a watch connection to none: it subscribes to the rooms it shows, see room-presence.ts); closing (or being found
// gone by a post) removes it and its subscriptions the same way, idempotently.
//
// The $connect race. The gateway cannot post to a connection before its $connect has returned and the gateway has
// registered it: API Gateway answers 410, as for a connection that is gone. $connect subscribes the connection
// first, so a broadcast in that window reaches it and gets 410. Taken for gone, the connection would lose its items
// and open deaf to its rooms (and its user might be announced offline). So $connect ends by marking the connection
// record (connectCompletedAt), and a 410 removes nothing while the record says $connect is still running, or
// completed less than a grace period ago (ChatConfig.connectGraceMs). A connection that truly closed that young is removed by its own
// $disconnect (or, if that is lost, by a later 410 or its expiry).
import { forEachPage, unique } from './paging.js';
import type { ChatStores, Clock, ConnectionRecord, Metrics, RemovedConnection } from './ports.js';
import type { Presence } from './presence.js';
import type { RateLimiter } from './rate-limiter.js';
import { subscriptionOf } from './records.js';
import type { ChatConfig, ConnectRequest, DisconnectRequest } from './service.js';

export interface ConnectionLifecycle {
  open(request: ConnectRequest): Promise<void>;
  close(request: DisconnectRequest): Promise<void>;
  /**
   * A post found the connection gone (410): the same clean-up as a close, plus its subscription in that room;
   * 'opening' (nothing removed) when the connection is still being opened (see the top of this file).
   */
  removeGone(connection: { connectionId: string; userId: string }, foundInRoomId?: string): Promise<GoneOutcome>;
  /**
   * Writes an open connection's items again if they are missing; true when it had to. A connection that sends a
   * frame is open, so its items belong there, whatever removed them (a safety net: the $connect race no longer
   * removes them).
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

export type GoneOutcome = 'removed' | 'opening';

const MEMBERSHIP_PAGE = 100;
/**
 * API Gateway gives $connect at most 29 s. A record still without its mark after that belongs to a $connect that
 * failed and could not clean up after itself: it will never open.
 */
export const CONNECT_TIMEOUT_MS = 30_000;

/** Whether a 410 for this connection may be the gateway not having opened it yet, rather than it being gone. */
export function isStillOpening(connection: ConnectionRecord, now: number, graceMs: number): boolean {
  if (connection.connectCompletedAt === undefined) return now - connection.connectedAt < CONNECT_TIMEOUT_MS;
  return now - connection.connectCompletedAt < graceMs;
}

export function createConnectionLifecycle(deps: ConnectionLifecycleDeps): ConnectionLifecycle {
  const { profiles, connections, rooms, subscriptions } = deps.stores;
  const { presence } = deps;

  /** Deletes the connection's items and its subscriptions. */
  async function deleteItemsOf(
    userId: string,
    connectionId: string,
    alsoRoomIds: readonly string[],
  ): Promise<RemovedConnection> {
    const removed = await connections.deleteConnection(userId, connectionId);
    if (removed.watched) {
      // A watch connection: only the rooms it subscribed to, whatever the number of its user's rooms.
      const roomIds = unique([...removed.watched, ...alsoRoomIds]);
      await subscriptions.deleteSubscriptions(roomIds.map((roomId) => ({ roomId, connectionId })));
      return removed;
    }
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
    return removed;
  }

  async function remove(userId: string, connectionId: string, alsoRoomIds: readonly string[]): Promise<void> {
    deps.rateLimiter.forget(connectionId);
    const { existed, watched } = await deleteItemsOf(userId, connectionId, alsoRoomIds);
    // A second close of the same connection, or a close racing a gone clean-up, announces nothing.
    if (!existed) return;
    deps.metrics.count('ConnectionsClosed');
    await presence.disconnected(userId, { announce: true, ...(watched && { watched }) });
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

  return {
    async open({ connectionId, userId, tokenDisplayName, connectedAt, watch }) {
      const connection: ConnectionRecord = {
        connectionId,
        userId,
        connectedAt,
        expiresAt: connectedAt + deps.config.maxConnectionMs,
        ...(watch && { watch: true }),
      };
      try {
        // Both settle before a failure is acted on: an undo racing a write still in flight would be overtaken by it.
        const written = await Promise.allSettled([
          profiles.ensureProfile(userId, tokenDisplayName),
          connections.putConnection(connection),
        ]);
        const failed = written.find((result) => result.status === 'rejected');
        if (failed) throw failed.reason;
        // A watch connection hears the rooms it subscribes to, later: its connect costs the same in any number of rooms.
        if (!watch) await subscribeToEveryRoom(connection);
        // Written after the connection item: presence decisions read the connections after the presence state.
        await presence.connected(connection);
        // Last: from here on, a 410 after the grace period means the connection is gone.
        await connections.markConnectCompleted(connectionId, deps.clock.now());
      } catch (error) {
        // A failed $connect refuses the handshake: the connection never opens and no $disconnect comes for it. What
        // was written of it goes now, or the user would count as online until it expired (best effort: if this
        // fails too, expiry still ends it). If it had marked the user online it never said so: it unmarks silently.
        await deleteItemsOf(userId, connectionId, [])
          .then(() => presence.disconnected(userId, { announce: false }))
          .catch(() => undefined);
        throw error;
      }
      deps.metrics.count('ConnectionsOpened');
    },

    async restore(connection) {
      if (await connections.getConnection(connection.connectionId)) return false;
      // It sent a frame, so its $connect completed long enough ago for the gateway to have opened it.
      await connections.putConnection({ ...connection, connectCompletedAt: connection.connectedAt });
      // Rooms it had muted come back unmuted: the mute went with the items, and hearing too much beats hearing nothing.
      await subscribeToEveryRoom(connection);
      // The removal told its rooms the user went offline if this was their only connection.
      await presence.connected(connection);
      return true;
    },

    close({ connectionId, userId }) {
      return remove(userId, connectionId, []);
    },

    async removeGone({ connectionId, userId }, foundInRoomId) {
      const record = await connections.getConnection(connectionId);
      if (record && record.userId === userId && isStillOpening(record, deps.clock.now(), deps.config.connectGraceMs))
        return 'opening';
      await remove(userId, connectionId, foundInRoomId === undefined ? [] : [foundInRoomId]);
      return 'removed';
    },
  };
}
