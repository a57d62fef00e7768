// createRoom and openDirect: rooms coming into being. Members' open connections are subscribed before the ack,
// so whatever is said in the room after the creator hears "done" reaches them.
import { createHash, randomUUID } from 'node:crypto';
import type { RoomJoinedEvent } from '../../protocol/index.js';
import { requireNotBlockedBy } from '../blocking.js';
import type { ActionHandler } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { unique } from '../paging.js';
import type { ConnectionRecord, MemberRecord, RoomRecord } from '../ports.js';
import {
  liveConnectionsOf,
  profileOrPlaceholder,
  requestingConnection,
  requireProfiles,
  subscribeConnections,
  undoJoins,
} from '../room-access.js';
import { countMembersMoving } from '../occupancy.js';
import { unreadCountOf } from '../unread.js';
import { toRoom } from '../wire-format.js';

/**
 * The same id for the same two users whichever of them asks: a hash of the sorted pair. JSON.stringify keeps the
 * two ids apart unambiguously (ids may contain any printable character, so no plain separator would).
 */
export function directRoomId(userA: string, userB: string): string {
  const pair = [userA, userB].sort();
  return `dm_${createHash('sha256').update(JSON.stringify(pair)).digest('hex')}`;
}

const memberOf = (roomId: string, userId: string, joinedAt: number, lastReadSeq: number): MemberRecord => ({
  roomId,
  userId,
  joinedAt,
  lastReadSeq,
});

type RoomStores = 'profiles' | 'connections' | 'rooms' | 'subscriptions' | 'blocks' | 'presence' | 'occupancy';

export const createRoom: ActionHandler<'createRoom', RoomStores> = async (runtime, request, input) => {
  const { userId: creator, now } = request;
  const { rooms, subscriptions } = runtime.stores;
  const invited = unique(input.memberIds ?? []).filter((userId) => userId !== creator);
  // All or nothing: an unknown id fails the request before anything is written.
  await requireProfiles(runtime.stores.profiles, invited, 'memberIds');
  await requireNotBlockedBy(runtime.stores.blocks, creator, invited, 'memberIds');
  const room: RoomRecord = {
    roomId: randomUUID(),
    name: input.name,
    kind: 'group',
    createdBy: creator,
    createdAt: now,
    lastSeq: 0,
  };
  const memberIds = [creator, ...invited];
  const connections = await liveConnectionsOf(
    runtime.stores.connections,
    memberIds,
    now,
    requestingConnection(runtime, request),
  );
  // Subscriptions first, the room last: once the room is written nothing is left to fail, so a client told INTERNAL
  // has no room (a retry cannot make a second one), and one told "created" has every member's connections hearing
  // it. Nobody knows the room's random id before the ack, so the early subscriptions hear nothing meanwhile.
  try {
    await subscribeConnections(subscriptions, room.roomId, connections);
    await rooms.createRoom(
      room,
      memberIds.map((userId) => memberOf(room.roomId, userId, now, 0)),
    );
  } catch (error) {
    await subscriptions
      .deleteSubscriptions(connections.map(({ connectionId }) => ({ roomId: room.roomId, connectionId })))
      .catch(() => undefined);
    throw error;
  }
  const wireRoom = toRoom(room, 0);
  const event: RoomJoinedEvent = { type: 'roomJoined', room: toRoom(room, 0, { count: 0, countedThrough: 0 }) };
  return {
    ack: { room: wireRoom },
    after: async () => {
      // Nobody hears the first count (nobody knew the room): getPresence reads it.
      await countMembersMoving(runtime.stores, runtime.logger, {
        roomId: room.roomId,
        userIds: memberIds,
        joined: true,
        now,
      });
      // Every connection of each added member, and the creator's other connections.
      await runtime.fanOut.toRecipients(
        connections.filter((c) => c.connectionId !== request.connectionId),
        event,
      );
    },
  };
};

export const openDirect: ActionHandler<'openDirect', RoomStores | 'messages'> = async (runtime, request, input) => {
  const { userId: self, now } = request;
  const other = input.userId;
  if (other === self) throw badRequest('userId: cannot open a direct room with yourself');
  const { rooms } = runtime.stores;
  const profiles = await runtime.stores.profiles.getProfiles([self, other]);
  if (!profiles.has(other)) throw notFound(`userId: no user ${JSON.stringify(other)} has ever connected`);
  // Refused whether or not the room exists already: a blocked user cannot reach the blocker this way.
  await requireNotBlockedBy(runtime.stores.blocks, self, [other], 'userId');

  const roomId = directRoomId(self, other);
  // Clients show the other person's name; the stored name serves anything that shows one name for both.
  const pair = [self, other].sort();
  const name = pair.map((userId) => profileOrPlaceholder(profiles, userId).displayName).join(' & ');
  const members = pair.map((userId) => memberOf(roomId, userId, now, 0));
  let connections: ConnectionRecord[] = [];
  let stored: { room: RoomRecord; added: string[] };
  let lastReadSeq = 0;
  try {
    stored = await rooms.ensureRoom(
      { roomId, name, kind: 'direct', createdBy: self, createdAt: now, lastSeq: 0 },
      members,
    );
    if (stored.added.length > 0) {
      connections = await liveConnectionsOf(
        runtime.stores.connections,
        stored.added,
        now,
        requestingConnection(runtime, request),
      );
      await subscribeConnections(runtime.stores.subscriptions, roomId, connections);
    }
    if (!stored.added.includes(self)) {
      lastReadSeq = (await rooms.getRoomAndMember(roomId, self)).member?.lastReadSeq ?? 0;
    }
  } catch (error) {
    // The room itself may stay without members: its id is the pair's, so the next openDirect completes it.
    await undoJoins(runtime.stores, roomId, pair, now, connections);
    throw error;
  }
  const { room } = stored;
  // Only users whose membership this call added hear roomJoined (the other user the first time, the requester's
  // other devices when the requester was added); their read markers are new, hence 0, and a room that existed
  // (one of them left it) brings its messages from the other as unread: each user gets their own count.
  const recipients = connections.filter((c) => c.connectionId !== request.connectionId);
  const tellJoined = async () => {
    for (const userId of unique(recipients.map((c) => c.userId))) {
      // A count that cannot be read leaves the field out rather than the event: the next hello has it.
      const unread = await unreadCountOf(runtime.stores.messages, room, { userId, lastReadSeq: 0 }).catch(
        () => undefined,
      );
      const event: RoomJoinedEvent = { type: 'roomJoined', room: toRoom(room, 0, unread) };
      await runtime.fanOut.toRecipients(
        recipients.filter((c) => c.userId === userId),
        event,
      );
    }
  };
  return {
    ack: { room: toRoom(room, lastReadSeq) },
    after:
      stored.added.length > 0
        ? async () => {
            const occupancy = await countMembersMoving(runtime.stores, runtime.logger, {
              roomId,
              userIds: stored.added,
              joined: true,
              now,
            });
            if (occupancy.length > 0) await runtime.fanOut.toRoom(roomId, occupancy, { userIds: stored.added });
            await tellJoined();
          }
        : undefined,
  };
};
