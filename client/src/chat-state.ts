import type { AckFrame, MessageEvent, ServerEvent } from '../../lambdas/protocol/frames.js';
import { LIMITS } from '../../lambdas/protocol/limits.js';
import type { Message, MessageChange, Room, User } from '../../lambdas/protocol/objects.js';
import { applyChange } from './apply-change.js';
import { ChatError, describeError } from './chat-error.js';
import type { Emitter } from './emitter.js';
import { PresenceView } from './presence.js';
import { RoomSequencer, type HistoryPage, type Sequenced } from './room-sequencer.js';
import { runLimited } from './run-limited.js';
import type { Ack, ActionName, ChatClientEvents, RoomSeq } from './types.js';
import { TypingTracker } from './typing.js';
import { UnreadCounts } from './unread.js';

export interface ChatStateDeps {
  events: Emitter<ChatClientEvents>;
  /** getHistory with `after`, on the current connection (retried on RATE_LIMITED / INTERNAL). */
  fetchAfter(roomId: string, after: number): Promise<HistoryPage>;
  /** getPresence on the current connection; its ack comes back through `absorbAck`. */
  readPresence(roomId: string): Promise<unknown>;
  /** markRead at or below the marker (it only reads): the room's count; its ack comes back through `absorbAck`. */
  readUnread(roomId: string, seq: number): Promise<unknown>;
  gapWaitMs: number;
  /** Where each room's stream resumes (options.lastSeqs). */
  resumeSeqs: Readonly<Record<string, number>>;
  /** Whether the connection hears the room's events: every room, except in watch mode (see watched-rooms.ts). */
  hears(roomId: string): boolean;
  /** The room is gone from the user's rooms (left, here or elsewhere). */
  roomRemoved(roomId: string): void;
}

/** Rooms caught up (and presence refreshed) in parallel after a reconnect or a tail check. */
const SYNC_CONCURRENCY = 4;
/** Messages kept per room to apply changes to (the newest emitted); a change to an older one has no `message`. */
const KEPT_MESSAGES_PER_ROOM = 1_000;

/**
 * What the client knows, whatever connection it came on: the user, their rooms and each room's sequencer (every
 * message once, in order), who is online and who is typing, and the server's clock. Fed by server events and acks;
 * reports changes as the client's events.
 */
export class ChatState {
  me?: User;
  readonly presenceView = new PresenceView();
  readonly typingTracker: TypingTracker;
  readonly unread: UnreadCounts;
  private serverOffsetMs = 0;
  private readonly roomMap = new Map<string, Room>();
  private readonly sequencers = new Map<string, RoomSequencer>();
  private readonly resumeSeqs: Map<string, number>;
  /** Per room, the messages emitted (newest KEPT_MESSAGES_PER_ROOM), as they are now: changes are applied here. */
  private readonly kept = new Map<string, Map<number, Message>>();

  constructor(private readonly deps: ChatStateDeps) {
    this.resumeSeqs = new Map(Object.entries(deps.resumeSeqs));
    this.typingTracker = new TypingTracker(
      (change) => deps.events.emit('typingChanged', change),
      () => this.serverOffsetMs,
      LIMITS.typingTtlMs,
    );
    this.unread = new UnreadCounts(
      (change) => deps.events.emit('unreadChanged', change),
      (roomId, seq) => void deps.readUnread(roomId, seq).catch(() => undefined),
    );
  }

  rooms(): Room[] {
    return [...this.roomMap.values()];
  }

  room(roomId: string): Room | undefined {
    return this.roomMap.get(roomId);
  }

  lastSeqs(): Record<string, number> {
    const seqs: Record<string, number> = {};
    for (const [roomId, sequencer] of this.sequencers) seqs[roomId] = sequencer.lastSeenSeq;
    return seqs;
  }

  /** A connection said hello and listed every room. */
  welcome(user: User, rooms: readonly Room[]): void {
    this.me = user;
    this.presenceView.learn(user);
    const listed = new Set(rooms.map((room) => room.roomId));
    // Rooms left (on another device) while this one was away.
    for (const roomId of [...this.roomMap.keys()]) if (!listed.has(roomId)) this.removeRoom(roomId, false);
    this.unread.keepOnly(listed);
    for (const room of rooms) this.upsertRoom(room, false);
    this.deps.events.emit('roomsChanged', this.rooms());
  }

