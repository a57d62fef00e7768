// getPresence: who is in the room now (any live subscription, muted ones included) and who is typing.
import type { ActionHandler } from '../context.js';
import { forEachPage } from '../paging.js';
import { profileOrPlaceholder, requireMembership } from '../room-access.js';
import { toTypingEntry, toUser } from '../wire-format.js';

export const getPresence: ActionHandler<
  'getPresence',
  'profiles' | 'rooms' | 'subscriptions' | 'typing'
> = async (runtime, request, input) => {
  const { profiles: profileStore, rooms, subscriptions, typing: typingStore } = runtime.stores;
  const { roomId } = input;
  await requireMembership(rooms, roomId, request.userId);
  const onlineIds = new Set<string>();
  await forEachPage(
    (cursor) => subscriptions.listSubscriptions(roomId, request.now, { cursor, limit: 100 }),
    (subscriptions) => subscriptions.forEach((subscription) => onlineIds.add(subscription.userId)),
  );
  const ids = [...onlineIds];
  const [profiles, typing] = await Promise.all([
    ids.length > 0 ? profileStore.getProfiles(ids) : Promise.resolve(new Map()),
    typingStore.listTyping(roomId, request.now),
  ]);
  return {
    ack: {
      online: ids.map((userId) => toUser(profileOrPlaceholder(profiles, userId), { isOnline: true })),
      typing: typing.map(toTypingEntry),
    },
  };
};
