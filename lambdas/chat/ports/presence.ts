// Whether a user is online, kept in one item per user so that one conditional write decides each flip: of several
// devices connecting (or closing) at once, exactly one flips it, and only that one announces (see chat/presence.ts).

export interface PresenceState {
  online: boolean;
  /** Counts the user's connects: a close that read it before a connect it did not see cannot flip the user offline. */
  gen: number;
  /**
   * The latest expiresAt of the user's connections as of the last change: an `online` older than that is stale
   * (every connection ended without its close reaching the backend).
   */
  liveUntil: number;
}

export interface PresenceStore {
  /** Sets the user online with `liveUntil` and counts a connect, in one write; returns the state before it. */
  markOnline(userId: string, liveUntil: number): Promise<PresenceState | undefined>;
  /** The user's presence as stored (strongly consistent). */
  getPresence(userId: string): Promise<PresenceState | undefined>;
  /**
   * After a connection left, and only if no connect happened since `seen` was read (its gen) and the user is still
   * online: without `liveUntil` sets the user offline, with it records the remaining connections' latest expiry.
   * True when it wrote.
   */
  settlePresence(userId: string, seen: PresenceState, liveUntil?: number): Promise<boolean>;
}
