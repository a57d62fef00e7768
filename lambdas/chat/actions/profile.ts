// updateProfile: the user's own display name and avatar. A name set here outlives later tokens' names.
import type { ActionHandler } from '../context.js';
import { loadProfile } from '../room-access.js';
import { toUser } from '../wire-format.js';

export const updateProfile: ActionHandler<'updateProfile', 'profiles'> = async (runtime, request, input) => {
  const changes: { displayName?: string; avatarUrl?: string | null } = {};
  if (input.displayName !== undefined) changes.displayName = input.displayName;
  // null clears the avatar, absent leaves it alone.
  if (input.avatarUrl !== undefined) changes.avatarUrl = input.avatarUrl;
  const profile =
    Object.keys(changes).length > 0
      ? await runtime.stores.profiles.updateProfile(request.userId, changes)
      : await loadProfile(runtime.stores.profiles, request.userId);
  return { ack: { user: toUser(profile, { isOnline: true }) } };
};