  /**
   * Catches every room heard up from the last seq seen and refreshes presence of watched rooms. In watch mode the
   * rooms not heard are left where they are: hello told their lastSeq and unread count.
   */
  async catchUpAll(): Promise<void> {
    const { hears } = this.deps;
    const catchUps = [...this.sequencers.values()]
      .filter((sequencer) => hears(sequencer.roomId))
      .map((sequencer) => () => sequencer.catchUp(this.roomMap.get(sequencer.roomId)?.lastSeq ?? 0));
    const refreshes = this.presenceView
      .watchedRooms()
      .filter(hears)
      .map((roomId) => () => this.deps.readPresence(roomId));
    await runLimited([...catchUps, ...refreshes], SYNC_CONCURRENCY);
  }

  /**
   * A room heard again (watch mode's watchRoom): what was stored after its last seq emitted, read whatever the
   * room's lastSeq says (it may be older than the room). Failures are reported as the sequencer's.
   */
  async catchUpRoom(roomId: string): Promise<void> {
    await this.sequencers
      .get(roomId)
      ?.catchUp(Number.POSITIVE_INFINITY)
      .catch(() => undefined);
  }

  /** The server says the user is not a member of the room (any more). */
  forgetRoom(roomId: string): void {
    this.removeRoom(roomId);
  }

  /**
   * The server's lastSeq of the user's rooms (a tail check): a room heard that moved past what was emitted lost
   * its last messages on the way (no later message revealed the gap), so they are read with getHistory. A room
   * not heard (watch mode) only takes the new lastSeq, told with `roomsChanged`.
   */
  async catchUpTails(roomSeqs: readonly RoomSeq[]): Promise<void> {
    const behind: RoomSequencer[] = [];
    let unheardMoved = false;
    for (const { roomId, lastSeq } of roomSeqs) {
      const room = this.roomMap.get(roomId);
      const sequencer = this.sequencers.get(roomId);
      // A room not known here (its roomJoined lost) is picked up by the next hello.
      if (!room || !sequencer) continue;
      const heard = this.deps.hears(roomId);
      if (lastSeq > room.lastSeq) {
        this.roomMap.set(roomId, { ...room, lastSeq });
        if (!heard) unheardMoved = true;
      }
      if (heard && lastSeq > sequencer.lastSeenSeq) behind.push(sequencer);
    }
    if (unheardMoved) this.deps.events.emit('roomsChanged', this.rooms());
    await runLimited(
      behind.map((sequencer) => () => sequencer.catchUp(this.roomMap.get(sequencer.roomId)?.lastSeq ?? 0)),
      SYNC_CONCURRENCY,
    );
  }

  /** The connection is gone: gap timers stop; the next catch-up resumes. */
  pause(): void {
    for (const sequencer of this.sequencers.values()) sequencer.pause();
  }

  dispose(): void {
    this.typingTracker.dispose();
    for (const sequencer of this.sequencers.values()) sequencer.dispose();
  }

