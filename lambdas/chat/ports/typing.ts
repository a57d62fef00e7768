// Typing indicators: short-lived, rebroadcast at most every so often while the user keeps typing.

export interface TypingRecord {
  roomId: string;
  userId: string;
  displayName: string;
  expiresAt: number;
  lastBroadcastAt: number;
}

export interface TypingStore {
  /**
   * Sets the indicator to expire at `record.expiresAt`. Returns true (and records lastBroadcastAt) when it should
   * be broadcast: it was not live at `now`, or its last broadcast is `rebroadcastAfterMs` or more in the past.
   */
  startTyping(record: TypingRecord, now: number, rebroadcastAfterMs: number): Promise<boolean>;
  /** Removes the indicator; returns it when it was live at `now`. */
  stopTyping(roomId: string, userId: string, now: number): Promise<TypingRecord | undefined>;
  listTyping(roomId: string, now: number): Promise<TypingRecord[]>;
  /**
   * The user's live indicators in all their rooms (eventually consistent: one started a moment ago may be missing,
   * and expires on its own).
   */
  listTypingOf(userId: string, now: number): Promise<TypingRecord[]>;
}
