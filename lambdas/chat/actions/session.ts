// hello, ping and listRooms: what a client asks for when it (re)connects.
import { LIMITS, type Room } from '../../protocol/index.js';
import type { ActionHandler, ChatRuntime } from '../context.js';
import { fitPage, ListBudget } from '../frame-budget.js';
import type { RoomRecord } from '../ports.js';
import { loadProfile, requestingConnection } from '../room-access.js';
import { toIsoTime, toRoom, toUser } from '../wire-format.js';

/** One page of the user's rooms, each with the user's own read marker. */
async function roomsPage(
  runtime: ChatRuntime,
  userId: string,
  cursor: string | undefined,
): Promise<{ rooms: Room[]; cursor?: string }> {
  const page = await runtime.store.listMemberships(userId, { cursor, limit: LIMITS.helloRoomsMax });
  const records: Map<string, RoomRecord> =
    page.items.length > 0 ? await runtime.store.getRooms(page.items.map((m) => m.roomId)) : new Map();
  const fitted = fitPage(
    page,
    (membership) => {
      const room = records.get(membership.roomId);
      return room && toRoom(room, membership.lastReadSeq);
    },
    new ListBudget(LIMITS.answerListMaxBytes),
  );
  return fitted.cursor === undefined ? { rooms: fitted.items } : { rooms: fitted.items, cursor: fitted.cursor };
}

export const hello: ActionHandler<'hello'> = async (runtime, request) => {
  // hello is a client's first frame: a connection a racing broadcast took for gone while it was connecting is
  // restored here, before the rooms' lastSeq is read, so whatever it missed lies within what this ack reports.
  await runtime.connections.restore(requestingConnection(runtime, request));
  const [profile, page] = await Promise.all([
    loadProfile(runtime.store, request.userId),
    roomsPage(runtime, request.userId, undefined),
  ]);
  return { ack: { user: toUser(profile, { isOnline: true }), ...page, serverTime: toIsoTime(request.now) } };
};

export const ping: ActionHandler<'ping'> = async (_runtime, request) => ({
  ack: { serverTime: toIsoTime(request.now) },
});

export const listRooms: ActionHandler<'listRooms'> = async (runtime, request, input) => ({
  ack: await roomsPage(runtime, request.userId, input.cursor),
});
