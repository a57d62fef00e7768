import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TypingTracker } from '../../client/src/typing.js';
import type { TypingChange } from '../../client/src/types.js';

describe('TypingTracker.seed', () => {
  let changes: TypingChange[];
  let tracker: TypingTracker;

  beforeEach(() => {
    vi.useFakeTimers();
    changes = [];
    tracker = new TypingTracker(
      (change) => changes.push(change),
      () => 0,
      5_000,
    );
  });
  afterEach(() => {
    tracker.dispose();
    vi.useRealTimers();
  });

  const typingEvent = (userId: string) =>
    ({ type: 'typing', roomId: 'r1', userId, displayName: userId, isTyping: true }) as const;

  it('drops an indicator the answer no longer lists when it was heard before the request left', () => {
    tracker.apply(typingEvent('bob'));
    vi.advanceTimersByTime(100);
    tracker.seed('r1', [], Date.now());
    expect(tracker.users('r1')).toEqual([]);
    expect(changes.at(-1)).toMatchObject({ userId: 'bob', isTyping: false });
  });

  it('keeps an indicator heard while the request was in flight: the answer may predate it', () => {
    const askedAt = Date.now();
    vi.advanceTimersByTime(50);
    tracker.apply(typingEvent('bob'));
    tracker.seed('r1', [], askedAt);
    expect(tracker.users('r1').map((user) => user.userId)).toEqual(['bob']);
    expect(changes).toEqual([expect.objectContaining({ userId: 'bob', isTyping: true })]);
  });

  it('adds what the answer lists', () => {
    tracker.seed(
      'r1',
      [{ userId: 'carol', displayName: 'Carol', expiresAt: new Date(Date.now() + 4_000).toISOString() }],
      Date.now(),
    );
    expect(tracker.users('r1').map((user) => user.userId)).toEqual(['carol']);
  });
});
