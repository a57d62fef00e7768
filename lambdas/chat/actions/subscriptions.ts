// subscribe / unsubscribe: a member's connection choosing whether it hears a room. Unsubscribing keeps the item,
// muted, so the connection still counts as present in the room.
import type { ActionHandler, RequestContext, RuntimeWith } from '../context.js';
import { subscriptionOf } from '../records.js';
import { requestingConnection, requireMembership } from '../room-access.js';

async function setSubscription(
  runtime: RuntimeWith<'rooms' | 'subscriptions'>,
  request: RequestContext,
  roomId: string,
  muted: boolean,
): Promise<{ ack: { roomId: string } }> {
  await requireMembership(runtime.stores.rooms, roomId, request.userId);
  await runtime.stores.subscriptions.putSubscriptions([
    subscriptionOf(roomId, requestingConnection(runtime, request), muted),
  ]);
  return { ack: { roomId } };
}

export const subscribe: ActionHandler<'subscribe', 'rooms' | 'subscriptions'> = (runtime, request, input) =>
  setSubscription(runtime, request, input.roomId, false);

export const unsubscribe: ActionHandler<'unsubscribe', 'rooms' | 'subscriptions'> = (runtime, request, input) =>
  setSubscription(runtime, request, input.roomId, true);
