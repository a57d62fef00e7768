// Unread counts: the ordinary messages from others after a member's read marker, capped at LIMITS.unreadCountMax
// ("that many or more"). Every count goes through messages.countUnread, so the room list, hello's total and a push
// badge agree. A room whose lastSeq is not past the marker is 0 without any read: in a typical room list most are.
import { LIMITS } from '../protocol/limits.js';
import { mapWithConcurrency } from './paging.js';
import type { ChatStores, MemberRecord, MessageStore, RoomRecord, UnreadCount } from './ports.js';

/** Rooms counted at once: a user in many rooms with news in each reads them a few at a time. */
const COUNT_CONCURRENCY = 16;
const MEMBERSHIPS_PAGE = 100;

/**
 * The member's unread count in the room, counted up to the room's lastSeq as read (the Room object's lastSeq) at
 * most, and how far it got: a send that took its seq but has not stored its message yet is left to its broadcast.
 */
export function unreadCountOf(
  messages: MessageStore,
  room: Pick<RoomRecord, 'roomId' | 'lastSeq'>,
  member: Pick<MemberRecord, 'userId' | 'lastReadSeq'>,
): Promise<UnreadCount> {
  if (room.lastSeq <= member.lastReadSeq) return Promise.resolve({ count: 0, countedThrough: room.lastSeq });
  return messages.countUnread(room.roomId, member.userId, member.lastReadSeq, LIMITS.unreadCountMax, room.lastSeq);
}

const NOTHING_UNREAD: UnreadCount = { count: 0, countedThrough: 0 };

/** Unread counts of memberships whose rooms are in `rooms` (a membership whose room is missing counts 0). */
export async function unreadCountsOf(
  messages: MessageStore,
  memberships: readonly MemberRecord[],
  rooms: Map<string, RoomRecord>,
): Promise<Map<string, UnreadCount>> {
  const counts = await mapWithConcurrency(memberships, COUNT_CONCURRENCY, (membership) => {
    const room = rooms.get(membership.roomId);
    return room ? unreadCountOf(messages, room, membership) : Promise.resolve(NOTHING_UNREAD);
  });
  return new Map(memberships.map((membership, index) => [membership.roomId, counts[index]!]));
}

export const sumOf = (counts: Iterable<UnreadCount>): number =>
  [...counts].reduce((sum, unread) => sum + unread.count, 0);

/**
 * The user's total: the sum of unreadCount over all their rooms (each capped, so a total with a capped room is
 * "that many or more"), from `cursor` on (a caller that counted the first page of memberships passes its cursor).
 * One membership query and one batch read per 100 rooms, and one count query per room with news.
 */
export async function unreadTotalOf(
  stores: Pick<ChatStores, 'rooms' | 'messages'>,
  userId: string,
  cursor?: string,
): Promise<number> {
  let total = 0;
  let next = cursor;
  do {
    const page = await stores.rooms.listMemberships(userId, { cursor: next, limit: MEMBERSHIPS_PAGE });
    if (page.items.length > 0) {
      const rooms = await stores.rooms.getRooms(page.items.map((membership) => membership.roomId));
      total += sumOf((await unreadCountsOf(stores.messages, page.items, rooms)).values());
    }
    next = page.cursor;
  } while (next !== undefined);
  return total;
}
