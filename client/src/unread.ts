import { LIMITS } from '../../lambdas/protocol/limits.js';
import type { AckFields } from '../../lambdas/protocol/frames.js';
import type { Message, Room } from '../../lambdas/protocol/objects.js';

/** One room's count: what the server counted up to `countedThrough`, plus messages heard since. */
interface RoomUnread {
  /** The server's count of messages up to countedThrough (hello, listRooms, roomJoined, markRead's ack). */
  base: number;
  countedThrough: number;
  readSeq: number;
  /** Seqs above countedThrough counted here (a set: a message emitted twice counts once). */
  live: Set<number>;
}

/** A server's count: a Room with unreadCount, or markRead's ack. */
type Counted = Pick<AckFields['markRead'], 'unreadCount' | 'lastSeq'> & { unreadThroughSeq?: number };

/**
 * Where the server's count ends: messages after it are counted here when they arrive. A server that does not say
 * (older ones) counted up to lastSeq, which can leave out a message whose seq was taken but not yet stored.
 */
const countedThrough = (counted: Pick<Counted, 'unreadThroughSeq' | 'lastSeq'>): number =>
  typeof counted.unreadThroughSeq === 'number' ? counted.unreadThroughSeq : counted.lastSeq;

export interface UnreadChange {
  roomId: string;
  unreadCount: number;
  unreadTotal: number;
}

/**
 * Unread counts kept live between the server's counts (PROTOCOL.md, "Unread counts"): +1 for each ordinary message
 * from another user past what the server counted and past the read marker; set again from every server count; 0
 * when a read marker of the user's own (another device) reaches the room's last seq. Counts stop at
 * LIMITS.unreadCountMax, which means "that many or more".
 */
export class UnreadCounts {
  private readonly rooms = new Map<string, RoomUnread>();

  constructor(
    private readonly onChange: (change: UnreadChange) => void,
    /** Asks the server for the count from `seq` on (markRead at or below the marker only reads). */
    private readonly refresh: (roomId: string, seq: number) => void,
  ) {}

  count(roomId: string): number {
    const room = this.rooms.get(roomId);
    return room ? Math.min(LIMITS.unreadCountMax, room.base + room.live.size) : 0;
  }

  get total(): number {
    let total = 0;
    for (const roomId of this.rooms.keys()) total += this.count(roomId);
    return total;
  }

  /** A Room from the server: its count (when it carries one) replaces what was known, up to where it was counted. */
  fromRoom(room: Room, announce = true): void {
    const known = this.rooms.get(room.roomId);
    if (room.unreadCount === undefined) {
      // Acks of createRoom, openDirect and addMembers carry no count: a room first heard of this way starts at 0.
      if (!known) this.set(room.roomId, { base: 0, countedThrough: room.lastSeq, readSeq: room.lastReadSeq ?? 0 });
      return;
    }
    this.set(
      room.roomId,
      { base: room.unreadCount, countedThrough: countedThrough(room), readSeq: room.lastReadSeq ?? 0 },
      announce,
    );
  }

  /** markRead's ack: the count after the marker `seq`, counted through unreadThroughSeq. */
  fromMarkRead(roomId: string, seq: number, ack: Counted): void {
    const known = this.rooms.get(roomId);
    this.set(roomId, {
      base: ack.unreadCount,
      countedThrough: countedThrough(ack),
      readSeq: Math.max(seq, known?.readSeq ?? 0),
    });
  }

  /** A message emitted to the app, in seq order. */
  message(message: Message, myUserId: string | undefined): void {
    const room = this.rooms.get(message.roomId);
    if (!room || message.senderId === myUserId) return;
    if (message.seq <= room.countedThrough || message.seq <= room.readSeq || room.live.has(message.seq)) return;
    if (room.base + room.live.size >= LIMITS.unreadCountMax) return;
    room.live.add(message.seq);
    this.announce(message.roomId);
  }

  /** The user's own read marker moved on another device; `lastSeq` is the highest seq known for the room. */
  readElsewhere(roomId: string, seq: number, lastSeq: number): void {
    const room = this.rooms.get(roomId);
    if (!room || seq <= room.readSeq) return;
    room.readSeq = seq;
    const highest = Math.max(lastSeq, room.countedThrough, ...room.live);
    if (seq >= highest) {
      this.set(roomId, { base: 0, countedThrough: Math.max(seq, room.countedThrough), readSeq: seq });
      return;
    }
    // Part of the way: drop what this client counted up to there; the server tells the rest.
    for (const counted of room.live) if (counted <= seq) room.live.delete(counted);
    this.refresh(roomId, seq);
  }

  forget(roomId: string): void {
    if (this.rooms.delete(roomId)) this.onChange({ roomId, unreadCount: 0, unreadTotal: this.total });
  }

  /** Rooms no longer listed (left on another device while away). */
  keepOnly(roomIds: ReadonlySet<string>): void {
    for (const roomId of [...this.rooms.keys()]) if (!roomIds.has(roomId)) this.forget(roomId);
  }

  private set(roomId: string, state: Omit<RoomUnread, 'live'>, announce = true): void {
    const before = this.rooms.has(roomId) ? this.count(roomId) : undefined;
    const previous = this.rooms.get(roomId);
    // Messages heard past the new count's end still count.
    const live = new Set(
      [...(previous?.live ?? [])].filter((seq) => seq > state.countedThrough && seq > state.readSeq),
    );
    this.rooms.set(roomId, { ...state, live });
    if (announce && before !== this.count(roomId)) this.announce(roomId);
  }

  private announce(roomId: string): void {
    this.onChange({ roomId, unreadCount: this.count(roomId), unreadTotal: this.total });
  }
}
