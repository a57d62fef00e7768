import type {
  AckFields,
  MemberJoinedEvent,
  MemberLeftEvent,
  MessageEvent,
  OccupancyEvent,
  PresenceEvent,
  ReadEvent,
  RoomJoinedEvent,
  TypingEvent,
} from '../../lambdas/protocol/frames.js';
import type { Message, MessageChange, MessageType, PushPlatform, Room, User } from '../../lambdas/protocol/objects.js';
export type { RoomSeq } from '../../lambdas/protocol/frames.js';
import type { BackoffOptions } from './backoff.js';
import type { ChatError } from './chat-error.js';
import type { UnreadChange } from './unread.js';
export type { UnreadChange } from './unread.js';

/** Every client action; the names of PROTOCOL.md's "Actions" table. */
export type ActionName = keyof AckFields;

/**
 * The fields each action takes (PROTOCOL.md, "Actions"), as plain types: the server's zod schemas stay out of the
 * SDK. A type test keeps the two in step.
 */
export interface ActionFields {
  hello: { heartbeatMs?: number };
  ping: { roomSeqs?: boolean; cursor?: string };
  updateProfile: { displayName?: string; avatarUrl?: string | null };
  createRoom: { name: string; memberIds?: string[] };
  openDirect: { userId: string };
  addMembers: { roomId: string; userIds: string[] };
  leaveRoom: { roomId: string };
  listRooms: { cursor?: string };
  listMembers: { roomId: string; cursor?: string };
  subscribe: { roomId: string };
  unsubscribe: { roomId: string };
  sendMessage: {
    roomId: string;
    clientMessageId: string;
    content: string;
    messageType?: MessageType;
    attachmentUrl?: string;
    replyTo?: number;
  };
  editMessage: { roomId: string; seq: number; content: string };
  deleteMessage: { roomId: string; seq: number };
  react: { roomId: string; seq: number; emoji: string; on: boolean };
  getHistory: { roomId: string; before?: number; after?: number; limit?: number };
  typing: { roomId: string; isTyping: boolean };
  getPresence: { roomId: string };
  markRead: { roomId: string; seq: number };
  registerDevice: { platform: PushPlatform; token: string };
  unregisterDevice: { token: string };
  muteRoom: { roomId: string; muted: boolean };
  createUpload: { roomId: string; contentType: string; size: number; fileName?: string };
  getAttachmentUrl: { roomId: string; attachmentUrl: string };
  blockUser: { userId: string };
  unblockUser: { userId: string };
  listBlocked: { cursor?: string };
  reportMessage: { roomId: string; seq: number; reason: string };
}

/** The ack of an action: its fields beside type, requestId and action. */
export type Ack<A extends ActionName> = AckFields[A] & { type: 'ack'; requestId: string; action: A };

