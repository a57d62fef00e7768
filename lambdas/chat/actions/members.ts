// addMembers, leaveRoom and listMembers: who is in a room.
import { LIMITS, type MemberJoinedEvent, type MemberLeftEvent, type RoomJoinedEvent } from '../../protocol/index.js';
import { requireNotBlockedBy } from '../blocking.js';
import type { ActionHandler } from '../context.js';
import { badRequest } from '../errors.js';
import { fitPage, ListBudget } from '../frame-budget.js';
import { mapWithConcurrency, unique } from '../paging.js';
import type { ConnectionRecord } from '../ports.js';
import { WATCHED_ROOMS_MAX } from '../ports/connections.js';
import {
  liveConnectionsOf,
  profileOrPlaceholder,
  requireMembership,
  requireProfiles,
  subscribeConnections,
  undoJoins,
} from '../room-access.js';
import { countMembersMoving } from '../occupancy.js';
import { toRoom, toUser, typingStoppedEvent } from '../wire-format.js';
import { broadcastTyping } from './typing.js';

const MEMBERS_PAGE = 100;

export const addMembers: ActionHandler<
  'addMembers',
  'profiles' | 'connections' | 'rooms' | 'subscriptions' | 'blocks' | 'presence' | 'occupancy'
> = async (runtime, request, input) => {
  const { profiles: profileStore, connections: connectionStore, rooms, subscriptions } = runtime.stores;
  const { roomId } = input;
  const { room, member } = await requireMembership(rooms, roomId, request.userId);
  if (room.kind === 'direct') throw badRequest('roomId: direct rooms have exactly two members');
  const userIds = unique(input.userIds);
  // All or nothing: an unknown id fails the request before anything is written.
  const profiles = await requireProfiles(profileStore, userIds, 'userIds');
  await requireNotBlockedBy(runtime.stores.blocks, request.userId, userIds, 'userIds');
  // New members start with everything before their arrival read: a join does not bring a backlog of "unread".
  const joinedAt = request.now;
  let added: string[] = [];
  let connections: ConnectionRecord[] = [];
  try {
    added = await rooms.addMembers(
      roomId,
      userIds.map((userId) => ({ roomId, userId, joinedAt, lastReadSeq: room.lastSeq })),
    );
    if (added.length > 0) {
      connections = await liveConnectionsOf(connectionStore, added, request.now);
      await subscribeConnections(subscriptions, roomId, connections);
    }
  } catch (error) {
    await undoJoins(runtime.stores, roomId, userIds, joinedAt, connections);
    throw error;
  }
  const ack = { room: toRoom(room, member.lastReadSeq) };
  if (added.length === 0) return { ack };

  const joined: MemberJoinedEvent[] = added.map((userId) => ({
    type: 'memberJoined',
    roomId,
    user: toUser(profileOrPlaceholder(profiles, userId)),
  }));
  // Their markers start at the room's lastSeq: nothing is unread.
  const roomJoined: RoomJoinedEvent = {
    type: 'roomJoined',
    room: toRoom(room, room.lastSeq, { count: 0, countedThrough: room.lastSeq }),
  };
  return {
    ack,
    after: async () => {
      const occupancy = await countMembersMoving(runtime.stores, runtime.logger, {
        roomId,
        userIds: added,
        joined: true,
        now: request.now,
      });
      // The added users' connections are subscribed already; they learn of the room from roomJoined instead.
      await runtime.fanOut.toRoom(roomId, [...joined, ...occupancy], {
        connectionId: request.connectionId,
        userIds: added,
      });
      await runtime.fanOut.toRecipients(connections, roomJoined);
    },
  };
};

export const leaveRoom: ActionHandler<
  'leaveRoom',
  'connections' | 'rooms' | 'subscriptions' | 'typing' | 'blocks' | 'presence' | 'occupancy'
> = async (runtime, request, input) => {
  const { rooms, subscriptions } = runtime.stores;
  const { roomId } = input;
  const { userId, now } = request;
  await requireMembership(rooms, roomId, userId);
  const connections = await runtime.stores.connections.listConnections(userId, now);
  const connectionIds = unique([request.connectionId, ...connections.map((c) => c.connectionId)]);
  // Unsubscribe before the membership goes: if anything fails half way the user is still a member and can retry,
  // and no connection keeps hearing a room its user has left.
  await subscriptions.deleteSubscriptions(connectionIds.map((connectionId) => ({ roomId, connectionId })));
  // Watch connections that heard the room forget it too, or it would count against their bound and their presence.
  await Promise.all(
    connections
      .filter((connection) => connection.watching?.includes(roomId))
      .map((connection) =>
        runtime.stores.connections.setWatching(userId, connection.connectionId, roomId, false, WATCHED_ROOMS_MAX),
      ),
  );
  await rooms.removeMember(roomId, userId);
  const typing = await runtime.stores.typing.stopTyping(roomId, userId, now);

  const left: MemberLeftEvent = { type: 'memberLeft', roomId, userId };
  return {
    ack: {},
    after: async () => {
      const occupancy = await countMembersMoving(runtime.stores, runtime.logger, {
        roomId,
        userIds: [userId],
        joined: false,
        now,
      });
      // The user's connections are unsubscribed by now; their other devices are told directly. The typing stop is
      // the user's activity (users who blocked them never saw it start); leaving and occupancy are the room's business.
      if (typing) await broadcastTyping(runtime, typingStoppedEvent(typing));
      await runtime.fanOut.toRoom(roomId, [left, ...occupancy], { userIds: [userId] });
      await runtime.fanOut.toRecipients(
        connections.filter((c) => c.connectionId !== request.connectionId),
        left,
      );
    },
  };
};

// Users the caller blocked are listed (who is in a room is no secret from its members) without their presence.
export const listMembers: ActionHandler<'listMembers', 'profiles' | 'connections' | 'rooms' | 'blocks'> = async (
  runtime,
  request,
  input,
) => {
  const { profiles: profileStore, connections, rooms } = runtime.stores;
  const [, blockedIds] = await Promise.all([
    requireMembership(rooms, input.roomId, request.userId),
    runtime.stores.blocks.blockedIdsOf(request.userId),
  ]);
  const blocked = new Set(blockedIds);
  const page = await rooms.listMembers(input.roomId, { cursor: input.cursor, limit: MEMBERS_PAGE });
  const ids = page.items.map((m) => m.userId);
  const [profiles, online] = await Promise.all([
    ids.length > 0 ? profileStore.getProfiles(ids) : Promise.resolve(new Map()),
    mapWithConcurrency(ids, 16, async (userId) =>
      blocked.has(userId) ? undefined : (await connections.listConnections(userId, request.now)).length > 0,
    ),
  ]);
  const isOnline = new Map(ids.map((userId, index) => [userId, online[index]]));
  // Profiles with the longest names and avatars take ~13 KB each: the page stops early rather than overflow a frame.
  const { items: members, cursor } = fitPage(
    page,
    ({ userId }) => {
      const online = isOnline.get(userId);
      return toUser(profileOrPlaceholder(profiles, userId), online === undefined ? undefined : { isOnline: online });
    },
    new ListBudget(LIMITS.answerListMaxBytes),
  );
  return { ack: cursor === undefined ? { members } : { members, cursor } };
};
