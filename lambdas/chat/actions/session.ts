// hello, ping and listRooms: what a client asks for when it (re)connects.
import { LIMITS, type Room } from '../../protocol/index.js';
import type { ActionHandler, RuntimeWith } from '../context.js';
import { fitPage, ListBudget } from '../frame-budget.js';
import type { RoomRecord } from '../ports.js';
import { loadProfile, requestingConnection } from '../room-access.js';
import { toIsoTime, toRoom, toUser } from '../wire-format.js';

/** One page of the user's rooms, each with the user's own read marker. */
async function roomsPage(
  runtime: RuntimeWith<'rooms'>,
  userId: string,
  cursor: string | undefined,
): Promise<{ rooms: Room[]; cursor?: string }> {
  const page = await runtime.stores.rooms.listMemberships(userId, { cursor, limit: LIMITS.helloRoomsMax });
  const records: Map<string, RoomRecord> =
    page.items.length > 0 ? await runtime.stores.rooms.getRooms(page.items.map((m) => m.roomId)) : new Map();
  const fitted = fitPage(
    page,
    (membership) => {
      const room = records.get(membership.roomId);
      return room && toRoom(room, membership.lastReadSeq, membership.pushMuted);
    },
    new ListBudget(LIMITS.answerListMaxBytes),
  );
  return fitted.cursor === undefined ? { rooms: fitted.items } : { rooms: fitted.items, cursor: fitted.cursor };
}

export const hello: ActionHandler<'hello', 'profiles' | 'rooms'> = async (runtime, request) => {
  // hello is a client's first frame: a connection a racing broadcast took for gone while it was connecting is
  // restored here, before the rooms' lastSeq is read, so whatever it missed lies within what this ack reports.
  await runtime.connections.restore(requestingConnection(runtime, request));
  const [profile, page] = await Promise.all([
    loadProfile(runtime.stores.profiles, request.userId),
    roomsPage(runtime, request.userId, undefined),
  ]);
  return { ack: { user: toUser(profile, { isOnline: true }), ...page, serverTime: toIsoTime(request.now) } };
};

// With roomSeqs: true a ping is also a tail check, so a client notices a lost last message that no later message
// reveals: the lastSeq of one page of the user's own rooms (hello's reads: one membership query and one batch read
// of at most 100 rooms; room ids are at most 67 characters, so a page is under 10 KB).
export const ping: ActionHandler<'ping', 'rooms'> = async (runtime, request, input) => {
  const serverTime = toIsoTime(request.now);
  if (!input.roomSeqs) return { ack: { serverTime } };
  const { rooms, cursor } = await roomsPage(runtime, request.userId, input.cursor);
  const roomSeqs = rooms.map(({ roomId, lastSeq }) => ({ roomId, lastSeq }));
  return { ack: cursor === undefined ? { serverTime, roomSeqs } : { serverTime, roomSeqs, cursor } };
};

export const listRooms: ActionHandler<'listRooms', 'rooms'> = async (runtime, request, input) => ({
  ack: await roomsPage(runtime, request.userId, input.cursor),
});
