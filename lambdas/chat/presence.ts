// Presence: a user's online/offline change, told to each of their rooms (never to their own connections), exactly
// once however many of their devices connect or close at the same moment.
//
// The user's presence item (PresenceState) is where "online" flips, each flip by one write that only one of several
// racing devices can win:
// - a connect, after its connection item is written, sets online and adds 1 to gen in one update that returns the
//   state before: the connect that found the user offline (or online only by a stale record: every connection ended
//   without its close reaching the backend) announces "online"; the others stay silent;
// - a close, after its connection items are gone, reads the state, then lists the user's live connections: if none
//   is left it sets offline, on condition that gen is still what it read and the user still online, and announces
//   "offline" only when that write succeeded. A connect the listing missed was written after it, so its gen was
//   added after the state was read: the condition fails and the user stays online, announced by nobody, rightly.
//   Of several devices closing at once at least one lists none left (each deletes its own items before listing),
//   and only the first conditional write wins.
// No transactions (dynalite has none): one conditional update per flip is enough.
//
// No flapping: a user whose last connection closes is not announced offline at once. The close marks them leaving
// (leavingSince, in the same conditional write on gen that would have flipped them), and the sweeper announces
// "offline" once the grace period (ChatConfig.offlineGraceMs) has passed, after checking again that no connect came
// back (a connect clears the mark and adds to gen, so the conditional flip fails). A reconnect within the grace
// period finds the user still online and announces nothing: nobody hears anything. A grace period of 0 flips at the
// close itself.
//
// Watch mode: a user whose connections are all watch connections (watchOnly on the presence item) is online only in
// the rooms those connections hear, each decided by its "online here" mark (room-presence.ts). Their connect tells no
// room; their offline goes to the rooms where they are marked, found by one Query however many rooms they have; and
// a grace period that ends with them back tells the rooms they did not subscribe to again that they left.
//
// Typing ends with the last connection: a close that lists none of the user's connections left removes their live
// typing indicators (one Query of the byUser index finds them in every room) and tells each room "stopped typing",
// as an `isTyping: false` would. Several closes racing may each do so; only the one that removed a live indicator
// broadcasts it.
import { describeError } from './errors.js';
import { blockersForBroadcast, excludingBlockers } from './blocking.js';
import { changeMark } from './occupancy.js';
import { hearsRoom } from './ports/connections.js';
import type { FanOut } from './fan-out.js';
import { collectPages, forEachPage, settleWithConcurrency } from './paging.js';
import type { ChatStores, Clock, ConnectionRecord, LeavingRecord, Logger, Metrics, PresenceState } from './ports.js';
import { leaveUnheardRooms, markAndTell, presenceEvent, tellRoom } from './room-presence.js';
import type { ChatConfig } from './service.js';
import { typingStoppedEvent } from './wire-format.js';

export interface Presence {
  /** After the connection's items were written: marks the user online, and announces it if this flipped them. */
  connected(connection: ConnectionRecord): Promise<void>;
  /**
   * After a connection's items were removed: marks the user offline if none of their connections is left, and
   * (with `announce`) records lastSeenAt and announces it if this flipped them.
   */
  disconnected(userId: string, options: { announce: boolean; watched?: readonly string[] }): Promise<void>;
  /**
   * For the sweeper: once the grace period of a leaving user has passed, announces them offline if no connection
   * came back, and drops the entry. 'waiting' while the grace period runs.
   */
  settleLeaving(record: LeavingRecord): Promise<'waiting' | 'settled'>;
}

export interface PresenceDeps {
  stores: Pick<ChatStores, 'presence' | 'connections' | 'rooms' | 'profiles' | 'typing' | 'occupancy' | 'blocks'>;
  fanOut: FanOut;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  config: Pick<ChatConfig, 'offlineGraceMs'>;
}

