// The SDK's unread bookkeeping on its own: what counts, what resets, when it asks the server.
import { describe, expect, it } from 'vitest';
import { LIMITS, type Message, type Room } from '../../client/src/index.js';
import { UnreadCounts, type UnreadChange } from '../../client/src/unread.js';

const room = (overrides: Partial<Room> = {}): Room => ({
  roomId: 'r',
  name: 'r',
  kind: 'group',
  createdBy: 'alice',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastSeq: 0,
  lastReadSeq: 0,
  ...overrides,
});

const message = (seq: number, senderId = 'bob', extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  roomId: 'r',
  seq,
  senderId,
  senderName: senderId,
  content: 'x',
  messageType: 'text',
  clientMessageId: `c${seq}`,
  createdAt: '2026-01-01T00:00:00.000Z',
  ...extra,
});

function counts() {
  const changes: UnreadChange[] = [];
  const refreshes: Array<[string, number]> = [];
  const unread = new UnreadCounts(
    (change) => changes.push(change),
    (roomId, seq) => refreshes.push([roomId, seq]),
  );
  return { unread, changes, refreshes };
}

describe('UnreadCounts', () => {
  it("counts others' ordinary messages past the server's count once each; not own ones, change events or read ones", () => {
    const { unread, changes } = counts();
    unread.fromRoom(room({ lastSeq: 5, lastReadSeq: 2, unreadCount: 3 }));
    expect(unread.count('r')).toBe(3);
    // Seqs up to 5 were counted by the server already (a catch-up emits them again).
    unread.message(message(4), 'me');
    unread.message(message(6), 'me');
    unread.message(message(6), 'me');
    unread.message(message(7, 'me'), 'me');
    expect(unread.count('r')).toBe(4);
    expect(changes.at(-1)).toEqual({ roomId: 'r', unreadCount: 4, unreadTotal: 4 });
    unread.fromMarkRead('r', 8, { unreadCount: 0, unreadThroughSeq: 8, lastSeq: 8 });
    unread.message(message(8), 'me');
    expect(unread.count('r')).toBe(0);
  });

  it('counts a message the server had not stored yet: past unreadThroughSeq, though within lastSeq', () => {
    const { unread } = counts();
    // seq 6 was taken by a send under way when the server counted: lastSeq 6, counted through 5.
    unread.fromRoom(room({ lastSeq: 6, lastReadSeq: 2, unreadCount: 3, unreadThroughSeq: 5 }));
    unread.message(message(5), 'me');
    unread.message(message(6), 'me');
    expect(unread.count('r')).toBe(4);
    // The same from markRead's ack.
    unread.fromMarkRead('r', 6, { unreadCount: 0, unreadThroughSeq: 6, lastSeq: 7 });
    unread.message(message(7), 'me');
    expect(unread.count('r')).toBe(1);
    // Without unreadThroughSeq (an older server) lastSeq is where the count ends.
    unread.fromRoom(room({ lastSeq: 9, lastReadSeq: 7, unreadCount: 1 }));
    unread.message(message(9), 'me');
    expect(unread.count('r')).toBe(1);
  });

  it(`stops at ${LIMITS.unreadCountMax}`, () => {
    const { unread } = counts();
    unread.fromRoom(room({ lastSeq: 200, unreadCount: LIMITS.unreadCountMax - 1 }));
    for (let seq = 201; seq <= 210; seq++) unread.message(message(seq), 'me');
    expect(unread.count('r')).toBe(LIMITS.unreadCountMax);
  });

  it('a read elsewhere to the end is 0 at once; part of the way it asks the server', () => {
    const { unread, refreshes } = counts();
    unread.fromRoom(room({ lastSeq: 4, unreadCount: 4 }));
    unread.message(message(5), 'me');
    unread.message(message(6), 'me');
    unread.readElsewhere('r', 5, 6);
    expect(unread.count('r')).toBe(5);
    expect(refreshes).toEqual([['r', 5]]);
    // An older server's ack, without unreadThroughSeq: counted up to lastSeq.
    unread.fromMarkRead('r', 5, { unreadCount: 1, lastSeq: 6 });
    expect(unread.count('r')).toBe(1);
    unread.readElsewhere('r', 6, 6);
    expect(unread.count('r')).toBe(0);
    expect(refreshes).toHaveLength(1);
    // An older read (a late frame) changes nothing.
    unread.readElsewhere('r', 3, 6);
    expect(unread.count('r')).toBe(0);
  });

  it('sums rooms, forgets rooms left, and keeps a known count when an ack carries none', () => {
    const { unread } = counts();
    unread.fromRoom(room({ roomId: 'a', lastSeq: 2, unreadCount: 2 }));
    unread.fromRoom(room({ roomId: 'b', lastSeq: 3, unreadCount: 3 }));
    unread.fromRoom(room({ roomId: 'b', lastSeq: 3 }));
    expect(unread.total).toBe(5);
    unread.keepOnly(new Set(['a']));
    expect(unread.total).toBe(2);
    expect(unread.count('b')).toBe(0);
  });
});
