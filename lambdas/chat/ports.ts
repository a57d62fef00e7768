// The narrow interfaces the chat logic is written against. The DynamoDB store and the management-API notifier
// (lambdas/adapters) implement them on AWS and on the local stack; test/fakes implements them in memory.
// Times here are epoch milliseconds; the wire uses ISO 8601 (see lambdas/protocol).
import type { Message, RoomKind, ServerFrame } from '../protocol/index.js';

export interface ProfileRecord {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  /** When the user's last connection closed. */
  lastSeenAt?: number;
  /** Set once the user chose a display name with updateProfile: token names no longer override it. */
  nameSetByUser: boolean;
}

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  connectedAt: number;
  /** connectedAt + the gateway's maximum connection duration: past it the connection cannot be open. */
  expiresAt: number;
}

export interface RoomRecord {
  roomId: string;
  name: string;
  kind: RoomKind;
  createdBy: string;
  createdAt: number;
  lastSeq: number;
}

export interface MemberRecord {
  roomId: string;
  userId: string;
  joinedAt: number;
  lastReadSeq: number;
}

/** The connection-to-room mapping that fan-out reads. A muted one is kept (for presence) but not sent to. */
export interface SubscriptionRecord {
  roomId: string;
  connectionId: string;
  userId: string;
  expiresAt: number;
  muted: boolean;
}

export interface TypingRecord {
  roomId: string;
  userId: string;
  displayName: string;
  expiresAt: number;
  lastBroadcastAt: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; present when more items follow. */
  cursor?: string;
}

export interface PageRequest {
  cursor?: string;
  limit: number;
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
}

/** What sendMessage needs to know before it writes, read in one round trip. */
export interface SendState {
  member?: MemberRecord;
  /** The message already stored under this (room, sender, clientMessageId), if any. */
  existing?: Message;
  typing?: TypingRecord;
}

/** A cursor the store did not issue (or that is corrupt). The router answers BAD_REQUEST naming `cursor`. */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor: not a cursor this server issued');
    this.name = 'InvalidCursorError';
  }
}

/**
 * Every read filters out records whose expiresAt has passed (DynamoDB TTL deletes late, dynalite never): expiry is
 * logic here, TTL deletion only garbage collection. No method scans; list methods follow one page per call.
 */
export interface ChatStore {
  // Profiles
  /** Creates the profile from the token's name on first sight; refreshes the name unless the user set one. */
  ensureProfile(userId: string, tokenDisplayName: string): Promise<ProfileRecord>;
  getProfiles(userIds: readonly string[]): Promise<Map<string, ProfileRecord>>;
  updateProfile(userId: string, changes: { displayName?: string; avatarUrl?: string | null }): Promise<ProfileRecord>;
  setLastSeen(userId: string, at: number): Promise<void>;

