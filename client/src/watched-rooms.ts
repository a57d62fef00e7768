import { LIMITS } from '../../lambdas/protocol/limits.js';
import { ChatError, describeError } from './chat-error.js';
import { runLimited } from './run-limited.js';
import type { Transport } from './transport.js';

/** The rooms one watch connection may hear at once (the server refuses a subscribe beyond that). */
export const WATCHED_ROOMS_MAX = LIMITS.watchedRoomsMax;
/** Watched rooms subscribed in parallel on a new socket (the rest of the frame budget goes to catching up). */
const SUBSCRIBE_CONCURRENCY = 4;

export interface WatchedRoomsDeps {
  /** subscribe / unsubscribe once connected, on the connection of the moment and a successor already open. */
  request(action: 'subscribe' | 'unsubscribe', roomId: string): Promise<unknown>;
  /** subscribe on a new socket that has not begun to serve. */
  subscribeOn(transport: Transport, roomId: string): Promise<unknown>;
  /** The room is heard (again): what was stored since its last seq emitted. Never rejects. */
  catchUp(roomId: string): Promise<void>;
  /** The room is no longer heard (its presence list would go stale). */
  unheard(roomId: string): void;
  /** A new socket refused to subscribe a watched room: the user is no longer a member. */
  notMember(roomId: string): void;
  /** No connection was asked for yet (connect() not called). */
  isIdle(): boolean;
  error(error: Error): void;
}

/**
 * Watch mode's rooms (client/README.md, "Watch mode"): a watch socket hears no room until it subscribes, so the
 * client keeps the set the app watches and subscribes every socket to it before the socket serves. Without watch
 * mode every socket hears every room: nothing is sent, nothing is kept.
 */
export class WatchedRooms {
  private readonly rooms = new Set<string>();
  /** watchRoom calls still on their way, so a repeat waits for the same answer. */
  private readonly pending = new Map<string, Promise<void>>();
  /**
   * The last subscribe or unsubscribe of each room still on its way. The next one for the room waits for its answer:
   * the backend may run two frames of one socket at once, and an unsubscribe overtaking the subscribe sent after it
   * would leave a watched room unheard.
   */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    readonly enabled: boolean,
    private readonly deps: WatchedRoomsDeps,
  ) {}

  list(): string[] {
    return [...this.rooms];
  }

  /** Whether the client's connection hears the room: every room without watch mode. */
  hears(roomId: string): boolean {
    return !this.enabled || this.rooms.has(roomId);
  }

  /**
   * Subscribes the room and catches it up. A connection lost on the way rejects (DISCONNECTED or TIMEOUT) but the
   * room stays watched: the next connection subscribes it. Any other refusal forgets it.
   */
  watch(roomId: string): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (typeof roomId !== 'string' || roomId.length === 0 || roomId.length > LIMITS.idMaxLength) {
      return Promise.reject(
        new ChatError('BAD_REQUEST', `roomId: must be a string of 1 to ${LIMITS.idMaxLength} characters`, 'subscribe'),
      );
    }
    const pending = this.pending.get(roomId);
    if (pending) return pending;
    if (this.rooms.has(roomId)) return Promise.resolve();
    if (this.rooms.size >= WATCHED_ROOMS_MAX) {
      return Promise.reject(
        new ChatError(
          'BAD_REQUEST',
          `roomId: ${roomId} is one room too many: at most ${WATCHED_ROOMS_MAX} rooms are watched at once`,
          'subscribe',
        ),
      );
    }
    this.rooms.add(roomId);
    // Before connect(), the first connection subscribes it (and its catch-up covers it).
    if (this.deps.isIdle()) return Promise.resolve();
    // An unwatchRoom (and a watchRoom after it) meanwhile supersedes this call: it then changes nothing when answered.
    const isCurrent = () => this.pending.get(roomId) === run;
    const run: Promise<void> = this.subscribe(roomId, isCurrent).finally(() => {
      if (this.pending.get(roomId) === run) this.pending.delete(roomId);
    });
    this.pending.set(roomId, run);
    return run;
  }

  /** Unsubscribes the room and forgets it; a connection lost on the way took the subscription with it. */
  async unwatch(roomId: string): Promise<void> {
    if (!this.enabled || !this.rooms.delete(roomId)) return;
    // A watchRoom still on its way no longer answers for the room: watching it again starts over.
    this.pending.delete(roomId);
    this.deps.unheard(roomId);
    if (this.deps.isIdle()) return;
    try {
      await this.inOrder(roomId, () => this.deps.request('unsubscribe', roomId));
    } catch (error) {
      // No connection (or no membership) means no subscription: the room is not heard, as asked.
      if (!(error instanceof ChatError) || !['DISCONNECTED', 'TIMEOUT', 'FORBIDDEN'].includes(error.code)) throw error;
    }
  }

  /** The user left the room. */
  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /**
   * A new socket said hello: every watched room is subscribed on it before it serves, rooms watched meanwhile too.
   * A room refused as FORBIDDEN is dropped (the user left it); another refusal is reported and the room stays
   * watched, for the next socket to try.
   */
  async resubscribe(transport: Transport): Promise<void> {
    const done = new Set<string>();
    for (;;) {
      const rooms = [...this.rooms].filter((roomId) => !done.has(roomId));
      if (rooms.length === 0 || transport.isDead) return;
      for (const roomId of rooms) done.add(roomId);
      await runLimited(
        rooms.map((roomId) => () => this.resubscribeOne(transport, roomId)),
        SUBSCRIBE_CONCURRENCY,
      );
    }
  }

  private async subscribe(roomId: string, isCurrent: () => boolean): Promise<void> {
    try {
      await this.inOrder(roomId, () => this.deps.request('subscribe', roomId));
    } catch (error) {
      const connectionLost = error instanceof ChatError && (error.code === 'DISCONNECTED' || error.code === 'TIMEOUT');
      if (!connectionLost && isCurrent()) this.rooms.delete(roomId);
      throw error;
    }
    if (isCurrent()) await this.deps.catchUp(roomId);
  }

  /** Sends once the room's previous subscribe or unsubscribe is answered (or failed). */
  private inOrder<T>(roomId: string, send: () => Promise<T>): Promise<T> {
    const previous = this.inFlight.get(roomId) ?? Promise.resolve();
    const sent = previous.then(send, send);
    const settled = sent.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(roomId, settled);
    void settled.then(() => {
      if (this.inFlight.get(roomId) === settled) this.inFlight.delete(roomId);
    });
    return sent;
  }

  private async resubscribeOne(transport: Transport, roomId: string): Promise<void> {
    if (!this.rooms.has(roomId)) return;
    try {
      await this.deps.subscribeOn(transport, roomId);
    } catch (error) {
      // A socket that died takes the subscriptions with it: the next one starts over.
      if (transport.isDead) return;
      if (error instanceof ChatError && error.code === 'FORBIDDEN') {
        if (this.rooms.delete(roomId)) this.deps.notMember(roomId);
        return;
      }
      this.deps.error(error instanceof Error ? error : new Error(describeError(error)));
    }
  }
}
