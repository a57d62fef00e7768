// Message history, the room's message counter, the de-duplication of retried sends, and the changes made to
// messages (edits, deletions, reactions), which are stored in the same sequence as the messages.
import type { Message, MessageChange, ReactionCount } from '../../protocol/index.js';
import type { MemberRecord, RoomRecord } from './rooms.js';
import type { TypingRecord } from './typing.js';

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
  /** Whose `reactedByMe` the messages carry (false everywhere without one). */
  viewerId?: string;
}

/**
 * One page of history. With `after`, `limit` counts messages and changes together, in seq order (catch-up reads
 * both); without it, messages only, as they are now.
 */
export interface HistoryPage {
  messages: Message[];
  changes: MessageChange[];
  hasMore: boolean;
}

/**
 * What sendMessage needs to know before it writes, read in one round trip: besides the claim it reads the sender's
 * membership and typing indicator, which belong to other stores, because one request is cheaper than three.
 */
export interface SendState {
  member?: MemberRecord;
  /** The message already stored under this (room, sender, clientMessageId), if any. */
  existing?: Message;
  /** As stored, live or not: the caller judges with its own clock. */
  typing?: TypingRecord;
  /** The message under the seq asked for as `replyTo`, if it is one (not a change). */
  replyTarget?: Message;
}

/** What a change to a message needs to know, read in one round trip. */
export interface ChangeState {
  member?: MemberRecord;
  room?: RoomRecord;
  /** The message under that seq as it is now, with the user's `reactedByMe`; undefined when none (or a change). */
  target?: Message;
}

export interface EditRequest {
  roomId: string;
  changeOf: number;
  /** The edit's own seq: of two edits, the one with the greater seq wins. */
  seq: number;
  content: string;
  editedAt: string;
}

/** applied; the message is deleted; a later edit was applied first; the message took its last edit already. */
export type EditOutcome = 'applied' | 'deleted' | 'superseded' | 'tooManyEdits';

export interface ReactionRequest {
  roomId: string;
  changeOf: number;
  /** The change's own seq. */
  seq: number;
  userId: string;
  emoji: string;
  on: boolean;
  /** The message had never had a reaction when it was read: the store can prepare for its first one. */
  firstReaction: boolean;
}

export type ReactionOutcome =
  | { outcome: 'changed'; reactions: ReactionCount[]; reactionsVersion: number }
  /** The user's reaction was in that state already. */
  | { outcome: 'unchanged' }
  /** A new emoji on a message that has LIMITS.reactionsPerMessageMax already. */
  | { outcome: 'full' }
  /** The message was deleted (or is none). */
  | { outcome: 'gone' };

export interface MessageStore {
  getSendState(roomId: string, userId: string, clientMessageId: string, replyTo?: number): Promise<SendState>;
  /** Allocates the room's next seq (strictly increasing; a failed send may leave a gap). */
  nextSeq(roomId: string): Promise<number>;
  /**
   * Records the message under its (room, sender, clientMessageId) unless one is recorded already.
   * Returns undefined when this call recorded it, else the message recorded first.
   */
  claimClientMessageId(message: Message): Promise<Message | undefined>;
  /** Stores the message in the room's history under its seq; false when that seq is taken already. */
  putMessageIfAbsent(message: Message): Promise<boolean>;
  getMessages(roomId: string, query: HistoryQuery): Promise<HistoryPage>;

  /** The membership, the room and the message under `seq` (as `userId` sees its reactions), consistently. */
  getChangeState(roomId: string, seq: number, userId: string): Promise<ChangeState>;
  /** Sets the message's content and editedAt unless it is deleted, a later edit won, or it took its last edit. */
  applyEdit(edit: EditRequest): Promise<EditOutcome>;
  /**
   * Marks the message deleted and removes its content (and attachment) from its item; false when it was deleted
   * already. Copies of the content elsewhere go with removeDeletedContent.
   */
  markDeleted(roomId: string, seq: number): Promise<boolean>;
  /**
   * Removes every other stored copy of a deleted message's content: the de-duplication claim and the content of
   * the edits made to it. Idempotent: a repeated delete runs it again to finish what a failure left.
   */
  removeDeletedContent(roomId: string, seq: number): Promise<void>;
  /** Gives or takes back the user's reaction and counts it on the message: one reaction per user and emoji. */
  setReaction(reaction: ReactionRequest): Promise<ReactionOutcome>;
  /** Stores the change in the room's history under its seq; false when that seq is taken already. */
  putChangeIfAbsent(change: MessageChange): Promise<boolean>;
  /**
   * Unread messages of `userId`: the ordinary messages (no changeOf) from others with a seq after `afterSeq` (the
   * read marker) and, when given, at most `throughSeq`; at most `cap`. Bounded: it reads the stored items of that
   * range oldest first, at most UNREAD_SCAN_FACTOR × cap of them (the user's own messages and change events are
   * read but not counted), so a range crowded with those counts only among its first items.
   */
  countUnread(roomId: string, userId: string, afterSeq: number, cap: number, throughSeq?: number): Promise<UnreadCount>;
}

/** What countUnread counted, and how far: a seq taken but not stored yet (a send under way) is not counted. */
export interface UnreadCount {
  count: number;
  /**
   * The highest seq among the items it read (messages of anyone, change items), or afterSeq when it read none:
   * the count covers the room's history up to here, and messages after it are not counted yet.
   */
  countedThrough: number;
}

/** countUnread reads at most this many times `cap` items of a room's history. */
export const UNREAD_SCAN_FACTOR = 10;
