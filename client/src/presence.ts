import type { PresenceEvent } from '../../lambdas/protocol/frames.js';
import type { User } from '../../lambdas/protocol/objects.js';

/**
 * Who is online in each watched room, from getPresence (a full picture) and `presence` events (changes).
 * Presence events carry only a user id: names come from the directory of users this client has seen.
 */
export class PresenceView {
  private readonly rooms = new Map<string, Map<string, User>>();
  private readonly directory = new Map<string, User>();

  isWatched(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  watchedRooms(): string[] {
    return [...this.rooms.keys()];
  }

  unwatch(roomId: string): void {
    this.rooms.delete(roomId);
  }

  /** Remembers names (and avatars) for presence events, which carry only ids. */
  learn(user: Pick<User, 'userId' | 'displayName'> & Partial<User>): void {
    const avatarUrl = user.avatarUrl ?? this.directory.get(user.userId)?.avatarUrl;
    this.directory.set(user.userId, {
      userId: user.userId,
      displayName: user.displayName,
      ...(avatarUrl ? { avatarUrl } : {}),
    });
  }

  user(userId: string): User | undefined {
    return this.directory.get(userId);
  }

  /** A getPresence answer: the room's whole online list. */
  replace(roomId: string, online: readonly User[]): void {
    const room = new Map<string, User>();
    for (const user of online) {
      this.learn(user);
      room.set(user.userId, { ...user, isOnline: true });
    }
    this.rooms.set(roomId, room);
  }

  /** Applies an event to a watched room; false when the room is not watched or nothing changed. */
  apply(event: PresenceEvent): boolean {
    const room = this.rooms.get(event.roomId);
    if (!room) return false;
    if (event.isOnline) {
      if (room.has(event.userId)) return false;
      const known = this.directory.get(event.userId) ?? { userId: event.userId, displayName: event.userId };
      room.set(event.userId, { ...known, isOnline: true });
      return true;
    }
    return room.delete(event.userId);
  }

  /** A member left the room: they are no longer listed, online or not. */
  removeUser(roomId: string, userId: string): boolean {
    return this.rooms.get(roomId)?.delete(userId) ?? false;
  }

  online(roomId: string): User[] {
    return [...(this.rooms.get(roomId)?.values() ?? [])];
  }
}
