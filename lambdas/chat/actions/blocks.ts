// blockUser, unblockUser and listBlocked: a user's own list of people they do not want to hear from. What a block
// does elsewhere (broadcasts, history, presence, rooms) is in ../blocking.ts and the actions that apply it.
import { LIMITS, type BlockedUser } from '../../protocol/index.js';
import type { ActionHandler } from '../context.js';
import { badRequest, ChatError } from '../errors.js';
import { fitPage, ListBudget } from '../frame-budget.js';
import type { ProfileRecord } from '../ports.js';
import { profileOrPlaceholder, requireProfiles } from '../room-access.js';
import { toIsoTime } from '../wire-format.js';

export const blockUser: ActionHandler<'blockUser', 'profiles' | 'blocks'> = async (runtime, request, input) => {
  if (input.userId === request.userId) throw badRequest('userId: cannot block yourself');
  await requireProfiles(runtime.stores.profiles, [input.userId], 'userId');
  const result = await runtime.stores.blocks.blockUser(
    { blockerId: request.userId, blockedId: input.userId, blockedAt: request.now },
    LIMITS.blockedUsersMax,
  );
  if (result.outcome === 'limit') {
    throw new ChatError(
      'BAD_REQUEST',
      `userId: you have blocked ${LIMITS.blockedUsersMax} users, the most allowed; unblock one first`,
    );
  }
  return { ack: { userId: input.userId, blockedAt: toIsoTime(result.record.blockedAt) } };
};

export const unblockUser: ActionHandler<'unblockUser', 'blocks'> = async (runtime, request, input) => {
  // Idempotent, and no check that the user exists: unblocking someone never blocked changes nothing.
  await runtime.stores.blocks.unblockUser(request.userId, input.userId);
  return { ack: { userId: input.userId } };
};

export const listBlocked: ActionHandler<'listBlocked', 'profiles' | 'blocks'> = async (runtime, request, input) => {
  const page = await runtime.stores.blocks.listBlocked(request.userId, {
    cursor: input.cursor,
    limit: LIMITS.listBlockedPageMax,
  });
  const ids = page.items.map((block) => block.blockedId);
  const profiles: Map<string, ProfileRecord> =
    ids.length > 0 ? await runtime.stores.profiles.getProfiles(ids) : new Map();
  const { items: blocked, cursor } = fitPage(
    page,
    (block): BlockedUser => {
      const profile = profileOrPlaceholder(profiles, block.blockedId);
      return {
        userId: block.blockedId,
        displayName: profile.displayName,
        ...(profile.avatarUrl !== undefined && { avatarUrl: profile.avatarUrl }),
        blockedAt: toIsoTime(block.blockedAt),
      };
    },
    new ListBudget(LIMITS.answerListMaxBytes),
  );
  return { ack: cursor === undefined ? { blocked } : { blocked, cursor } };
};
