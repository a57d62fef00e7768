// What the store contracts share: fresh stores per test, record builders and paging helpers. Each contract file
// holds one store to its behaviour, run against each implementation (the in-memory fakes and the DynamoDB stores on
// dynalite), so the fakes the chat logic's unit tests use cannot drift from the real stores. Every test makes its
// own ids (a random suffix, some with '#'), so implementations may share one table.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect } from 'vitest';
import {
  type ChatStores,
  type MemberRecord,
  type Page,
  type PageRequest,
  type RoomRecord,
  type RoomStore,
  type SubscriptionRecord,
  type TypingRecord,
} from '../../lambdas/chat/ports.js';
import type { Message } from '../../lambdas/protocol/index.js';

export interface ContractStores {
  stores: ChatStores;
  cleanup(): Promise<void>;
}

export type MakeStores = () => Promise<ContractStores>;

/**
 * Fresh stores for every test (from `make`, cleaned up after it), behind one object whose getters always reach the
 * current test's stores: declare it once per describe block and use it in every test.
 */
export function storesPerTest(make: MakeStores): ChatStores {
  let current: ContractStores | undefined;
  beforeEach(async () => {
    current = await make();
  });
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });
  const now = (): ChatStores => {
    if (!current) throw new Error('stores used outside a test');
    return current.stores;
  };
  return {
    get profiles() {
      return now().profiles;
    },
    get connections() {
      return now().connections;
    },
    get presence() {
      return now().presence;
    },
    get rooms() {
      return now().rooms;
    },
    get subscriptions() {
      return now().subscriptions;
    },
    get messages() {
      return now().messages;
    },
    get typing() {
      return now().typing;
    },
    get devices() {
      return now().devices;
    },
    get blocks() {
      return now().blocks;
    },
    get reports() {
      return now().reports;
    },
    get occupancy() {
      return now().occupancy;
    },
  };
}

/** A fresh id per call: readable prefix, '#' inside (ids may contain it), unique suffix. */
export const uid = (label: string) => `${label}#${randomUUID().slice(0, 8)}`;

export const T0 = 1_700_000_000_000;

export function room(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return {
    roomId: uid('room'),
    name: 'Room',
    kind: 'group',
    createdBy: 'creator',
    createdAt: T0,
    lastSeq: 0,
    ...overrides,
  };
}

export const member = (roomId: string, userId: string, overrides: Partial<MemberRecord> = {}): MemberRecord => ({
  roomId,
  userId,
  joinedAt: T0,
  lastReadSeq: 0,
  ...overrides,
});

export function message(roomId: string, seq: number, overrides: Partial<Message> = {}): Message {
  return {
    id: `m-${randomUUID()}`,
    roomId,
    seq,
    senderId: 'sender',
    senderName: 'Sender',
    content: `message ${seq}`,
    messageType: 'text',
    clientMessageId: `c-${seq}`,
    createdAt: new Date(T0 + seq).toISOString(),
    ...overrides,
  };
}

export const subscription = (
  roomId: string,
  connectionId: string,
  expiresAt: number,
  muted = false,
): SubscriptionRecord => ({
  roomId,
  connectionId,
  userId: `user-of-${connectionId}`,
  expiresAt,
  muted,
});

export const typing = (roomId: string, userId: string, expiresAt: number, lastBroadcastAt = 0): TypingRecord => ({
  roomId,
  userId,
  displayName: `Name of ${userId}`,
  expiresAt,
  lastBroadcastAt,
});

/** Follows cursors to the end, checking every page respects the limit. */
export async function readAll<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  limit: number,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list({ limit, ...(cursor !== undefined && { cursor }) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.cursor;
    pages += 1;
    if (pages > 1_000) throw new Error('paging does not end');
  } while (cursor !== undefined);
  return { items, pages };
}

export const sorted = (values: string[]) => [...values].sort();

/**
 * A listing of at least 8 items: a page's cursorAfter(i) resumes right after its i-th item, whether the caller used
 * the first items of the page only or the whole of it (then it is where the page's own cursor resumes).
 */
export async function expectCursorAfterResumes<T>(
  list: (page: PageRequest) => Promise<Page<T>>,
  idOf: (item: T) => string,
): Promise<void> {
  const everything = (await readAll(list, 100)).items.map(idOf);
  expect(everything.length).toBeGreaterThanOrEqual(8);
  const first = await list({ limit: 4 });
  const rest = await readAll((page) => list({ ...page, cursor: page.cursor ?? first.cursorAfter(1) }), 3);
  expect([...first.items.slice(0, 2), ...rest.items].map(idOf)).toEqual(everything);
  const next = await list({ limit: 4, cursor: first.cursorAfter(3) });
  expect(next.items.map(idOf)).toEqual(everything.slice(4, 8));
}

/** A group room with the named members, created through the room store. */
export async function roomWithMembers(
  rooms: RoomStore,
  userIds: string[],
  overrides: Partial<RoomRecord> = {},
): Promise<RoomRecord> {
  const created = room(overrides);
  await rooms.createRoom(
    created,
    userIds.map((userId) => member(created.roomId, userId)),
  );
  return created;
}
