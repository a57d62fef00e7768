// markRead: the user's read marker, forward only.
import type { ReadEvent } from '../../protocol/index.js';
import { toRoomFrom } from '../blocking.js';
import type { ActionHandler } from '../context.js';
import { badRequest } from '../errors.js';
import { requireMembership } from '../room-access.js';
import { unreadCountOf } from '../unread.js';

export const markRead: ActionHandler<'markRead', 'rooms' | 'messages' | 'blocks'> = async (runtime, request, input) => {
  const { room, member } = await requireMembership(runtime.stores.rooms, input.roomId, request.userId);
  if (input.seq > room.lastSeq) {
    throw badRequest(`seq: must be at most ${room.lastSeq}, the room's last seq`);
  }
  // A seq at or below the marker writes nothing: such a call only asks for the count (the SDK does, when another
  // device moved the marker part of the way).
  const moved =
    input.seq > member.lastReadSeq &&
    (await runtime.stores.rooms.advanceReadMarker(input.roomId, request.userId, input.seq));
  const marker = Math.max(member.lastReadSeq, input.seq);
  const unread = await unreadCountOf(runtime.stores.messages, room, { userId: request.userId, lastReadSeq: marker });
  const ack = { unreadCount: unread.count, unreadThroughSeq: unread.countedThrough, lastSeq: room.lastSeq };
  if (!moved) return { ack };
  const event: ReadEvent = { type: 'read', roomId: input.roomId, userId: request.userId, seq: input.seq };
  // The user's other devices hear it too: that is how they learn the room was read elsewhere. Users who blocked the
  // reader do not: a read marker is the reader's activity.
  return {
    ack,
    after: () => toRoomFrom(runtime, request.userId, input.roomId, event, { connectionId: request.connectionId }),
  };
};
