// User profiles: the display name (from the token until the user chooses one), avatar and last-seen time.

export interface ProfileRecord {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  /** When the user's last connection closed. */
  lastSeenAt?: number;
  /** Set once the user chose a display name with updateProfile: token names no longer override it. */
  nameSetByUser: boolean;
}

export interface ProfileStore {
  /** Creates the profile from the token's name on first sight; refreshes the name unless the user set one. */
  ensureProfile(userId: string, tokenDisplayName: string): Promise<ProfileRecord>;
  getProfiles(userIds: readonly string[]): Promise<Map<string, ProfileRecord>>;
  updateProfile(userId: string, changes: { displayName?: string; avatarUrl?: string | null }): Promise<ProfileRecord>;
  /** Records the time on an existing profile; creates none (it would have no display name). */
  setLastSeen(userId: string, at: number): Promise<void>;
}