  // Connections
  putConnection(connection: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Removes the connection's own items; true when they were there. */
  deleteConnection(userId: string, connectionId: string): Promise<boolean>;
  /** The user's connections whose expiresAt is after `now`. */
  listConnections(userId: string, now: number): Promise<ConnectionRecord[]>;

  // Rooms and members
  /** All or nothing: the room and its members, or (after a failure) nothing left behind. */
  createRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<void>;
  /**
   * For direct rooms, whose id is derived from the pair: creates the room unless it exists and (re)writes any
   * missing member. Returns the room as stored and the user ids whose membership this call added.
   */
  ensureRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<{ room: RoomRecord; added: string[] }>;
  getRoomAndMember(roomId: string, userId: string): Promise<{ room?: RoomRecord; member?: MemberRecord }>;
  getRooms(roomIds: readonly string[]): Promise<Map<string, RoomRecord>>;
  /** Adds the members not yet in the room; returns the user ids it added. */
  addMembers(roomId: string, members: readonly MemberRecord[]): Promise<string[]>;
  /** True when the user was a member. */
  removeMember(roomId: string, userId: string): Promise<boolean>;
  listMembers(roomId: string, page: PageRequest): Promise<Page<MemberRecord>>;
  /** The user's memberships (the rooms they are in). */
  listMemberships(userId: string, page: PageRequest): Promise<Page<MemberRecord>>;
  /** Moves the read marker forward only; true when it moved. */
  advanceReadMarker(roomId: string, userId: string, seq: number): Promise<boolean>;

  // Subscriptions (the connection-to-room mapping)
  putSubscriptions(subscriptions: readonly SubscriptionRecord[]): Promise<void>;
  deleteSubscriptions(keys: readonly { roomId: string; connectionId: string }[]): Promise<void>;
  /** Live subscriptions of a room, muted ones included; one page per call. */
  listSubscriptions(roomId: string, now: number, page: PageRequest): Promise<Page<SubscriptionRecord>>;

  // Messages
  getSendState(roomId: string, userId: string, clientMessageId: string): Promise<SendState>;
  /** Allocates the room's next seq (strictly increasing; a failed send may leave a gap). */
  nextSeq(roomId: string): Promise<number>;
  /**
   * Records the message under its (room, sender, clientMessageId) unless one is recorded already.
   * Returns undefined when this call recorded it, else the message recorded first.
   */
  claimClientMessageId(message: Message): Promise<Message | undefined>;
  /** Stores the message in the room's history under its seq; false when it was stored already. */
  putMessageIfAbsent(message: Message): Promise<boolean>;
  getMessages(roomId: string, query: HistoryQuery): Promise<{ messages: Message[]; hasMore: boolean }>;

  // Typing
  /**
   * Sets the indicator to expire at `record.expiresAt`. Returns true (and records lastBroadcastAt) when it should
   * be broadcast: it was not live at `now`, or its last broadcast is `rebroadcastAfterMs` or more in the past.
   */
  startTyping(record: TypingRecord, now: number, rebroadcastAfterMs: number): Promise<boolean>;
  /** Removes the indicator; returns it when it was live at `now`. */
  stopTyping(roomId: string, userId: string, now: number): Promise<TypingRecord | undefined>;
  listTyping(roomId: string, now: number): Promise<TypingRecord[]>;
}

export type PostResult = 'delivered' | 'gone';

/** Sends frames to connections through the gateway's management API. */
export interface Notifier {
  /**
   * Posts an already serialised frame. 'gone' when the gateway no longer knows the connection (410).
   * Failures that may pass (throttling, 5xx, timeouts, reset sockets) are retried inside within a bounded budget;
   * when they outlast it, PostRetriesExhaustedError (errors.ts) is thrown. Other failures throw as they are.
   */
  post(connectionId: string, payload: string): Promise<PostResult>;
  /** Closes a connection at the gateway (used for connections that must not stay open). */
  close(connectionId: string): Promise<void>;
}

/** A frame that could not be delivered yet, kept for another try later. */
export interface QueuedFrame {
  connectionId: string;
  userId: string;
  /** The serialised frame, exactly as it would have been posted. */
  payload: string;
}

/** Durable storage for frames whose posts kept failing: redelivered later, apart from the request that sent them. */
export interface FrameQueue {
  /** Queues every frame it can; never throws. `failed` frames are lost (the caller logs and counts them). */
  enqueue(frames: readonly QueuedFrame[]): Promise<{ queued: number; failed: number }>;
}

export interface Clock {
  now(): number;
}

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Counters the handlers publish (CloudWatch metrics on AWS). */
export interface Metrics {
  count(name: MetricName, value?: number): void;
}

export type MetricName =
  | 'ConnectionsOpened'
  | 'ConnectionsClosed'
  | 'MessagesSent'
  | 'Deliveries'
  | 'FanOutFailures'
  | 'GoneConnections'
  | 'ActionErrors'
  /** Frames handed to the redelivery queue after their posts kept failing. */
  | 'FramesQueued'
  /** Queued frames a later try delivered. */
  | 'FramesRedelivered'
  /** Queued frames no try could deliver: the client closes the gap with getHistory. */
  | 'FramesGivenUp';

export type { ServerFrame };