  /** A server event (acks and errors answering requests never come here). */
  applyEvent(event: ServerEvent): void {
    const { presenceView, typingTracker } = this;
    const { events } = this.deps;
    switch (event.type) {
      case 'message':
        typingTracker.remove(event.roomId, event.message.senderId);
        return this.acceptMessage(event.message);
      case 'change':
        return this.acceptMessage(event.change);
      case 'typing':
        presenceView.learn({ userId: event.userId, displayName: event.displayName });
        typingTracker.apply(event);
        return events.emit('typing', event);
      case 'presence':
        events.emit('presence', event);
        if (presenceView.apply(event))
          this.emitPresenceChange(event.roomId, event.userId, event.isOnline, event.lastSeenAt);
        return;
      case 'occupancy':
        return events.emit('occupancy', event);
      case 'read':
        if (event.userId === this.me?.userId) {
          this.unread.readElsewhere(event.roomId, event.seq, this.roomMap.get(event.roomId)?.lastSeq ?? 0);
        }
        return events.emit('read', event);
      case 'roomJoined':
        this.upsertRoom(event.room);
        return events.emit('roomJoined', event);
      case 'memberJoined':
        presenceView.learn(event.user);
        if (event.user.isOnline) {
          const online = { type: 'presence' as const, roomId: event.roomId, userId: event.user.userId, isOnline: true };
          if (presenceView.apply(online)) this.emitPresenceChange(event.roomId, event.user.userId, true);
        }
        return events.emit('memberJoined', event);
      case 'memberLeft':
        if (event.userId === this.me?.userId) this.removeRoom(event.roomId);
        else {
          typingTracker.remove(event.roomId, event.userId);
          if (presenceView.removeUser(event.roomId, event.userId))
            this.emitPresenceChange(event.roomId, event.userId, false);
        }
        return events.emit('memberLeft', event);
      default:
        // Event types added by a later protocol version are ignored.
        return;
    }
  }

  /** Keeps the picture (rooms, messages, presence, clock) in step with what each ack says. */
  absorbAck(action: ActionName, fields: Record<string, unknown>, frame: AckFrame, sentAt: number): void {
    const ack = frame as unknown as Ack<ActionName>;
    switch (action) {
      case 'hello':
      case 'ping':
        this.noteServerTime((ack as Ack<'ping'>).serverTime, sentAt);
        return;
      case 'createRoom':
      case 'openDirect':
      case 'addMembers':
        this.upsertRoom((ack as Ack<'createRoom'>).room);
        return;
      case 'leaveRoom':
        this.removeRoom(fields.roomId as string);
        return;
      case 'sendMessage':
        this.acceptMessage((ack as Ack<'sendMessage'>).message);
        return;
      case 'editMessage':
      case 'deleteMessage':
      case 'react': {
        // The change made by this connection comes in its ack only: it joins the stream in its place.
        const { change } = ack as Ack<'react'>;
        if (change) this.acceptMessage(change);
        return;
      }
      case 'getPresence':
        this.absorbPresence(fields.roomId as string, ack as Ack<'getPresence'>, sentAt);
        return;
      case 'listMembers':
        for (const member of (ack as Ack<'listMembers'>).members) this.presenceView.learn(member);
        return;
      case 'updateProfile':
        this.me = (ack as Ack<'updateProfile'>).user;
        return;
      case 'muteRoom':
        this.setMuted(ack as Ack<'muteRoom'>);
        return;
      case 'markRead': {
        const counted = ack as Ack<'markRead'>;
        if (typeof counted.unreadCount === 'number') {
          this.unread.fromMarkRead(fields.roomId as string, fields.seq as number, counted);
        }
        return;
      }
      default:
        return;
    }
  }

  private noteServerTime(serverTime: string, sentAt: number): void {
    const server = Date.parse(serverTime);
    if (Number.isFinite(server)) this.serverOffsetMs = server - (sentAt + Date.now()) / 2;
  }

  private upsertRoom(room: Room, announce = true): void {
    const known = this.roomMap.get(room.roomId);
    this.unread.fromRoom(room);
    this.roomMap.set(room.roomId, known ? { ...known, ...room, lastSeq: Math.max(known.lastSeq, room.lastSeq) } : room);
    if (!this.sequencers.has(room.roomId))
      this.createSequencer(room.roomId, this.resumeSeqs.get(room.roomId) ?? room.lastSeq);
    if (announce) this.deps.events.emit('roomsChanged', this.rooms());
  }

  /** The room as muted or not (Room.muted is present only when true, as the server sends it). */
  private setMuted({ roomId, muted }: { roomId: string; muted: boolean }): void {
    const known = this.roomMap.get(roomId);
    if (!known) return;
    const { muted: _was, ...rest } = known;
    this.roomMap.set(roomId, muted ? { ...rest, muted: true } : rest);
    this.deps.events.emit('roomsChanged', this.rooms());
  }

