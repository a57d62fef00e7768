// Presence in one room. A connection in watch mode (PROTOCOL.md, "Watch mode") hears only the rooms it subscribed
// to, and a user whose connections are all in watch mode is online only in those rooms: each room's "online here"
// mark (occupancy.ts) is set when the first of their connections starts hearing it and cleared when the last one
// stops. The mark's conditional write decides which of several racing requests announces the change there.
//
// Races. A subscribe records the room among its connection's watched rooms before it sets the mark. An unsubscribe
// or a close removes the room from its connection first, lists the user's connections, and clears the mark only if
// none of them hears the room. A subscribe racing that listing may have found the mark still set (and said nothing)
// just before it was cleared: so after clearing, the connections are listed again, and the mark set back (and
// announced) if one of them hears the room by then. The room may then hear "offline" and "online" in a row; it never
// keeps a wrong state.
import type { OccupancyEvent, PresenceEvent } from '../protocol/index.js';
import { blockersForBroadcast, excludingBlockers } from './blocking.js';
import { describeError } from './errors.js';
import type { FanOut } from './fan-out.js';
import { changeMark } from './occupancy.js';
import { settleWithConcurrency } from './paging.js';
import { hearsRoom } from './ports/connections.js';
import type { ChatStores, Clock, ConnectionRecord, Logger, Metrics } from './ports.js';
import { toIsoTime } from './wire-format.js';

export interface RoomPresenceDeps {
  stores: Pick<ChatStores, 'occupancy' | 'connections' | 'blocks'>;
  fanOut: FanOut;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

/** Rooms handled at once: each room's fan-out already has its own posts in flight. */
const ROOMS_AT_ONCE = 4;

/**
 * Tells a room a member's presence change and the occupancy it caused. The user's own connections hear neither
 * (the occupancy they can read with getPresence). The presence event is the user's activity: it skips those who
 * blocked them. The occupancy carries nobody: the whole room hears it. One broadcast when both go to the same
 * connections.
 */
export async function tellRoom(
  fanOut: FanOut,
  roomId: string,
  userId: string,
  event: PresenceEvent | undefined,
  occupancy: OccupancyEvent[],
  blockers: readonly string[],
): Promise<void> {
  const self = { userIds: [userId] };
  if (event && blockers.length === 0) return fanOut.toRoom(roomId, [event, ...occupancy], self);
  if (event) await fanOut.toRoom(roomId, event, excludingBlockers(self, blockers));
  if (occupancy.length > 0) await fanOut.toRoom(roomId, occupancy, self);
}

export const presenceEvent = (
  roomId: string,
  userId: string,
  isOnline: boolean,
  lastSeenAt?: number,
): PresenceEvent => ({
  type: 'presence',
  roomId,
  userId,
  isOnline,
  ...(lastSeenAt !== undefined && { lastSeenAt: toIsoTime(lastSeenAt) }),
});

/**
 * Sets (or clears) the user's mark in the room and, when that changed it, tells the room. `blockers` undefined: the
 * read of who blocked the user failed, and the presence event is withheld (the occupancy still goes out). True when
 * the mark changed.
 */
export async function markAndTell(
  deps: RoomPresenceDeps,
  roomId: string,
  userId: string,
  isOnline: boolean,
  blockers: readonly string[] | undefined,
  lastSeenAt?: number,
): Promise<boolean> {
  const now = deps.clock.now();
  const { changed, occupancy } = await changeMark(deps.stores, roomId, userId, isOnline, now, { findable: true });
  if (!changed) return false;
  const event = blockers && presenceEvent(roomId, userId, isOnline, isOnline ? undefined : (lastSeenAt ?? now));
  await tellRoom(deps.fanOut, roomId, userId, event, occupancy, blockers ?? []);
  return true;
}

/** A watch connection started hearing the room: the user is online there, announced if they were not. */
export async function enterRoom(deps: RoomPresenceDeps, userId: string, roomId: string): Promise<void> {
  try {
    await markAndTell(deps, roomId, userId, true, await blockersForBroadcast(deps, userId));
  } catch (error) {
    deps.metrics.count('FanOutFailures');
    deps.logger.error('presence announcement failed', { userId, ...describeError(error) });
  }
}

/**
 * Connections of the user stopped hearing these rooms (an unsubscribe, a close): the user goes offline in each of
 * them that none of their live connections (`live`, else listed here) hears. Best effort: a failure is logged.
 */
export async function leaveUnheardRooms(
  deps: RoomPresenceDeps,
  userId: string,
  roomIds: readonly string[],
  live?: readonly ConnectionRecord[],
): Promise<void> {
  if (roomIds.length === 0) return;
  try {
    const heard = (connections: readonly ConnectionRecord[], roomId: string) =>
      connections.some((connection) => hearsRoom(connection, roomId));
    const before = live ?? (await deps.stores.connections.listConnections(userId, deps.clock.now()));
    const unheard = roomIds.filter((roomId) => !heard(before, roomId));
    if (unheard.length === 0) return;
    const blockers = await blockersForBroadcast(deps, userId);
    const cleared: string[] = [];
    await settleWithConcurrency(unheard, ROOMS_AT_ONCE, async (roomId) => {
      if (await markAndTell(deps, roomId, userId, false, blockers)) cleared.push(roomId);
    });
    if (cleared.length === 0) return;
    // See the top of this file: a subscribe that raced the listing above is heard now.
    const after = await deps.stores.connections.listConnections(userId, deps.clock.now());
    const back = cleared.filter((roomId) => heard(after, roomId));
    await settleWithConcurrency(back, ROOMS_AT_ONCE, (roomId) => markAndTell(deps, roomId, userId, true, blockers));
  } catch (error) {
    deps.metrics.count('FanOutFailures');
    deps.logger.error('presence announcement failed', { userId, ...describeError(error) });
  }
}
