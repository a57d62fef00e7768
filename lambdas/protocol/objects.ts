// The objects that travel on the wire (PROTOCOL.md, "Objects"). Times are ISO 8601 strings in UTC.

export interface User {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  isOnline?: boolean;
  lastSeenAt?: string;
}

export type RoomKind = 'group' | 'direct';

export interface Room {
  roomId: string;
  name: string;
  kind: RoomKind;
  createdBy: string;
  createdAt: string;
  lastSeq: number;
  /** The calling user's own read marker. */
  lastReadSeq?: number;
  /** Present (true) when the calling user muted the room's push notifications (muteRoom). */
  muted?: boolean;
  /**
   * Ordinary messages from others after lastReadSeq, up to lastSeq; at most LIMITS.unreadCountMax, which means
   * "that many or more". In hello, listRooms and roomJoined.
   */
  unreadCount?: number;
}

export type MessageType = 'text' | 'image' | 'file';

/** The push services a device registers with: APNs (production or sandbox) and Firebase Cloud Messaging. */
export type PushPlatform = 'apns' | 'apns_sandbox' | 'fcm';

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  senderId: string;
  senderName: string;
  senderAvatar?: string;
  content: string;
  messageType: MessageType;
  attachmentUrl?: string;
  clientMessageId: string;
  createdAt: string;
  /**
   * Present only on change events (an edit, a deletion, a reaction), stored in the room's seq like messages: the
   * seq of the message they change. Ordinary messages never carry it, and nothing that counts messages counts them.
   */
  changeOf?: number;
}

export interface TypingEntry {
  userId: string;
  displayName: string;
  expiresAt: string;
}
