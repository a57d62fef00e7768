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
// Typing ends with the last connection: a close that lists none of the user's connections left removes their live
// typing indicators (one Query of the byUser index finds them in every room) and tells each room "stopped typing",
// as an `isTyping: false` would. Several closes racing may each do so; only the one that removed a live indicator
// broadcasts it.
import type { OccupancyEvent, PresenceEvent } from '../protocol/index.js';
import { describeError } from './errors.js';
import { blockersForBroadcast, excludingBlockers } from './blocking.js';
import { markOnlineIn } from './occupancy.js';
import type { FanOut } from './fan-out.js';
import { forEachPage, settleWithConcurrency } from './paging.js';
import type { ChatStores, Clock, ConnectionRecord, LeavingRecord, Logger, Metrics } from './ports.js';
import type { ChatConfig } from './service.js';
import { toIsoTime, typingStoppedEvent } from './wire-format.js';

export interface Presence {
  /** After the connection's items were written: marks the user online, and announces it if this flipped them. */
  connected(connection: ConnectionRecord): Promise<void>;
  /**
   * After a connection's items were removed: marks the user offline if none of their connections is left, and
   * (with `announce`) records lastSeenAt and announces it if this flipped them.
   */
  disconnected(userId: string, options: { announce: boolean }): Promise<void>;
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

  async function goOffline(userId: string, since: number): Promise<void> {
    await profiles.setLastSeen(userId, since);
    await announce(userId, false, since);
  }

  /**
   * Best effort: a failure is logged, never thrown (the connect or disconnect it belongs to has happened). Users who
   * blocked the user hear nothing of it in any room (one read for all the rooms); when that read fails the event is
   * withheld from everyone. Each room's occupancy mark of the user follows either way (occupancy.ts).
   */
  async function announce(userId: string, isOnline: boolean, lastSeenAt?: number): Promise<void> {
    const blockers = await blockersForBroadcast(deps, userId);
    try {
      await forEachPage(
        (cursor) => rooms.listMemberships(userId, { cursor, limit: 100 }),
        async (memberships) => {
          // A few rooms at a time: each room's fan-out already has its own posts in flight.
          await settleWithConcurrency(memberships, 4, async ({ roomId }) => {
            const event: PresenceEvent = { type: 'presence', roomId, userId, isOnline };
            if (lastSeenAt !== undefined) event.lastSeenAt = toIsoTime(lastSeenAt);
            const occupancy = await markOnlineIn(deps.stores, roomId, userId, isOnline, clock.now());
            await tellRoom(roomId, userId, blockers && event, occupancy, blockers ?? []);
          });
        },
      );
    } catch (error) {
      deps.metrics.count('FanOutFailures');
      deps.logger.error('presence announcement failed', { userId, isOnline, ...describeError(error) });
    }
  }

  /**
   * The user's own connections hear neither (the occupancy they can read with getPresence). The presence event is
   * the user's activity: it skips those who blocked them. The occupancy carries nobody: the whole room hears it. One
   * broadcast when both go to the same connections.
   */
  async function tellRoom(
    roomId: string,
    userId: string,
    event: PresenceEvent | undefined,
    occupancy: OccupancyEvent[],
    blockers: readonly string[],
  ): Promise<void> {
    const self = { userIds: [userId] };
    if (event && blockers.length === 0) return deps.fanOut.toRoom(roomId, [event, ...occupancy], self);
    if (event) await deps.fanOut.toRoom(roomId, event, excludingBlockers(self, blockers));
    if (occupancy.length > 0) await deps.fanOut.toRoom(roomId, occupancy, self);
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

  return {
    async connected(connection) {
      const before = await presence.markOnline(connection.userId, connection.expiresAt);
      const wasOnline = before !== undefined && before.online && before.liveUntil > clock.now();
      if (!wasOnline) await announce(connection.userId, true);
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
      if (flipped && options.announce) await goOffline(userId, now);
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
        } else if (await presence.settlePresence(record.userId, seen)) {
          await goOffline(record.userId, seen.leavingSince);
        }
      }
      await presence.forgetLeaving(record);
      return 'settled';
    },
  };
}