  private removeRoom(roomId: string, announce = true): void {
    const existed = this.roomMap.delete(roomId);
    this.sequencers.get(roomId)?.dispose();
    this.sequencers.delete(roomId);
    this.kept.delete(roomId);
    this.typingTracker.forgetRoom(roomId);
    this.presenceView.unwatch(roomId);
    this.unread.forget(roomId);
    this.deps.roomRemoved(roomId);
    if (existed && announce) this.deps.events.emit('roomsChanged', this.rooms());
  }

  private createSequencer(roomId: string, startSeq: number): RoomSequencer {
    const sequencer = new RoomSequencer(roomId, startSeq, {
      fetchAfter: (room, after) => this.deps.fetchAfter(room, after),
      emit: (item) => this.emitItem(item),
      onError: (error) => {
        // A lost connection is routine: the catch-up after the reconnect resumes.
        if (!(
          error instanceof ChatError &&
          (error.code === 'DISCONNECTED' || error.code === 'CLOSED' || error.code === 'TIMEOUT')
        )) {
          this.deps.events.emit('error', error instanceof Error ? error : new Error(describeError(error)));
        }
      },
      gapWaitMs: this.deps.gapWaitMs,
    });
    this.sequencers.set(roomId, sequencer);
    return sequencer;
  }

  /** The message as it is now, if it was emitted (and is among the newest kept of its room). */
  message(roomId: string, seq: number): Message | undefined {
    return this.kept.get(roomId)?.get(seq);
  }

  private acceptMessage(item: Sequenced): void {
    // A message for a room not heard of yet (its roomJoined still on the way) starts that room's stream here.
    const sequencer = this.sequencers.get(item.roomId) ?? this.createSequencer(item.roomId, item.seq - 1);
    sequencer.accept(item);
  }

  private emitItem(item: Sequenced): void {
    const room = this.roomMap.get(item.roomId);
    if (room && item.seq > room.lastSeq) this.roomMap.set(room.roomId, { ...room, lastSeq: item.seq });
    if ('changeOf' in item) this.emitChange(item);
    else this.emitMessage(item);
  }

  private emitMessage(message: Message): void {
    this.keep(message);
    this.presenceView.learn({ userId: message.senderId, displayName: message.senderName });
    this.unread.message(message, this.me?.userId);
    const event: MessageEvent = { type: 'message', roomId: message.roomId, message };
    this.deps.events.emit('message', event);
  }

  private emitChange(change: MessageChange): void {
    const target = this.message(change.roomId, change.changeOf);
    const message = target && applyChange(target, change, this.me?.userId);
    if (message) this.keep(message);
    this.deps.events.emit('messageChanged', { roomId: change.roomId, change, ...(message && { message }) });
  }

  private keep(message: Message): void {
    let room = this.kept.get(message.roomId);
    if (!room) this.kept.set(message.roomId, (room = new Map()));
    room.set(message.seq, message);
    if (room.size > KEPT_MESSAGES_PER_ROOM) room.delete(Math.min(...room.keys()));
  }

  private absorbPresence(roomId: string, ack: Ack<'getPresence'>, askedAt: number): void {
    for (const user of ack.online) this.presenceView.learn(user);
    this.typingTracker.seed(roomId, ack.typing, askedAt);
    if (!this.presenceView.isWatched(roomId)) return;
    const before = new Set(this.presenceView.online(roomId).map((user) => user.userId));
    this.presenceView.replace(roomId, ack.online);
    const after = new Set(ack.online.map((user) => user.userId));
    for (const userId of after) if (!before.has(userId)) this.emitPresenceChange(roomId, userId, true);
    for (const userId of before) if (!after.has(userId)) this.emitPresenceChange(roomId, userId, false);
  }

  private emitPresenceChange(roomId: string, userId: string, isOnline: boolean, lastSeenAt?: string): void {
    this.deps.events.emit('presenceChanged', {
      roomId,
      userId,
      isOnline,
      ...(lastSeenAt ? { lastSeenAt } : {}),
      online: this.presenceView.online(roomId),
    });
  }
}
