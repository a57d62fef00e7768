// Profiles on the table: USER#<user> PROFILE.
import type { ProfileStore } from '../../chat/ports.js';
import { profileFromItem } from './codec.js';
import { PK, keys } from './keys.js';
import { ITEM_EXISTS } from './queries.js';
import type { Table } from './table.js';

export function createProfileStore(table: Table): ProfileStore {
  return {
    async ensureProfile(userId, tokenDisplayName) {
      // One write in the common case: creates the profile, or refreshes the token's name unless the user chose one.
      const attributes = await table.updateIf('ensureProfile', keys.profile(userId), {
        update: {
          expression: 'SET userId = :userId, displayName = :name, nameSetByUser = if_not_exists(nameSetByUser, :false)',
          values: { ':userId': userId, ':name': tokenDisplayName, ':false': false },
        },
        condition: {
          expression: 'attribute_not_exists(#pk) OR nameSetByUser = :false',
          names: { '#pk': PK },
          values: { ':false': false },
        },
        returnValues: 'ALL_NEW',
      });
      if (attributes) return profileFromItem(attributes);
      const stored = await table.get('ensureProfile', keys.profile(userId), true);
      if (!stored) throw new Error(`ensureProfile: the profile of ${userId} vanished while it was read`);
      return profileFromItem(stored);
    },

    async getProfiles(userIds) {
      const items = await table.batchGet('getProfiles', userIds.map(keys.profile));
      return new Map(items.map((item) => [String(item.userId), profileFromItem(item)]));
    },

    async updateProfile(userId, changes) {
      const set = ['userId = :userId'];
      const values: Record<string, unknown> = { ':userId': userId };
      const remove: string[] = [];
      if (changes.displayName !== undefined) {
        set.push('displayName = :name', 'nameSetByUser = :true');
        values[':name'] = changes.displayName;
        values[':true'] = true;
      } else {
        // A profile always has a name; on one made here without a name, the user id stands in.
        set.push(
          'displayName = if_not_exists(displayName, :userId)',
          'nameSetByUser = if_not_exists(nameSetByUser, :false)',
        );
        values[':false'] = false;
      }
      if (changes.avatarUrl === null) remove.push('avatarUrl');
      else if (changes.avatarUrl !== undefined) {
        set.push('avatarUrl = :avatarUrl');
        values[':avatarUrl'] = changes.avatarUrl;
      }
      const expression = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
      return profileFromItem(
        await table.update('updateProfile', keys.profile(userId), {
          update: { expression, values },
          returnValues: 'ALL_NEW',
        }),
      );
    },

    async setLastSeen(userId, at) {
      // Conditional: an update would otherwise create a profile without a display name.
      await table.updateIf('setLastSeen', keys.profile(userId), {
        update: { expression: 'SET lastSeenAt = :at', values: { ':at': at } },
        condition: ITEM_EXISTS,
      });
    },
  };
}
