// Records (epoch milliseconds, store shapes) to the protocol's objects and frames (ISO 8601, wire shapes).
// Frames are always built as objects and serialised with JSON.stringify: content travels byte for byte, whatever
// quotes, backslashes or markup it holds.
import type { Room, ServerFrame, TypingEntry, TypingEvent, User } from '../protocol/index.js';
import type { ProfileRecord, RoomRecord, TypingRecord, UnreadCount } from './ports.js';

/** ISO 8601 in UTC with milliseconds, as the protocol promises for every time. */
export function toIsoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/**
 * With `unread`, the room as the room list shows it (hello, listRooms, roomJoined): unreadCount and how far it was
 * counted (unreadThroughSeq); `muted`: the calling user muted the room's pushes (their membership's pushMuted).
 */
export function toRoom(room: RoomRecord, lastReadSeq?: number, unread?: UnreadCount, muted?: boolean): Room {
  const wire: Room = {
    roomId: room.roomId,
    name: room.name,
    kind: room.kind,
    createdBy: room.createdBy,
    createdAt: toIsoTime(room.createdAt),
    lastSeq: room.lastSeq,
  };
  if (lastReadSeq !== undefined) wire.lastReadSeq = lastReadSeq;
  if (muted) wire.muted = true;
  if (unread !== undefined) {
    wire.unreadCount = unread.count;
    wire.unreadThroughSeq = unread.countedThrough;
  }
  return wire;
}

/**
 * With `presence`, the user carries isOnline, and lastSeenAt while offline (an online user's last close says
 * nothing about now).
 */
export function toUser(profile: ProfileRecord, presence?: { isOnline: boolean }): User {
  const user: User = { userId: profile.userId, displayName: profile.displayName };
  if (profile.avatarUrl !== undefined) user.avatarUrl = profile.avatarUrl;
  if (presence) {
    user.isOnline = presence.isOnline;
    if (!presence.isOnline && profile.lastSeenAt !== undefined) user.lastSeenAt = toIsoTime(profile.lastSeenAt);
  }
  return user;
}

export function toTypingEntry(record: TypingRecord): TypingEntry {
  return { userId: record.userId, displayName: record.displayName, expiresAt: toIsoTime(record.expiresAt) };
}

export function serializeFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/** What a typing indicator's end tells its room (an explicit stop, a message, a leave, the user's last close). */
export function typingStoppedEvent(record: TypingRecord): TypingEvent {
  return {
    type: 'typing',
    roomId: record.roomId,
    userId: record.userId,
    displayName: record.displayName,
    isTyping: false,
  };
}
