// getPresence: who is in the room now (any live subscription, muted ones included), who is typing, and how many of
// its members are online (occupancy.ts). Users the caller blocked are left out of the first two: a block hides their
// presence and typing (the count is the room's, carrying nobody).
import { LIMITS, type User } from '../../protocol/index.js';
import { withoutBlocked } from '../blocking.js';
import type { ActionHandler } from '../context.js';
import { countWithinBudget, fitPage, ListBudget } from '../frame-budget.js';
import type { ProfileRecord } from '../ports.js';
import { unique } from '../paging.js';
import { profileOrPlaceholder, requireMembership } from '../room-access.js';
import { toTypingEntry, toUser } from '../wire-format.js';

const SUBSCRIPTIONS_PAGE = 100;

export const getPresence: ActionHandler<
  'getPresence',
  'profiles' | 'rooms' | 'subscriptions' | 'typing' | 'blocks' | 'occupancy'
> = async (runtime, request, input) => {
  const { profiles: profileStore, rooms, subscriptions, typing: typingStore } = runtime.stores;
  const { roomId } = input;
  const [, blockedIds] = await Promise.all([
    requireMembership(rooms, roomId, request.userId),
    runtime.stores.blocks.blockedIdsOf(request.userId),
  ]);
  // Passed over like a user listed already: never listed, and the cursor still moves past them.
  const listed = new Set<string>(blockedIds);
  // Typing indicators come with the first page only; they are few and short-lived (events keep clients current).
  const typingRead = input.cursor === undefined ? typingStore.listTyping(roomId, request.now) : Promise.resolve([]);
  typingRead.catch(() => undefined);
  const countRead = runtime.stores.occupancy.getOnlineCount(roomId);
  countRead.catch(() => undefined);

  // The room's subscriptions, page after page, until they end or the list is full: a user with several
  // connections is listed once per answer (once per page of the answer, when it is paged).
  const budget = new ListBudget(LIMITS.answerListMaxBytes);
  const online: User[] = [];
  let cursor = input.cursor;
  do {
    const page = await subscriptions.listSubscriptions(roomId, request.now, { cursor, limit: SUBSCRIPTIONS_PAGE });
    const newIds = unique(page.items.map((s) => s.userId)).filter((userId) => !listed.has(userId));
    const profiles: Map<string, ProfileRecord> = newIds.length > 0 ? await profileStore.getProfiles(newIds) : new Map();
    const fitted = fitPage(
      page,
      ({ userId }) => {
        if (listed.has(userId)) return undefined;
        listed.add(userId);
        return toUser(profileOrPlaceholder(profiles, userId), { isOnline: true });
      },
      budget,
    );
    online.push(...fitted.items);
    cursor = fitted.cursor;
    if (fitted.full) break;
  } while (cursor !== undefined);

  const typing = withoutBlocked(await typingRead, new Set(blockedIds), (record) => record.userId).map(toTypingEntry);
  const typingShown = typing.slice(0, countWithinBudget(typing, LIMITS.presenceTypingMaxBytes));
  // The room's members online, however many the list holds (a count that drifted below zero shows as nobody).
  const onlineCount = Math.max(0, await countRead);
  return {
    ack:
      cursor === undefined
        ? { online, typing: typingShown, onlineCount }
        : { online, typing: typingShown, onlineCount, cursor },
  };
};
