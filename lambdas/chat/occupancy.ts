// Occupancy: the number of a room's members who are online (see ports/occupancy.ts). A user counts from their
// online flip to their offline flip (the grace period included) in every room they are a member of; members who join
// or leave while online move the count themselves. Every change goes through the member's "online here" mark, which
// only one conditional write can set or clear, so a flip racing a join or a leave never counts a user twice. Events:
// `{ type: 'occupancy', roomId, onlineCount }`, at most one per room per OCCUPANCY_WINDOW_MS; the last change of a
// window is told by the sweeper after it.
import type { OccupancyEvent } from '../protocol/index.js';
import { describeError } from './errors.js';
import { mapWithConcurrency } from './paging.js';
import type { ChatStores, Logger } from './ports.js';

/** At most one occupancy event a second per room. */
export const OCCUPANCY_WINDOW_MS = 1_000;

export const occupancyEvent = (roomId: string, onlineCount: number): OccupancyEvent => ({
  type: 'occupancy',
  roomId,
  // Never shown below zero, whatever happened to the counter (a failed write half way, say).
  onlineCount: Math.max(0, onlineCount),
});

/**
 * Sets or clears the member's mark (`findable`: see OccupancyStore.markOnlineIn). `changed` when this call changed it;
 * `occupancy`, the event to broadcast now, if any (inside the window the sweeper tells it).
 */
export async function changeMark(
  stores: Pick<ChatStores, 'occupancy'>,
  roomId: string,
  userId: string,
  online: boolean,
  now: number,
  options?: { findable: boolean },
): Promise<{ changed: boolean; occupancy: OccupancyEvent[] }> {
  const change = await stores.occupancy.markOnlineIn(roomId, userId, online, now, OCCUPANCY_WINDOW_MS, options);
  return {
    changed: change !== undefined,
    occupancy: change?.announce ? [occupancyEvent(roomId, change.onlineCount)] : [],
  };
}

/** changeMark's event alone. */
export const markOnlineIn = async (
  stores: Pick<ChatStores, 'occupancy'>,
  roomId: string,
  userId: string,
  online: boolean,
  now: number,
): Promise<OccupancyEvent[]> => (await changeMark(stores, roomId, userId, online, now)).occupancy;

/**
 * Online in every room of theirs: a watch-only user (PROTOCOL.md, "Watch mode") is online only in the rooms their
 * connections subscribe to, so a room they join does not count them until they do.
 */
const isOnline = async (stores: Pick<ChatStores, 'presence'>, userId: string, now: number): Promise<boolean> => {
  const state = await stores.presence.getPresence(userId);
  return state !== undefined && state.online && state.liveUntil > now && state.watchOnly !== true;
};

/**
 * Members joined a room (`joined`) or one left it: the marks of those online are set (or the leaver's cleared). A
 * joiner whose offline flip came between the presence read and the mark is unmarked again: the flip may have listed
 * its rooms before this one. Best effort after the change is made: a failure is logged.
 */
export async function countMembersMoving(
  stores: Pick<ChatStores, 'occupancy' | 'presence'>,
  logger: Logger,
  move: { roomId: string; userIds: readonly string[]; joined: boolean; now: number },
): Promise<OccupancyEvent[]> {
  const { roomId, now } = move;
  try {
    // One member after another: a handful of writes each, after the answer, in an order that does not vary.
    const events = await mapWithConcurrency(move.userIds, 1, async (userId) => {
      if (!move.joined) return markOnlineIn(stores, roomId, userId, false, now);
      if (!(await isOnline(stores, userId, now))) return [];
      const marked = await markOnlineIn(stores, roomId, userId, true, now);
      if (await isOnline(stores, userId, now)) return marked;
      return markOnlineIn(stores, roomId, userId, false, now);
    });
    // At most one per window anyway; the last is the newest count.
    return events.flat().slice(-1);
  } catch (error) {
    logger.error('counting occupancy failed', { roomId, ...describeError(error) });
    return [];
  }
}
