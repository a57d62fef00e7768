// How many members of a room are online, for rooms too large to list: one counter per room, moved by each user's
// online/offline flip (decided exactly once, see chat/presence.ts) and by members joining or leaving while online.
// Each (room, member) has an "online here" mark that only one conditional write can set or clear, and only the write
// that changed it moves the count: a flip and a join (or leave) racing each other count the user once.
// The `occupancy` event that tells a room its new count goes out at most once per coalescing window; a change
// inside the window is left pending, and the sweeper tells it once the window has passed.
import type { Page, PageRequest } from './paging.js';

export interface OccupancyChange {
  /** The count after the change. */
  onlineCount: number;
  /** True when this change may be announced now (the window had passed); else it was left pending. */
  announce: boolean;
}

export interface OccupancyStore {
  /**
   * Sets (or clears) the member's mark in the room; when that changed it, moves the count by one and decides whether
   * to announce it now. Undefined when the mark already was so. A mark set `findable` is listed by listMarkedRooms
   * (the marks of a watch-only user; the others need no index entry, which would cost a write per room).
   */
  markOnlineIn(
    roomId: string,
    userId: string,
    online: boolean,
    now: number,
    windowMs: number,
    options?: { findable: boolean },
  ): Promise<OccupancyChange | undefined>;
  /** One page of the rooms where the user's mark is set (for watch-only users, whose marks follow their rooms). */
  listMarkedRooms(userId: string, page: PageRequest): Promise<Page<string>>;
  /** The room's count (0 when never counted). */
  getOnlineCount(roomId: string): Promise<number>;
  /** One page of the rooms with a change left pending, in a sweep shard (0 ≤ shard < SWEEP_SHARDS). */
  listPendingOccupancy(shard: number, page: PageRequest): Promise<Page<string>>;
  /**
   * For the sweeper: once the window has passed, claims the announcement of the room's pending change and returns
   * the count to announce (dropping the pending entry); undefined while the window runs (the entry stays).
   */
  claimPendingOccupancy(roomId: string, now: number, windowMs: number): Promise<number | undefined>;
}