/**
 * What the SDK needs of a WebSocket: the browser's and React Native's global WebSocket and the `ws` package's class
 * all fit. Handlers are typed loosely because each implementation has its own event classes.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /* eslint-disable @typescript-eslint/no-explicit-any */
  onopen: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface ChatClientOptions {
  /** The WebSocket endpoint: wss://<api>.execute-api.<region>.amazonaws.com/<stage>, or ws://127.0.0.1:8080 locally. */
  url: string;
  /** Called before every connection attempt; returns a current ID token (refresh it here). */
  getToken: () => string | Promise<string>;
  /** The WebSocket class; defaults to the global one (browsers, React Native). Pass `ws`'s class in Node. */
  WebSocket?: WebSocketConstructor;
  /**
   * How often to send the `ping` action in the background; the gateway closes connections idle for 10 minutes.
   * Each ping is also a tail check (the lastSeq of every room). Default 4.5 minutes.
   */
  pingIntervalMs?: number;
  /** The same while the app is in the foreground, where a lost last message should show up soon. Default 60 s. */
  foregroundPingIntervalMs?: number;
  /**
   * Whether hello declares a heartbeat (PROTOCOL.md, hello's `heartbeatMs`): the longer of the two ping intervals,
   * at least 30 s (none when it is over 9 minutes). The client keeps it: it never stays silent longer while open.
   * The server then takes a connection silent for that long and a minute for gone (a phone that lost its network),
   * so by default its user is shown offline within about 7 minutes instead of 10 or more. Default true.
   */
  declareHeartbeat?: boolean;
  /**
   * Whether the app starts in the foreground (a user looking at it): quicker retries and tail checks. Report changes
   * with `setForeground`. Default true.
   */
  foreground?: boolean;
  /** Reconnect proactively after this long; the gateway cuts connections at 2 hours. Default 1 h 55 min. */
  maxConnectionMs?: number;
  /**
   * Jittered exponential backoff between connection attempts, reset by every connection that says hello. Defaults:
   * 500 ms first, at most 5 s in the foreground and 30 s in the background.
   */
  reconnectDelay?: BackoffOptions;
  /** A request without an answer after this long fails with TIMEOUT and the connection is replaced. Default 20 s. */
  requestTimeoutMs?: number;
  /** A connection attempt that has not opened after this long is abandoned and retried. Default 15 s. */
  connectTimeoutMs?: number;
  /**
   * How long a gap in a room's seq is waited for (a send stored a moment late) before the messages after it are
   * emitted anyway. Default 2 s.
   */
  gapWaitMs?: number;
  /** Typing helper: resend `isTyping: true` at most this often while typing, default 3 s ... */
  typingResendMs?: number;
  /** ... and send `isTyping: false` after this long without a keystroke, default 3 s. */
  typingIdleMs?: number;
  /**
   * Where each room's message stream resumes (roomId → last seq seen), e.g. saved from `lastSeqs()` before the app
   * was closed. Rooms not listed start at their current lastSeq: older messages are read with getHistory.
   */
  lastSeqs?: Record<string, number>;
  /**
   * Watch mode (client/README.md, "Watch mode"): every socket asks the server to deliver only the rooms the app
   * watches (`watchRoom`), up to 100 at once; the others are known from hello's unread counts and lastSeq, tail
   * checks and push. For users in many rooms who reconnect often. Default false: every room is heard.
   */
  watchMode?: boolean;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  previous: ConnectionState;
  /** When reconnecting: the wait before the next attempt. */
  delayMs?: number;
}

export interface TypingChange {
  roomId: string;
  userId: string;
  displayName: string;
  isTyping: boolean;
}

export interface TypingUser {
  userId: string;
  displayName: string;
  /** Local epoch ms at which the indicator lapses unless renewed. */
  expiresAt: number;
}

export interface PresenceChange {
  roomId: string;
  userId: string;
  isOnline: boolean;
  lastSeenAt?: string;
  /** Who is online in the room now. */
  online: User[];
}

/** A message waiting in the outbox for its ack. */
export interface PendingMessage {
  roomId: string;
  clientMessageId: string;
  content: string;
  messageType?: MessageType;
  attachmentUrl?: string;
  replyTo?: number;
}

export interface SendMessageOptions {
  /** Reuse an id to resend a message saved before a restart; default a fresh UUID. */
  clientMessageId?: string;
  messageType?: MessageType;
  attachmentUrl?: string;
  /** The seq of the message this one answers. */
  replyTo?: number;
}

/** An edit, deletion or reaction, in seq order with the room's messages. */
export interface MessageChanged {
  roomId: string;
  change: MessageChange;
  /** The changed message as it is now, when the client emitted it (among the newest 1,000 of its room). */
  message?: Message;
}

export interface ChatClientEvents {
  /** Each message once, in seq order per room: live, caught up after a reconnect, and this client's own sends. */
  message: MessageEvent;
  /** Each edit, deletion and reaction once, in seq order with the messages: live, caught up, and this client's own. */
  messageChanged: MessageChanged;
  typing: TypingEvent;
  presence: PresenceEvent;
  /** The number of a room's members online changed (at most one a second per room; getPresence has it too). */
  occupancy: OccupancyEvent;
  read: ReadEvent;
  roomJoined: RoomJoinedEvent;
  memberJoined: MemberJoinedEvent;
  memberLeft: MemberLeftEvent;
  state: StateChange;
  /** A user started or stopped typing; "stopped" also fires when the indicator lapses without `isTyping: false`. */
  typingChanged: TypingChange;
  /** Presence changed in a watched room (see `presence.watch`). */
  presenceChanged: PresenceChange;
  /** The list of the user's rooms changed (hello, a room created, joined or left). */
  roomsChanged: Room[];
  /** A room's unread count changed (and with it the total); see `unreadCount(roomId)` and `unreadTotal`. */
  unreadChanged: UnreadChange;
  /** Errors not tied to a call the app made: a failed connection attempt, a listener that threw, an unsolicited error frame. */
  error: ChatError | Error;
}
