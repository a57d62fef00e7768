// Profiles in memory.
import type { ProfileRecord, ProfileStore } from '../../../lambdas/chat/ports.js';
import { copiesOf, copy, type MemoryTable } from './memory-table.js';

export class MemoryProfileStore implements ProfileStore {
  constructor(private readonly table: MemoryTable) {}

  async ensureProfile(userId: string, tokenDisplayName: string): Promise<ProfileRecord> {
    await this.table.enter('ensureProfile');
    const existing = this.table.profiles.get(userId);
    if (!existing) {
      const created: ProfileRecord = { userId, displayName: tokenDisplayName, nameSetByUser: false };
      this.table.profiles.set(userId, created);
      return copy(created);
    }
    if (!existing.nameSetByUser) existing.displayName = tokenDisplayName;
    return copy(existing);
  }

  async getProfiles(userIds: readonly string[]): Promise<Map<string, ProfileRecord>> {
    await this.table.enter('getProfiles');
    return copiesOf(this.table.profiles, userIds);
  }

  async updateProfile(
    userId: string,
    changes: { displayName?: string; avatarUrl?: string | null },
  ): Promise<ProfileRecord> {
    await this.table.enter('updateProfile');
    const profile = this.table.profiles.get(userId) ?? { userId, displayName: userId, nameSetByUser: false };
    if (changes.displayName !== undefined) {
      profile.displayName = changes.displayName;
      profile.nameSetByUser = true;
    }
    if (changes.avatarUrl === null) delete profile.avatarUrl;
    else if (changes.avatarUrl !== undefined) profile.avatarUrl = changes.avatarUrl;
    this.table.profiles.set(userId, profile);
    return copy(profile);
  }

  async setLastSeen(userId: string, at: number): Promise<void> {
    await this.table.enter('setLastSeen');
    // Like the DynamoDB store: no profile is created by this (it would have no display name).
    const profile = this.table.profiles.get(userId);
    if (profile) profile.lastSeenAt = at;
  }
}
