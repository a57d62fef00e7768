// Server-to-client frames (PROTOCOL.md, "Frames" and the broadcast column of "Actions").
import type { ErrorCode } from './errors.js';
import type { BlockedUser, Message, MessageChange, PushPlatform, Room, TypingEntry, User } from './objects.js';

export interface ErrorFrame {
  type: 'error';
  requestId?: string;
  code: ErrorCode;
  message: string;
}

export interface AckFrame {
  type: 'ack';
  requestId: string;
  action: string;
  [field: string]: unknown;
}

export interface MessageEvent {
  type: 'message';
  roomId: string;
  message: Message;
}
/** An edit, deletion or reaction: its seq is part of the room's sequence, like a message's. */
export interface ChangeEvent {
  type: 'change';
  roomId: string;
  change: MessageChange;
}
export interface TypingEvent {
  type: 'typing';
  roomId: string;
  userId: string;
  displayName: string;
  isTyping: boolean;
  expiresAt?: string;
}
export interface PresenceEvent {
  type: 'presence';
  roomId: string;
  userId: string;
  isOnline: boolean;
  lastSeenAt?: string;
}
/** The number of the room's members online, when it changed (at most one a second per room). */
export interface OccupancyEvent {
  type: 'occupancy';
  roomId: string;
  onlineCount: number;
}
export interface ReadEvent {
  type: 'read';
  roomId: string;
  userId: string;
  seq: number;
}
export interface RoomJoinedEvent {
  type: 'roomJoined';
  room: Room;
}
export interface MemberJoinedEvent {
  type: 'memberJoined';
  roomId: string;
  user: User;
}
export interface MemberLeftEvent {
  type: 'memberLeft';
  roomId: string;
  userId: string;
}

export type ServerEvent =
  | MessageEvent
  | ChangeEvent
  | TypingEvent
  | PresenceEvent
  | OccupancyEvent
  | ReadEvent
  | RoomJoinedEvent
  | MemberJoinedEvent
  | MemberLeftEvent;

export type ServerEventType = ServerEvent['type'];
export type ServerFrame = ErrorFrame | AckFrame | ServerEvent;

/** A room's last stored seq, as `ping` with `roomSeqs: true` reports it for the user's rooms. */
export interface RoomSeq {
  roomId: string;
  lastSeq: number;
}

/** The fields each action's ack carries beside type, requestId and action. */
export interface AckFields {
  /** unreadTotal: the sum of unreadCount over all the user's rooms (not only those listed). */
  hello: { user: User; rooms: Room[]; cursor?: string; serverTime: string; unreadTotal: number };
  ping: { serverTime: string; roomSeqs?: RoomSeq[]; cursor?: string };
  updateProfile: { user: User };
  createRoom: { room: Room };
  openDirect: { room: Room };
  addMembers: { room: Room };
  leaveRoom: Record<string, never>;
  listRooms: { rooms: Room[]; cursor?: string };
  listMembers: { members: User[]; cursor?: string };
  subscribe: { roomId: string };
  unsubscribe: { roomId: string };
  sendMessage: { message: Message };
  /** `change` is absent when the message was in that state already (a repeated request changes nothing). */
  editMessage: { message: Message; change?: MessageChange };
  deleteMessage: { message: Message; change?: MessageChange };
  react: { message: Message; change?: MessageChange };
  /**
   * `changes`: with `after`, the changes stored in the page's range of seqs (empty otherwise). hiddenSeqs: the seqs
   * of the page's window left out for this reader (PROTOCOL.md, "getHistory").
   */
  getHistory: { messages: Message[]; changes: MessageChange[]; hasMore: boolean; hiddenSeqs?: number[] };
  typing: Record<string, never>;
  getPresence: { online: User[]; typing: TypingEntry[]; onlineCount: number; cursor?: string };
  registerDevice: { platform: PushPlatform };
  unregisterDevice: { removed: boolean };
  muteRoom: { roomId: string; muted: boolean };
  /**
   * The room's unreadCount after the call, and unreadThroughSeq: the count covers the messages up to this seq
   * (at most lastSeq, the room's when the request read it); messages after it are not counted yet.
   */
  markRead: { unreadCount: number; unreadThroughSeq: number; lastSeq: number };
  /** PUT the file to uploadUrl with exactly these headers before expiresAt; then send attachmentUrl. */
  createUpload: { uploadUrl: string; headers: Record<string, string>; attachmentUrl: string; expiresAt: string };
  /** A link that reads the attachment until expiresAt. */
  getAttachmentUrl: { url: string; expiresAt: string };
  blockUser: { userId: string; blockedAt: string };
  unblockUser: { userId: string };
  listBlocked: { blocked: BlockedUser[]; cursor?: string };
  reportMessage: { reportId: string };
}
