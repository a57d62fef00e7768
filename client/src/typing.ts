import type { TypingEvent } from '../../lambdas/protocol/frames.js';
import type { TypingEntry } from '../../lambdas/protocol/objects.js';
import type { TypingChange, TypingUser } from './types.js';

type Timer = ReturnType<typeof setTimeout>;

/**
 * The sending side of typing indicators. Call `start` on every keystroke: it sends `isTyping: true` at most every
 * `resendMs` (the server keeps an indicator 5 s, so a resend every 3 s keeps it alive without a gap) and
 * `isTyping: false` once no keystroke came for `idleMs`.
 */
export class TypingSender {
  private readonly rooms = new Map<string, { lastSentAt: number; idleTimer: Timer }>();

  constructor(
    private readonly send: (roomId: string, isTyping: boolean) => void,
    private readonly resendMs: number,
    private readonly idleMs: number,
  ) {}

  start(roomId: string): void {
    const now = Date.now();
    const state = this.rooms.get(roomId);
    if (state) clearTimeout(state.idleTimer);
    const idleTimer = setTimeout(() => this.stop(roomId), this.idleMs);
    if (!state || now - state.lastSentAt >= this.resendMs) {
      this.rooms.set(roomId, { lastSentAt: now, idleTimer });
      this.send(roomId, true);
    } else {
      state.idleTimer = idleTimer;
    }
  }

  stop(roomId: string): void {
    const state = this.rooms.get(roomId);
    if (!state) return;
    clearTimeout(state.idleTimer);
    this.rooms.delete(roomId);
    this.send(roomId, false);
  }

  /** A message was sent to the room: the server clears the indicator itself. */
  messageSent(roomId: string): void {
    const state = this.rooms.get(roomId);
    if (!state) return;
    clearTimeout(state.idleTimer);
    this.rooms.delete(roomId);
  }

  /** The connection is gone: the server lets the indicator lapse; start afresh on the next keystroke. */
  reset(): void {
    for (const state of this.rooms.values()) clearTimeout(state.idleTimer);
    this.rooms.clear();
  }
}

/**
 * The receiving side: who is typing in each room. An indicator lapses at its `expiresAt` even when no
 * `isTyping: false` arrives (the sender's app was killed, its network dropped).
 */
export class TypingTracker {
  private readonly rooms = new Map<string, Map<string, TypingUser & { timer: Timer; heardAt: number }>>();

  constructor(
    private readonly onChange: (change: TypingChange) => void,
    /** Server clock minus local clock, so a server `expiresAt` becomes a local deadline. */
    private readonly serverOffsetMs: () => number,
    private readonly ttlMs: number,
  ) {}

  apply(event: TypingEvent): void {
    if (event.isTyping) this.set(event.roomId, event.userId, event.displayName, event.expiresAt);
    else this.remove(event.roomId, event.userId);
  }

  /**
   * The typing list of a getPresence ack asked for at `askedAt` (local clock). An indicator heard after the request
   * left is newer than the answer (the answer may have been read before that typing was stored), so it stays.
   */
  seed(roomId: string, entries: readonly TypingEntry[], askedAt: number): void {
    const live = new Set(entries.map((e) => e.userId));
    for (const [userId, entry] of [...(this.rooms.get(roomId)?.entries() ?? [])]) {
      if (!live.has(userId) && entry.heardAt < askedAt) this.remove(roomId, userId);
    }
    for (const entry of entries) this.set(roomId, entry.userId, entry.displayName, entry.expiresAt);
  }

  /** The user sent a message: whatever they were typing is sent. */
  remove(roomId: string, userId: string): void {
    const room = this.rooms.get(roomId);
    const entry = room?.get(userId);
    if (!room || !entry) return;
    clearTimeout(entry.timer);
    room.delete(userId);
    if (room.size === 0) this.rooms.delete(roomId);
    this.onChange({ roomId, userId, displayName: entry.displayName, isTyping: false });
  }

  forgetRoom(roomId: string): void {
    for (const userId of [...(this.rooms.get(roomId)?.keys() ?? [])]) this.remove(roomId, userId);
  }

  users(roomId: string): TypingUser[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])].map(({ userId, displayName, expiresAt }) => ({
      userId,
      displayName,
      expiresAt,
    }));
  }

  dispose(): void {
    for (const room of this.rooms.values()) for (const entry of room.values()) clearTimeout(entry.timer);
    this.rooms.clear();
  }

  private set(roomId: string, userId: string, displayName: string, expiresAt?: string): void {
    const now = Date.now();
    const serverDeadline = expiresAt ? Date.parse(expiresAt) - this.serverOffsetMs() : NaN;
    // Clamped: a skewed clock estimate must neither drop an indicator at once nor keep it for ever.
    const deadline = Number.isFinite(serverDeadline)
      ? Math.min(Math.max(serverDeadline, now), now + this.ttlMs + 1_000)
      : now + this.ttlMs;
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map()));
    const existing = room.get(userId);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => this.remove(roomId, userId), deadline - now);
    room.set(userId, { userId, displayName, expiresAt: deadline, timer, heardAt: now });
    if (!existing) this.onChange({ roomId, userId, displayName, isTyping: true });
  }
}
