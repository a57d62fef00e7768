// Server-to-client frames (PROTOCOL.md, "Frames" and the broadcast column of "Actions").
import type { ErrorCode } from './errors.js';
import type { Message, Room, TypingEntry, User } from './objects.js';

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
  hello: { user: User; rooms: Room[]; cursor?: string; serverTime: string };
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
  getHistory: { messages: Message[]; hasMore: boolean };
  typing: Record<string, never>;
  getPresence: { online: User[]; typing: TypingEntry[]; onlineCount: number; cursor?: string };
  markRead: Record<string, never>;
}
