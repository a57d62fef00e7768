// Whether a user is online, kept in one item per user so that one conditional write decides each flip: of several
// devices connecting (or closing) at once, exactly one flips it, and only that one announces (see chat/presence.ts).
// A user whose last connection closed is "leaving" for a grace period before they are announced offline; the
// sweeper finds the leaving users through entries in its shards.
import type { Page, PageRequest } from './paging.js';

export interface PresenceState {
  online: boolean;
  /** Counts the user's connects: a close that read it before a connect it did not see cannot flip the user offline. */
  gen: number;
  /**
   * The latest expiresAt of the user's connections as of the last change: an `online` older than that is stale
   * (every connection ended without its close reaching the backend).
   */
  liveUntil: number;
  /** When the user's last connection closed, while still online (the grace period before "offline"). */
  leavingSince?: number;
  /**
   * Set when a watch connection (PROTOCOL.md, "Watch mode") flipped the user online, cleared by any connection that
   * hears every room: while set, the user is online only in the rooms their connections subscribed to, each marked
   * on its own (OccupancyStore.listMarkedRooms finds them).
   */
  watchOnly?: boolean;
}

/** A user marked leaving, as the sweeper finds them. */
export interface LeavingRecord {
  userId: string;
  since: number;
}

export interface PresenceStore {
  /**
   * Sets the user online with `liveUntil`, counts a connect and ends any leaving, in one write; returns the state
   * before it. A connection that hears every room clears watchOnly; a watch connection (`watch`) sets it only when it
   * is the one that flips the user online (the user was offline, or online only by a stale record).
   */
  markOnline(
    userId: string,
    liveUntil: number,
    options?: { watch: boolean; now: number },
  ): Promise<PresenceState | undefined>;
  /** The user's presence as stored (strongly consistent). */
  getPresence(userId: string): Promise<PresenceState | undefined>;
  /**
   * After a connection left, and only if no connect happened since `seen` was read (its gen) and the user is still
   * online: without `liveUntil` sets the user offline, with it records the remaining connections' latest expiry.
   * Either way the user is no longer leaving. True when it wrote.
   */
  settlePresence(userId: string, seen: PresenceState, liveUntil?: number): Promise<boolean>;
  /**
   * After the user's last connection left, and only if no connect happened since `seen` was read and the user is
   * still online: records that they are leaving since `since`, for the sweeper to find. True when it wrote.
   */
  markLeaving(userId: string, seen: PresenceState, since: number): Promise<boolean>;
  /** One page of the users marked leaving in a sweep shard (0 ≤ shard < SWEEP_SHARDS). */
  listLeaving(shard: number, page: PageRequest): Promise<Page<LeavingRecord>>;
  /** Removes the sweeper's entry of a leaving user, unless a later leaving replaced it. */
  forgetLeaving(record: LeavingRecord): Promise<void>;
}
