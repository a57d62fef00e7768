// subscribe / unsubscribe: a member's connection choosing whether it hears a room.
//
// A connection that hears every room of its user keeps the item on unsubscribe, muted, so the connection still
// counts as present in the room. A watch connection (PROTOCOL.md, "Watch mode") hears only the rooms it subscribed
// to, and its user is online only there (room-presence.ts): its subscribe records the room on the connection (at most
// WATCHED_ROOMS_MAX) and may announce the user in the room; its unsubscribe removes both and may announce them gone.
import type { ActionHandler, RequestContext, RuntimeWith } from '../context.js';
import { badRequest, ChatError } from '../errors.js';
import { WATCHED_ROOMS_MAX } from '../ports/connections.js';
import { subscriptionOf } from '../records.js';
import { requestingConnection, requireMembership } from '../room-access.js';
import { enterRoom, leaveUnheardRooms } from '../room-presence.js';

type SubscriptionStores = 'rooms' | 'subscriptions' | 'connections' | 'occupancy' | 'blocks';

/** Whether the requesting connection is in watch mode (its own item says so). */
async function isWatching(runtime: RuntimeWith<'connections'>, request: RequestContext): Promise<boolean> {
  const connection = await runtime.stores.connections.getConnection(request.connectionId);
  return connection?.watch === true && connection.userId === request.userId;
}

export const subscribe: ActionHandler<'subscribe', SubscriptionStores> = async (runtime, request, input) => {
  const { roomId } = input;
  const { userId, connectionId } = request;
  const { connections, subscriptions } = runtime.stores;
  await requireMembership(runtime.stores.rooms, roomId, userId);
  const subscription = subscriptionOf(roomId, requestingConnection(runtime, request));
  if (!(await isWatching(runtime, request))) {
    await subscriptions.putSubscriptions([subscription]);
    return { ack: { roomId } };
  }
  // The room is recorded on the connection first: its close removes what it lists, so no subscription outlives it.
  try {
    const recorded = await connections.setWatching(userId, connectionId, roomId, true, WATCHED_ROOMS_MAX);
    if (recorded === 'full') {
      throw badRequest(
        `roomId: a watch connection hears at most ${WATCHED_ROOMS_MAX} rooms at once; unsubscribe first`,
      );
    }
    await subscriptions.putSubscriptions([subscription]);
  } catch (error) {
    // Nothing half-written (best effort): the subscription, then the room on the connection's list, in case a write
    // was applied before it failed. A room listed but not heard would keep its user counted there and unpushed.
    if (!(error instanceof ChatError)) {
      await subscriptions
        .deleteSubscriptions([{ roomId, connectionId }])
        .then(() => connections.setWatching(userId, connectionId, roomId, false, WATCHED_ROOMS_MAX))
        .catch(() => undefined);
    }
    throw error;
  }
  return { ack: { roomId }, after: () => enterRoom(runtime, userId, roomId) };
};

export const unsubscribe: ActionHandler<'unsubscribe', SubscriptionStores> = async (runtime, request, input) => {
  const { roomId } = input;
  const { userId, connectionId } = request;
  const { connections, subscriptions } = runtime.stores;
  await requireMembership(runtime.stores.rooms, roomId, userId);
  if (!(await isWatching(runtime, request))) {
    await subscriptions.putSubscriptions([subscriptionOf(roomId, requestingConnection(runtime, request), true)]);
    return { ack: { roomId } };
  }
  // The subscription first: from here on nothing reaches the connection from the room, whatever fails next.
  await subscriptions.deleteSubscriptions([{ roomId, connectionId }]);
  await connections.setWatching(userId, connectionId, roomId, false, WATCHED_ROOMS_MAX);
  return { ack: { roomId }, after: () => leaveUnheardRooms(runtime, userId, [roomId]) };
};
