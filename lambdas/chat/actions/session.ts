// hello, ping and listRooms: what a client asks for when it (re)connects.
import { LIMITS, type Room } from '../../protocol/index.js';
import type { ActionHandler, RuntimeWith } from '../context.js';
import { fitPage, ListBudget } from '../frame-budget.js';
import { checkedHeartbeat } from '../heartbeat.js';
import type { RoomRecord } from '../ports.js';
import { loadProfile, requestingConnection } from '../room-access.js';
import { sumOf, unreadCountsOf, unreadTotalOf } from '../unread.js';
import { toIsoTime, toRoom, toUser } from '../wire-format.js';

interface RoomsPage {
  rooms: Room[];
  cursor?: string;
  /** The sum of the unread counts of every room of the store's page (listed or not), and where that page ends. */
  unreadOfPage: number;
  pageCursor?: string;
}

/** One page of the user's rooms, each with the user's own read marker and, unless asked not to, unread count. */
async function roomsPage(
  runtime: RuntimeWith<'rooms' | 'messages'>,
  userId: string,
  cursor: string | undefined,
  withUnread = true,
): Promise<RoomsPage> {
  const page = await runtime.stores.rooms.listMemberships(userId, { cursor, limit: LIMITS.helloRoomsMax });
  const records: Map<string, RoomRecord> =
    page.items.length > 0 ? await runtime.stores.rooms.getRooms(page.items.map((m) => m.roomId)) : new Map();
  const unread = withUnread ? await unreadCountsOf(runtime.stores.messages, page.items, records) : new Map();
  const fitted = fitPage(
    page,
    (membership) => {
      const room = records.get(membership.roomId);
      return room && toRoom(room, membership.lastReadSeq, unread.get(membership.roomId), membership.pushMuted);
    },
    new ListBudget(LIMITS.answerListMaxBytes),
  );
  const listed = fitted.cursor === undefined ? { rooms: fitted.items } : { rooms: fitted.items, cursor: fitted.cursor };
  return { ...listed, unreadOfPage: sumOf(unread.values()), pageCursor: page.cursor };
}

export const hello: ActionHandler<'hello', 'profiles' | 'rooms' | 'messages' | 'connections'> = async (
  runtime,
  request,
  input,
) => {
  // Checked before anything is written: a refused hello changes nothing.
  const heartbeatMs = checkedHeartbeat(input.heartbeatMs, runtime.config.heartbeat);
  // hello is a client's first frame: a connection a racing broadcast took for gone while it was connecting is
  // restored here, before the rooms' lastSeq is read, so whatever it missed lies within what this ack reports.
  await runtime.connections.restore(requestingConnection(runtime, request));
  // Written only when declared, so a hello without one costs no write; a later declaration replaces an earlier one.
  if (heartbeatMs !== undefined) await runtime.stores.connections.setHeartbeat(request.connectionId, heartbeatMs);
  const [profile, page] = await Promise.all([
    loadProfile(runtime.stores.profiles, request.userId),
    roomsPage(runtime, request.userId, undefined),
  ]);
  // The total covers every room: past the first page (over 100 rooms) the rest are counted too.
  const unreadTotal =
    page.unreadOfPage +
    (page.pageCursor === undefined ? 0 : await unreadTotalOf(runtime.stores, request.userId, page.pageCursor));
  const { rooms, cursor } = page;
  return {
    ack: {
      user: toUser(profile, { isOnline: true }),
      rooms,
      ...(cursor !== undefined && { cursor }),
      serverTime: toIsoTime(request.now),
      unreadTotal,
    },
  };
};

// With roomSeqs: true a ping is also a tail check, so a client notices a lost last message that no later message
// reveals: the lastSeq of one page of the user's own rooms (hello's reads: one membership query and one batch read
// of at most 100 rooms; room ids are at most 67 characters, so a page is under 10 KB).
export const ping: ActionHandler<'ping', 'rooms' | 'messages'> = async (runtime, request, input) => {
  const serverTime = toIsoTime(request.now);
  if (!input.roomSeqs) return { ack: { serverTime } };
  // A tail check reads no unread counts: it runs every minute and needs lastSeq only.
  const { rooms, cursor } = await roomsPage(runtime, request.userId, input.cursor, false);
  const roomSeqs = rooms.map(({ roomId, lastSeq }) => ({ roomId, lastSeq }));
  return { ack: cursor === undefined ? { serverTime, roomSeqs } : { serverTime, roomSeqs, cursor } };
};

export const listRooms: ActionHandler<'listRooms', 'rooms' | 'messages'> = async (runtime, request, input) => {
  const { rooms, cursor } = await roomsPage(runtime, request.userId, input.cursor);
  return { ack: cursor === undefined ? { rooms } : { rooms, cursor } };
};