export function createPresence(deps: PresenceDeps): Presence {
  const { presence, connections, rooms, profiles, typing } = deps.stores;
  const { clock } = deps;
  const graceMs = deps.config.offlineGraceMs;

  async function goOffline(userId: string, since: number, seen: PresenceState | undefined): Promise<void> {
    await profiles.setLastSeen(userId, since);
    if (seen?.watchOnly) await leaveMarkedRooms(userId, since);
    else await announce(userId, false, since);
  }

  /**
   * A user online only in the rooms their watch connections heard went offline: each room where they are marked
   * hears it (one Query of the byUser index finds them, however many rooms the user has).
   */
  async function leaveMarkedRooms(userId: string, since: number): Promise<void> {
    const blockers = await blockersForBroadcast(deps, userId);
    try {
      await forEachPage(
        (cursor) => deps.stores.occupancy.listMarkedRooms(userId, { cursor, limit: 100 }),
        async (roomIds) => {
          await settleWithConcurrency(roomIds, 4, (roomId) =>
            markAndTell(deps, roomId, userId, false, blockers, since),
          );
        },
      );
    } catch (error) {
      deps.metrics.count('FanOutFailures');
      deps.logger.error('presence announcement failed', { userId, isOnline: false, ...describeError(error) });
    }
  }

  /**
   * Best effort: a failure is logged, never thrown (the connect or disconnect it belongs to has happened). Users who
   * blocked the user hear nothing of it in any room (one read for all the rooms); when that read fails the event is
   * withheld from everyone. Each room's occupancy mark of the user follows either way (occupancy.ts). With
   * `onlyMarkChanges`, rooms where the mark already was so hear nothing (a watch-only user's rooms that one of their
   * watch connections hears: they were told already).
   */
  async function announce(
    userId: string,
    isOnline: boolean,
    lastSeenAt?: number,
    onlyMarkChanges = false,
  ): Promise<void> {
    const blockers = await blockersForBroadcast(deps, userId);
    try {
      await forEachPage(
        (cursor) => rooms.listMemberships(userId, { cursor, limit: 100 }),
        async (memberships) => {
          // A few rooms at a time: each room's fan-out already has its own posts in flight.
          await settleWithConcurrency(memberships, 4, async ({ roomId }) => {
            const { changed, occupancy } = await changeMark(deps.stores, roomId, userId, isOnline, clock.now());
            if (onlyMarkChanges && !changed) return;
            const event = blockers && presenceEvent(roomId, userId, isOnline, lastSeenAt);
            await tellRoom(deps.fanOut, roomId, userId, event, occupancy, blockers ?? []);
          });
        },
      );
    } catch (error) {
      deps.metrics.count('FanOutFailures');
      deps.logger.error('presence announcement failed', { userId, isOnline, ...describeError(error) });
    }
  }

  /**
   * Best effort, like the announcement: an indicator left behind expires on its own within seconds. The stops are
   * the user's activity: they skip those who blocked them, and are withheld when that read fails (as typing.ts does).
   */
  async function endTyping(userId: string, now: number): Promise<void> {
    try {
      const records = await typing.listTypingOf(userId, now);
      if (records.length === 0) return;
      const blockers = await blockersForBroadcast(deps, userId);
      const exclude = blockers && excludingBlockers({ userIds: [userId] }, blockers);
      await settleWithConcurrency(records, 4, async (record) => {
        const wasLive = await typing.stopTyping(record.roomId, userId, now);
        if (wasLive && exclude) await deps.fanOut.toRoom(record.roomId, typingStoppedEvent(wasLive), exclude);
      });
    } catch (error) {
      deps.logger.error('ending typing indicators failed', { userId, ...describeError(error) });
    }
  }

  /**
   * The grace period of a watch-only user ended with them back: the rooms their new connections did not subscribe to
   * again hear that they left (their marks stayed through the grace period, so the ones subscribed to again heard
   * nothing).
   */
  async function leaveRoomsNotHeardAgain(
    userId: string,
    seen: PresenceState,
    live?: readonly ConnectionRecord[],
  ): Promise<void> {
    if (!seen.watchOnly) return;
    try {
      const marked = await collectPages((cursor) =>
        deps.stores.occupancy.listMarkedRooms(userId, { cursor, limit: 100 }),
      );
      await leaveUnheardRooms(deps, userId, marked, live);
    } catch (error) {
      deps.logger.error('presence announcement failed', { userId, ...describeError(error) });
    }
  }

  return {
    async connected(connection) {
      const now = clock.now();
      const watch = connection.watch === true;
      const before = await presence.markOnline(connection.userId, connection.expiresAt, { watch, now });
      const wasOnline = before !== undefined && before.online && before.liveUntil > now;
      // A watch connection is online in no room until it subscribes to one (room-presence.ts).
      if (watch) return;
      // A connection that hears every room makes a watch-only user online in all of them: the rooms their watch
      // connections hear were told already.
      if (!wasOnline) await announce(connection.userId, true);
      else if (before.watchOnly) await announce(connection.userId, true, undefined, true);
    },

    async disconnected(userId, options) {
      // The state first, then the listing: see the top of this file for why the order matters.
      const seen = await presence.getPresence(userId);
      // Offline, or leaving already (the first close that left none keeps its time).
      if (seen && (!seen.online || seen.leavingSince !== undefined)) return;
      const now = clock.now();
      const remaining = await connections.listConnections(userId, now);
      if (remaining.length > 0) {
        // Keeps liveUntil exact when the longest-lived connection was the one that left, so that a connection that
        // later ends without its close reaching the backend leaves a record that goes stale when it should.
        if (seen) await presence.settlePresence(userId, seen, Math.max(...remaining.map((c) => c.expiresAt)));
        // The rooms only the closed watch connection heard: the user is still online, but may be gone from them. As
        // for a last close, not at once: a reconnect racing this close (the app back from the background, a socket
        // replaced) subscribes to them again within the grace period, and then nobody hears anything.
        const unheard = (options.watched ?? []).filter((roomId) => !remaining.some((c) => hearsRoom(c, roomId)));
        if (options.announce && seen?.watchOnly && unheard.length > 0) {
          if (graceMs > 0) await presence.addLeavingEntry(userId, now);
          else await leaveUnheardRooms(deps, userId, unheard, remaining);
        }
        return;
      }
      if (options.announce) await endTyping(userId, now);
      if (seen && options.announce && graceMs > 0) {
        await presence.markLeaving(userId, seen, now);
        return;
      }
      // No presence item: the user's connections all opened before there was one (a backend upgraded while they
      // were connected), and the last of them is gone.
      const flipped = seen ? await presence.settlePresence(userId, seen) : true;
      if (flipped && options.announce) await goOffline(userId, now, seen);
    },

    async settleLeaving(record) {
      const now = clock.now();
      if (now - record.since < graceMs) return 'waiting';
      const seen = await presence.getPresence(record.userId);
      if (seen?.online && seen.leavingSince !== undefined) {
        if (now - seen.leavingSince < graceMs) return 'waiting';
        const remaining = await connections.listConnections(record.userId, now);
        if (remaining.length > 0) {
          // A connection the mark did not see (its connect failed half way): online after all, and no longer leaving.
          await presence.settlePresence(record.userId, seen, Math.max(...remaining.map((c) => c.expiresAt)));
          await leaveRoomsNotHeardAgain(record.userId, seen, remaining);
        } else if (await presence.settlePresence(record.userId, seen)) {
          await goOffline(record.userId, seen.leavingSince, seen);
        }
      } else if (seen?.online) {
        await leaveRoomsNotHeardAgain(record.userId, seen);
      }
      await presence.forgetLeaving(record);
      return 'settled';
    },
  };
}
