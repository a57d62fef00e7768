// hello, ping and listRooms: what a client asks for when it (re)connects.
import { LIMITS, type Room } from '../../protocol/index.js';
import type { ActionHandler, RuntimeWith } from '../context.js';
import { loadProfile, requestingConnection } from '../room-access.js';
import { toIsoTime, toRoom, toUser } from '../wire-format.js';

/** One page of the user's rooms, each with the user's own read marker. */
async function roomsPage(
  runtime: RuntimeWith<'rooms'>,
  userId: string,
  cursor: string | undefined,
): Promise<{ rooms: Room[]; cursor?: string }> {
  const page = await runtime.stores.rooms.listMemberships(userId, { cursor, limit: LIMITS.helloRoomsMax });
  const records = page.items.length > 0 ? await runtime.stores.rooms.getRooms(page.items.map((m) => m.roomId)) : new Map();
  const rooms = page.items.flatMap((membership) => {
    const room = records.get(membership.roomId);
    return room ? [toRoom(room, membership.lastReadSeq)] : [];
  });
  return page.cursor === undefined ? { rooms } : { rooms, cursor: page.cursor };
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

export const ping: ActionHandler<'ping', never> = async (_runtime, request) => ({
  ack: { serverTime: toIsoTime(request.now) },
});

export const listRooms: ActionHandler<'listRooms', 'rooms'> = async (runtime, request, input) => ({
  ack: await roomsPage(runtime, request.userId, input.cursor),
});
