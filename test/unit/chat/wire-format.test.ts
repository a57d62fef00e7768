// Records to wire objects: ISO times with milliseconds, optional fields only when set.
import { describe, expect, it } from 'vitest';
import { toIsoTime, toRoom, toTypingEntry, toUser } from '../../../lambdas/chat/wire-format.js';

describe('wire format', () => {
  it('times are ISO 8601 UTC with milliseconds, even on a whole second', () => {
    expect(toIsoTime(Date.UTC(2025, 0, 2, 3, 4, 5, 0))).toBe('2025-01-02T03:04:05.000Z');
    expect(toIsoTime(Date.UTC(2025, 0, 2, 3, 4, 5, 7))).toBe('2025-01-02T03:04:05.007Z');
  });

  it('a user carries presence only when asked, and lastSeenAt only while offline', () => {
    const profile = { userId: 'u', displayName: 'U', nameSetByUser: false, lastSeenAt: 0 };
    expect(toUser(profile)).toEqual({ userId: 'u', displayName: 'U' });
    expect(toUser(profile, { isOnline: true })).toEqual({ userId: 'u', displayName: 'U', isOnline: true });
    expect(toUser({ ...profile, avatarUrl: 'https://a.test/x' }, { isOnline: false })).toEqual({
      userId: 'u',
      displayName: 'U',
      avatarUrl: 'https://a.test/x',
      isOnline: false,
      lastSeenAt: '1970-01-01T00:00:00.000Z',
    });
  });

  it('rooms and typing entries', () => {
    const room = { roomId: 'r', name: 'n', kind: 'group' as const, createdBy: 'u', createdAt: 1_000, lastSeq: 3 };
    expect(toRoom(room)).toEqual({
      roomId: 'r',
      name: 'n',
      kind: 'group',
      createdBy: 'u',
      createdAt: '1970-01-01T00:00:01.000Z',
      lastSeq: 3,
    });
    expect(toRoom(room, 2)).toMatchObject({ lastReadSeq: 2 });
    expect(toTypingEntry({ roomId: 'r', userId: 'u', displayName: 'U', expiresAt: 5_000, lastBroadcastAt: 0 })).toEqual(
      {
        userId: 'u',
        displayName: 'U',
        expiresAt: '1970-01-01T00:00:05.000Z',
      },
    );
  });
});
