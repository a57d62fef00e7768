// Message history, the room's message counter and the de-duplication of retried sends.
import type { Message } from '../../protocol/index.js';
import type { MemberRecord } from './rooms.js';
import type { TypingRecord } from './typing.js';

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit: number;
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
}

export interface MessageStore {
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
  /**
   * Unread messages of `userId`: the ordinary messages (no changeOf) from others with a seq after `afterSeq` (the
   * read marker) and, when given, at most `throughSeq`; at most `cap`. Bounded: it reads the stored items of that
   * range oldest first, at most UNREAD_SCAN_FACTOR × cap of them (the user's own messages and change events are
   * read but not counted), so a range crowded with those counts only among its first items.
   */
  countUnread(roomId: string, userId: string, afterSeq: number, cap: number, throughSeq?: number): Promise<number>;
}

/** countUnread reads at most this many times `cap` items of a room's history. */
export const UNREAD_SCAN_FACTOR = 10;
