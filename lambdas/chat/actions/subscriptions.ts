// subscribe / unsubscribe: a member's connection choosing whether it hears a room. Unsubscribing keeps the item,
// muted, so the connection still counts as present in the room.
import type { ActionHandler, ChatRuntime, RequestContext } from '../context.js';
import { requestingConnection, requireMembership, subscriptionOf } from '../room-access.js';

async function setSubscription(
  runtime: ChatRuntime,
  request: RequestContext,
  roomId: string,
  muted: boolean,
): Promise<{ ack: { roomId: string } }> {
  await requireMembership(runtime.store, roomId, request.userId);
  await runtime.store.putSubscriptions([subscriptionOf(roomId, requestingConnection(runtime, request), muted)]);
  return { ack: { roomId } };
}

export const subscribe: ActionHandler<'subscribe'> = (runtime, request, input) =>
  setSubscription(runtime, request, input.roomId, false);

export const unsubscribe: ActionHandler<'unsubscribe'> = (runtime, request, input) =>
  setSubscription(runtime, request, input.roomId, true);
