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
  /**
   * With unreadCount: the count covers the messages up to this seq; messages after it are not counted yet (a seq
   * taken by a send still under way when the count was read). Absent from older servers: lastSeq then.
   */
  unreadThroughSeq?: number;
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
  /** The seq of the message this one replies to (no copy of its content: a deletion or edit reaches it). */
  replyTo?: number;
  /** When the content was last edited. */
  editedAt?: string;
  /** Deleted: `content` is the empty string (the content is gone from storage) and `attachmentUrl` absent. */
  deleted?: true;
  /** Reactions as they are now, most given first (absent while there are none). */
  reactions?: MessageReaction[];
  /** Counts the changes made to `reactions`; a change event's `reactions` is newer when its version is higher. */
  reactionsVersion?: number;
}

export interface ReactionCount {
  emoji: string;
  count: number;
}

export interface MessageReaction extends ReactionCount {
  /** Whether the user reading it has given this reaction (in acks and history; messages broadcast have none yet). */
  reactedByMe: boolean;
}

export type ChangeKind = 'edit' | 'delete' | 'reaction';

/**
 * A change to a message, stored in the room's sequence under its own seq (PROTOCOL.md, "Changes"): catching up
 * with getHistory `after` reads the changes missed, in order, like the messages.
 */
export interface MessageChange {
  roomId: string;
  seq: number;
  /** The seq of the message it changes. */
  changeOf: number;
  kind: ChangeKind;
  /** Who made it: the editor, the deleter, the reactor. */
  userId: string;
  createdAt: string;
  /** edit: the new content (absent once the message was deleted: the deletion removes it). */
  content?: string;
  /** reaction: the emoji, and whether it was given (true) or taken back (false). */
  emoji?: string;
  on?: boolean;
  /** reaction: every count of the message right after this change, and the message's reactionsVersion then. */
  reactions?: ReactionCount[];
  reactionsVersion?: number;
}

export interface TypingEntry {
  userId: string;
  displayName: string;
  expiresAt: string;
}

/** A user the caller blocked (listBlocked). */
export interface BlockedUser {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  blockedAt: string;
}
