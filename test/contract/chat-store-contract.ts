// The behaviour every ChatStore must have, run against each implementation (the in-memory fake and the DynamoDB
// store on dynalite), so the fake the chat logic's unit tests use cannot drift from the real store.
// Every test makes its own ids (a random suffix, some with '#'), so implementations may share one table.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidCursorError,
  type ChatStore,
  type MemberRecord,
  type Page,
  type PageRequest,
  type RoomRecord,
  type SubscriptionRecord,
  type TypingRecord,
} from '../../lambdas/chat/ports.js';
import type { Message } from '../../lambdas/protocol/index.js';

export interface ContractStore {
  store: ChatStore;
  cleanup(): Promise<void>;
}

/** A fresh id per call: readable prefix, '#' inside (ids may contain it), unique suffix. */
const uid = (label: string) => `${label}#${randomUUID().slice(0, 8)}`;

const T0 = 1_700_000_000_000;

function room(overrides: Partial<RoomRecord> = {}): RoomRecord {
  return { roomId: uid('room'), name: 'Room', kind: 'group', createdBy: 'creator', createdAt: T0, lastSeq: 0, ...overrides };
}

const member = (roomId: string, userId: string, overrides: Partial<MemberRecord> = {}): MemberRecord => ({
  roomId,
  userId,
  joinedAt: T0,
  lastReadSeq: 0,
  ...overrides,
});

function message(roomId: string, seq: number, overrides: Partial<Message> = {}): Message {
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

const subscription = (roomId: string, connectionId: string, expiresAt: number, muted = false): SubscriptionRecord => ({
  roomId,
  connectionId,
  userId: `user-of-${connectionId}`,
  expiresAt,
  muted,
});

const typing = (roomId: string, userId: string, expiresAt: number, lastBroadcastAt = 0): TypingRecord => ({
  roomId,
  userId,
  displayName: `Name of ${userId}`,
  expiresAt,
  lastBroadcastAt,
});

/** Follows cursors to the end, checking every page respects the limit. */
async function readAll<T>(list: (page: PageRequest) => Promise<Page<T>>, limit: number): Promise<{ items: T[]; pages: number }> {
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

const sorted = (values: string[]) => [...values].sort();

export function describeChatStoreContract(name: string, makeStore: () => Promise<ContractStore>): void {
  describe(`ChatStore contract: ${name}`, () => {
    let store: ChatStore;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    async function roomWithMembers(userIds: string[], overrides: Partial<RoomRecord> = {}): Promise<RoomRecord> {
      const created = room(overrides);
      await store.createRoom(created, userIds.map((userId) => member(created.roomId, userId)));
      return created;
    }

    describe('profiles', () => {
      it('creates a profile from the token name, refreshes it until the user chooses one, then keeps it', async () => {
        const userId = uid('user');
        expect(await store.ensureProfile(userId, 'Token Name')).toEqual({
          userId,
          displayName: 'Token Name',
          nameSetByUser: false,
        });
        expect((await store.ensureProfile(userId, 'Renamed In IdP')).displayName).toBe('Renamed In IdP');

        const updated = await store.updateProfile(userId, { displayName: 'Chosen', avatarUrl: 'https://img.example/a.png' });
        expect(updated).toEqual({
          userId,
          displayName: 'Chosen',
          avatarUrl: 'https://img.example/a.png',
          nameSetByUser: true,
        });
        expect(await store.ensureProfile(userId, 'Token Again')).toEqual(updated);
      });

      it('updates the avatar alone, and removes it with null', async () => {
        const userId = uid('user');
        await store.ensureProfile(userId, 'Ann');
        const withAvatar = await store.updateProfile(userId, { avatarUrl: 'https://img.example/1.png' });
        expect(withAvatar).toMatchObject({ displayName: 'Ann', avatarUrl: 'https://img.example/1.png', nameSetByUser: false });
        const without = await store.updateProfile(userId, { avatarUrl: null });
        expect(without.avatarUrl).toBeUndefined();
        expect((await store.getProfiles([userId])).get(userId)).toEqual(without);
      });

      it('getProfiles returns the ones that exist, keyed by id, for many ids and repeated ids', async () => {
        const userIds = Array.from({ length: 130 }, (_, index) => uid(`user${index}`));
        await Promise.all(userIds.map((userId, index) => store.ensureProfile(userId, `Name ${index}`)));
        const missing = uid('missing');
        const found = await store.getProfiles([...userIds, missing, userIds[0]!, userIds[0]!]);
        expect(found.size).toBe(130);
        expect(found.has(missing)).toBe(false);
        expect(found.get(userIds[129]!)?.displayName).toBe('Name 129');
        expect((await store.getProfiles([])).size).toBe(0);
      });

      it('setLastSeen records the time on an existing profile and creates none', async () => {
        const userId = uid('user');
        await store.ensureProfile(userId, 'Ann');
        await store.setLastSeen(userId, T0 + 5);
        expect((await store.getProfiles([userId])).get(userId)?.lastSeenAt).toBe(T0 + 5);

        const stranger = uid('stranger');
        await store.setLastSeen(stranger, T0);
        expect((await store.getProfiles([stranger])).size).toBe(0);
      });

      it('hands out copies: mutating a returned record changes nothing stored', async () => {
        const userId = uid('user');
        const profile = await store.ensureProfile(userId, 'Ann');
        profile.displayName = 'Mutated';
        expect((await store.getProfiles([userId])).get(userId)?.displayName).toBe('Ann');
      });
    });

    describe('connections', () => {
      it('stores, reads and deletes a connection; deleting twice reports false', async () => {
        const userId = uid('user');
        const connection = { connectionId: uid('conn'), userId, connectedAt: T0, expiresAt: T0 + 7_200_000 };
        await store.putConnection(connection);
        expect(await store.getConnection(connection.connectionId)).toEqual(connection);
        expect(await store.listConnections(userId, T0)).toEqual([connection]);

        expect(await store.deleteConnection(userId, connection.connectionId)).toBe(true);
        expect(await store.getConnection(connection.connectionId)).toBeUndefined();
        expect(await store.listConnections(userId, T0)).toEqual([]);
        expect(await store.deleteConnection(userId, connection.connectionId)).toBe(false);
      });

      it("does not delete a connection in another user's name", async () => {
        const connection = { connectionId: uid('conn'), userId: uid('owner'), connectedAt: T0, expiresAt: T0 + 1_000 };
        await store.putConnection(connection);
        expect(await store.deleteConnection(uid('intruder'), connection.connectionId)).toBe(false);
        expect(await store.getConnection(connection.connectionId)).toEqual(connection);
      });

      it('lists only the connections whose expiry is after now (the boundary is expired)', async () => {
        const userId = uid('user');
        const other = uid('other');
        const ids = { gone: uid('gone'), edge: uid('edge'), live: uid('live'), foreign: uid('foreign') };
        await store.putConnection({ connectionId: ids.gone, userId, connectedAt: T0, expiresAt: T0 + 10 });
        await store.putConnection({ connectionId: ids.edge, userId, connectedAt: T0, expiresAt: T0 + 20 });
        await store.putConnection({ connectionId: ids.live, userId, connectedAt: T0, expiresAt: T0 + 21 });
        await store.putConnection({ connectionId: ids.foreign, userId: other, connectedAt: T0, expiresAt: T0 + 99 });
        const live = await store.listConnections(userId, T0 + 20);
        expect(live.map((connection) => connection.connectionId)).toEqual([ids.live]);
        expect((await store.listConnections(userId, T0)).length).toBe(3);
      });
    });

    describe('presence', () => {
      it('markOnline returns the state before it and counts connects; getPresence reads it back', async () => {
        const userId = uid('user');
        expect(await store.getPresence(userId)).toBeUndefined();
        expect(await store.markOnline(userId, T0 + 10)).toBeUndefined();
        expect(await store.getPresence(userId)).toEqual({ online: true, gen: 1, liveUntil: T0 + 10 });
        expect(await store.markOnline(userId, T0 + 20)).toEqual({ online: true, gen: 1, liveUntil: T0 + 10 });
        expect(await store.getPresence(userId)).toEqual({ online: true, gen: 2, liveUntil: T0 + 20 });
      });

      it('settlePresence writes only while gen is what was read and the user is online', async () => {
        const userId = uid('user');
        await store.markOnline(userId, T0 + 10);
        const seen = (await store.getPresence(userId))!;
        expect(await store.settlePresence(userId, seen, T0 + 5)).toBe(true);
        expect(await store.getPresence(userId)).toEqual({ online: true, gen: 1, liveUntil: T0 + 5 });

        await store.markOnline(userId, T0 + 30); // a connect after `seen` was read
        expect(await store.settlePresence(userId, seen)).toBe(false);
        const fresh = (await store.getPresence(userId))!;
        expect(fresh.online).toBe(true);
        expect(await store.settlePresence(userId, fresh)).toBe(true);
        expect(await store.getPresence(userId)).toEqual({ online: false, gen: 2, liveUntil: T0 + 30 });
        // Offline already: nothing more to settle, with or without liveUntil.
        expect(await store.settlePresence(userId, fresh)).toBe(false);
        expect(await store.settlePresence(userId, fresh, T0 + 40)).toBe(false);
        expect(await store.settlePresence(uid('never-seen'), fresh)).toBe(false);
      });

      it('of many racing writes exactly one flips: one markOnline finds the user offline, one settle wins', async () => {
        const userId = uid('user');
        const befores = await Promise.all(Array.from({ length: 12 }, (_, i) => store.markOnline(userId, T0 + i)));
        expect(befores.filter((before) => !before?.online)).toHaveLength(1);
        const seen = (await store.getPresence(userId))!;
        expect(seen.gen).toBe(12);
        const settled = await Promise.all(Array.from({ length: 12 }, () => store.settlePresence(userId, seen)));
        expect(settled.filter(Boolean)).toHaveLength(1);
        const again = await Promise.all(Array.from({ length: 12 }, (_, i) => store.markOnline(userId, T0 + i)));
        expect(again.filter((before) => !before?.online)).toHaveLength(1);
      });
    });

    describe('rooms and members', () => {
      it('creates a room with its members, read back with getRoomAndMember and getRooms', async () => {
        const created = await roomWithMembers(['alice', 'bob#2']);
        expect(await store.getRoomAndMember(created.roomId, 'bob#2')).toEqual({
          room: created,
          member: member(created.roomId, 'bob#2'),
        });
        expect(await store.getRoomAndMember(created.roomId, 'carol')).toEqual({ room: created });
        expect(await store.getRoomAndMember(uid('no-room'), 'alice')).toEqual({});

        const second = await roomWithMembers(['alice']);
        const rooms = await store.getRooms([created.roomId, second.roomId, uid('no-room'), created.roomId]);
        expect(rooms.size).toBe(2);
        expect(rooms.get(second.roomId)).toEqual(second);
        expect((await store.getRooms([])).size).toBe(0);
      });

      it('refuses to create a room whose id exists, leaving the existing room and members as they were', async () => {
        const existing = await roomWithMembers(['alice']);
        await expect(
          store.createRoom({ ...existing, name: 'Hijack' }, [member(existing.roomId, 'mallory')]),
        ).rejects.toThrow();
        expect(await store.getRoomAndMember(existing.roomId, 'alice')).toEqual({
          room: existing,
          member: member(existing.roomId, 'alice'),
        });
        expect((await store.getRoomAndMember(existing.roomId, 'mallory')).member).toBeUndefined();
      });

      it('creates a room with 100 members, all listed through pages without repeats', async () => {
        const userIds = Array.from({ length: 100 }, (_, index) => `user-${index}#x`);
        const created = await roomWithMembers(userIds);
        const { items, pages } = await readAll((page) => store.listMembers(created.roomId, page), 30);
        expect(pages).toBe(4);
        expect(sorted(items.map((item) => item.userId))).toEqual(sorted(userIds));
        expect(items.every((item) => item.roomId === created.roomId)).toBe(true);
      });

      it('issues no cursor when a page holds the rest exactly', async () => {
        const created = await roomWithMembers(['a', 'b', 'c', 'd']);
        const first = await store.listMembers(created.roomId, { limit: 2 });
        expect(first.items.length).toBe(2);
        expect(first.cursor).toBeDefined();
        const second = await store.listMembers(created.roomId, { limit: 2, cursor: first.cursor! });
        expect(second.items.length).toBe(2);
        expect(second.cursor).toBeUndefined();
        expect((await store.listMembers(created.roomId, { limit: 4 })).cursor).toBeUndefined();
        const empty = await store.listMembers(uid('empty'), { limit: 10 });
        expect(empty.items).toEqual([]);
        expect(empty.cursor).toBeUndefined();
      });

      it('cursorAfter(i) resumes right after the i-th item of a page, in every listing', async () => {
        const userId = uid('user');
        const userIds = Array.from({ length: 9 }, (_, index) => `user-${index}#x`);
        const created = await roomWithMembers([...userIds, userId]);
        await Promise.all(Array.from({ length: 5 }, () => roomWithMembers([userId])));
        const roomId = created.roomId;
        await store.putSubscriptions(Array.from({ length: 8 }, (_, index) => subscription(roomId, `c-${index}#y`, T0 + 99)));

        const listings: [string, (page: PageRequest) => Promise<Page<{ roomId: string; userId: string } | SubscriptionRecord>>, (item: never) => string][] = [
          ['listMembers', (page) => store.listMembers(roomId, page), (item: MemberRecord) => item.userId],
          ['listMemberships', (page) => store.listMemberships(userId, page), (item: MemberRecord) => item.roomId],
          ['listSubscriptions', (page) => store.listSubscriptions(roomId, T0, page), (item: SubscriptionRecord) => item.connectionId],
        ];
        for (const [listing, list, idOf] of listings) {
          const everything = (await readAll(list, 100)).items.map((item) => idOf(item as never));
          const first = await list({ limit: 4 });
          // Taking only the first two of the page, then resuming, neither skips nor repeats an item.
          const rest = await readAll((page) => list({ ...page, cursor: page.cursor ?? first.cursorAfter(1) }), 3);
          const resumed = [...first.items.slice(0, 2), ...rest.items].map((item) => idOf(item as never));
          expect(resumed, listing).toEqual(everything);
          // After the last item of a page: the same place as the page's own cursor.
          const next = await list({ limit: 4, cursor: first.cursorAfter(3) });
          expect(next.items.map((item) => idOf(item as never)), listing).toEqual(everything.slice(4, 8));
        }
      });

      it('refuses cursors it did not issue for that listing', async () => {
        const first = await roomWithMembers(['a', 'b', 'c']);
        const second = await roomWithMembers(['a', 'b', 'c']);
        const cursor = (await store.listMembers(first.roomId, { limit: 1 })).cursor!;
        const membershipCursor = (await readMemberships('a')).cursor!;

        for (const bad of ['', 'garbage', '!!!', 'eyJ9', Buffer.from('{"pk":1}').toString('base64url'), cursor.slice(0, -4)]) {
          await expect(store.listMembers(first.roomId, { limit: 1, cursor: bad })).rejects.toBeInstanceOf(InvalidCursorError);
        }
        await expect(store.listMembers(second.roomId, { limit: 1, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
        await expect(store.listSubscriptions(first.roomId, T0, { limit: 1, cursor })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
        await expect(store.listMembers(first.roomId, { limit: 1, cursor: membershipCursor })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
        // The real cursor still works.
        expect((await store.listMembers(first.roomId, { limit: 5, cursor })).items.length).toBe(2);

        async function readMemberships(userId: string) {
          return store.listMemberships(userId, { limit: 1 });
        }
      });

      it("lists a user's memberships across rooms through pages", async () => {
        const userId = uid('user');
        const rooms = await Promise.all(Array.from({ length: 7 }, () => roomWithMembers([userId, uid('other')])));
        await roomWithMembers([uid('someone-else')]);
        const { items, pages } = await readAll((page) => store.listMemberships(userId, page), 3);
        expect(pages).toBe(3);
        expect(sorted(items.map((item) => item.roomId))).toEqual(sorted(rooms.map((created) => created.roomId)));
        expect(items.every((item) => item.userId === userId)).toBe(true);
      });

      it('ensureRoom creates once, then returns the stored room and adds only missing members', async () => {
        const direct = room({ kind: 'direct', name: 'Direct' });
        const pair = [member(direct.roomId, 'ann'), member(direct.roomId, 'bo#b')];
        expect(await store.ensureRoom(direct, pair)).toEqual({ room: direct, added: ['ann', 'bo#b'] });

        await store.nextSeq(direct.roomId);
        const again = await store.ensureRoom({ ...direct, createdAt: T0 + 1, createdBy: 'bo#b' }, pair);
        expect(again).toEqual({ room: { ...direct, lastSeq: 1 }, added: [] });

        expect(await store.removeMember(direct.roomId, 'ann')).toBe(true);
        expect((await store.ensureRoom(direct, pair)).added).toEqual(['ann']);
      });

      it('addMembers adds and returns only the users who were not members', async () => {
        const created = await roomWithMembers(['alice']);
        const added = await store.addMembers(created.roomId, [
          member(created.roomId, 'alice', { joinedAt: T0 + 9 }),
          member(created.roomId, 'bob'),
          member(created.roomId, 'carol#c'),
        ]);
        expect(sorted(added)).toEqual(['bob', 'carol#c']);
        expect((await store.getRoomAndMember(created.roomId, 'alice')).member?.joinedAt).toBe(T0);
        expect(await store.addMembers(created.roomId, [member(created.roomId, 'bob')])).toEqual([]);
        const { items } = await readAll((page) => store.listMembers(created.roomId, page), 10);
        expect(items.length).toBe(3);
      });

      it('removeMember reports whether the user was a member', async () => {
        const alice = uid('alice');
        const created = await roomWithMembers([alice, 'bob']);
        const kept = await roomWithMembers([alice]);
        expect(await store.removeMember(created.roomId, alice)).toBe(true);
        expect(await store.removeMember(created.roomId, alice)).toBe(false);
        expect((await store.getRoomAndMember(created.roomId, alice)).member).toBeUndefined();
        expect((await store.listMemberships(alice, { limit: 10 })).items.map((item) => item.roomId)).toEqual([kept.roomId]);
      });

      it('moves the read marker forward only, and never for a non-member', async () => {
        const created = await roomWithMembers(['alice']);
        expect(await store.advanceReadMarker(created.roomId, 'alice', 5)).toBe(true);
        expect(await store.advanceReadMarker(created.roomId, 'alice', 3)).toBe(false);
        expect(await store.advanceReadMarker(created.roomId, 'alice', 5)).toBe(false);
        expect(await store.advanceReadMarker(created.roomId, 'alice', 7)).toBe(true);
        expect((await store.getRoomAndMember(created.roomId, 'alice')).member?.lastReadSeq).toBe(7);

        expect(await store.advanceReadMarker(created.roomId, 'stranger', 9)).toBe(false);
        expect((await store.getRoomAndMember(created.roomId, 'stranger')).member).toBeUndefined();
      });
    });

    describe('subscriptions', () => {
      it('lists live subscriptions, muted ones included, and forgets deleted ones', async () => {
        const roomId = uid('room');
        const live = subscription(roomId, uid('c1'), T0 + 100);
        const muted = subscription(roomId, uid('c2'), T0 + 100, true);
        const expired = subscription(roomId, uid('c3'), T0 + 50);
        await store.putSubscriptions([live, muted, expired, subscription(uid('other-room'), uid('c4'), T0 + 100)]);

        const page = await store.listSubscriptions(roomId, T0 + 50, { limit: 10 });
        expect(page.cursor).toBeUndefined();
        expect(sorted(page.items.map((item) => item.connectionId))).toEqual(sorted([live.connectionId, muted.connectionId]));
        expect(page.items.find((item) => item.connectionId === muted.connectionId)).toEqual(muted);

        await store.deleteSubscriptions([{ roomId, connectionId: live.connectionId }, { roomId, connectionId: uid('never') }]);
        const after = await store.listSubscriptions(roomId, T0 + 50, { limit: 10 });
        expect(after.items).toEqual([muted]);
        await store.putSubscriptions([]);
        await store.deleteSubscriptions([]);
      });

      it('pages through live subscriptions when expired ones lie between them', async () => {
        const roomId = uid('room');
        const subscriptions = Array.from({ length: 60 }, (_, index) =>
          subscription(roomId, `conn-${String(index).padStart(2, '0')}`, index % 3 === 0 ? T0 + 1_000 : T0 - 1),
        );
        await store.putSubscriptions(subscriptions);
        const { items } = await readAll((page) => store.listSubscriptions(roomId, T0, page), 7);
        expect(sorted(items.map((item) => item.connectionId))).toEqual(
          sorted(subscriptions.filter((item) => item.expiresAt > T0).map((item) => item.connectionId)),
        );
        // Pages are filled: expired items do not make short pages.
        const first = await store.listSubscriptions(roomId, T0, { limit: 7 });
        expect(first.items.length).toBe(7);
      });

      it('a later write of the same subscription replaces it (last one wins within a batch too)', async () => {
        const roomId = uid('room');
        const connectionId = uid('conn');
        await store.putSubscriptions([subscription(roomId, connectionId, T0 + 10), subscription(roomId, connectionId, T0 + 20, true)]);
        expect((await store.listSubscriptions(roomId, T0, { limit: 5 })).items).toEqual([
          subscription(roomId, connectionId, T0 + 20, true),
        ]);
      });
    });

    describe('messages', () => {
      it('allocates strictly increasing seqs per room, and refuses a room that does not exist', async () => {
        const first = await roomWithMembers(['alice']);
        const second = await roomWithMembers(['alice']);
        expect(await store.nextSeq(first.roomId)).toBe(1);
        expect(await store.nextSeq(first.roomId)).toBe(2);
        expect(await store.nextSeq(second.roomId)).toBe(1);
        const concurrent = await Promise.all(Array.from({ length: 10 }, () => store.nextSeq(first.roomId)));
        expect(sorted(concurrent.map(String))).toEqual(sorted(Array.from({ length: 10 }, (_, index) => String(index + 3))));
        expect((await store.getRooms([first.roomId])).get(first.roomId)?.lastSeq).toBe(12);
        await expect(store.nextSeq(uid('no-room'))).rejects.toThrow();
      });

      it('claims a client message id once: a retry gets the message recorded first', async () => {
        const roomId = uid('room');
        const first = message(roomId, 1, { senderId: 'alice', clientMessageId: 'same' });
        expect(await store.claimClientMessageId(first)).toBeUndefined();
        const retry = message(roomId, 2, { senderId: 'alice', clientMessageId: 'same', content: 'other' });
        expect(await store.claimClientMessageId(retry)).toEqual(first);
        // Another sender, another room, or another id is another claim.
        expect(await store.claimClientMessageId(message(roomId, 3, { senderId: 'bob', clientMessageId: 'same' }))).toBeUndefined();
        expect(await store.claimClientMessageId(message(uid('room'), 1, { senderId: 'alice', clientMessageId: 'same' }))).toBeUndefined();
      });

      it("keeps claims apart when '#' moves between sender id and client message id", async () => {
        const roomId = uid('room');
        expect(await store.claimClientMessageId(message(roomId, 1, { senderId: 'a#b', clientMessageId: 'c' }))).toBeUndefined();
        expect(await store.claimClientMessageId(message(roomId, 2, { senderId: 'a', clientMessageId: 'b#c' }))).toBeUndefined();
        expect(await store.claimClientMessageId(message(roomId, 3, { senderId: 'a%23b', clientMessageId: 'c' }))).toBeUndefined();
        const state = await store.getSendState(roomId, 'a', 'b#c');
        expect(state.existing?.seq).toBe(2);
      });

      it('lets exactly one of many racing claims win', async () => {
        const roomId = uid('room');
        const attempts = Array.from({ length: 8 }, (_, index) =>
          message(roomId, index + 1, { senderId: 'alice', clientMessageId: 'race' }),
        );
        const results = await Promise.all(attempts.map((attempt) => store.claimClientMessageId(attempt)));
        const winners = results.filter((result) => result === undefined);
        expect(winners.length).toBe(1);
        const winner = attempts[results.indexOf(undefined)]!;
        expect(results.filter((result) => result !== undefined).every((result) => result!.id === winner.id)).toBe(true);
      });

      it('stores a message under its seq once', async () => {
        const roomId = uid('room');
        const stored = message(roomId, 1);
        expect(await store.putMessageIfAbsent(stored)).toBe(true);
        expect(await store.putMessageIfAbsent(message(roomId, 1, { content: 'replacement' }))).toBe(false);
        expect((await store.getMessages(roomId, { limit: 10 })).messages).toEqual([stored]);
      });

      it('stores content and optional fields exactly', async () => {
        const roomId = uid('room');
        const tricky = message(roomId, 1, {
          content: 'quotes " \' backslash \\ newline \n emoji 👩‍👩‍👧 </script> {"json":true} \u2028',
          messageType: 'image',
          attachmentUrl: 'https://cdn.example/a.png',
          senderAvatar: 'https://cdn.example/me.png',
        });
        const plain = message(roomId, 2);
        await store.putMessageIfAbsent(tricky);
        await store.putMessageIfAbsent(plain);
        const { messages } = await store.getMessages(roomId, { limit: 10 });
        expect(messages).toEqual([tricky, plain]);
        expect(Object.keys(messages[1]!).sort()).toEqual(Object.keys(plain).sort());
      });

      it('reads history: newest, after, before, in ascending seq with hasMore in that direction', async () => {
        const roomId = uid('room');
        // Stored out of order, with a gap at 8 (a send that failed half way), seqs across a digit boundary.
        const seqs = [12, 3, 1, 10, 2, 4, 5, 6, 7, 9, 11];
        for (const seq of seqs) await store.putMessageIfAbsent(message(roomId, seq));
        await store.putMessageIfAbsent(message(uid('room'), 13));
        const read = async (query: Parameters<ChatStore['getMessages']>[1]) => {
          const result = await store.getMessages(roomId, query);
          return { seqs: result.messages.map((item) => item.seq), hasMore: result.hasMore };
        };

        expect(await read({ limit: 3 })).toEqual({ seqs: [10, 11, 12], hasMore: true });
        expect(await read({ limit: 11 })).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12], hasMore: false });
        expect(await read({ limit: 50 })).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12], hasMore: false });
        expect(await read({ after: 6, limit: 3 })).toEqual({ seqs: [7, 9, 10], hasMore: true });
        expect(await read({ after: 9, limit: 3 })).toEqual({ seqs: [10, 11, 12], hasMore: false });
        expect(await read({ after: 12, limit: 3 })).toEqual({ seqs: [], hasMore: false });
        expect(await read({ after: 0, limit: 2 })).toEqual({ seqs: [1, 2], hasMore: true });
        expect(await read({ before: 10, limit: 3 })).toEqual({ seqs: [6, 7, 9], hasMore: true });
        expect(await read({ before: 3, limit: 3 })).toEqual({ seqs: [1, 2], hasMore: false });
        expect(await read({ before: 1, limit: 3 })).toEqual({ seqs: [], hasMore: false });
        expect(await store.getMessages(uid('empty'), { limit: 5 })).toEqual({ messages: [], hasMore: false });
      });

      it('keeps history apart from the other items of the room', async () => {
        const created = await roomWithMembers(['alice', 'zed']);
        await store.putSubscriptions([subscription(created.roomId, 'zzz', T0 + 1_000)]);
        await store.startTyping(typing(created.roomId, 'zed', T0 + 5_000), T0, 3_000);
        await store.claimClientMessageId(message(created.roomId, 1));
        expect(await store.getMessages(created.roomId, { limit: 10 })).toEqual({ messages: [], hasMore: false });
        await store.putMessageIfAbsent(message(created.roomId, 1));
        expect((await store.getMessages(created.roomId, { limit: 10 })).messages.map((item) => item.seq)).toEqual([1]);
        expect((await store.getMessages(created.roomId, { before: 5, limit: 10 })).messages.length).toBe(1);
        expect((await store.getMessages(created.roomId, { after: 0, limit: 10 })).messages.length).toBe(1);
      });

      it('getSendState reads membership, the claimed message and the typing indicator together', async () => {
        const created = await roomWithMembers(['alice']);
        expect(await store.getSendState(created.roomId, 'alice', 'cm-1')).toEqual({
          member: member(created.roomId, 'alice'),
        });
        const claimed = message(created.roomId, 1, { senderId: 'alice', clientMessageId: 'cm-1' });
        await store.claimClientMessageId(claimed);
        const indicator = typing(created.roomId, 'alice', T0 + 5_000);
        await store.startTyping(indicator, T0, 3_000);
        expect(await store.getSendState(created.roomId, 'alice', 'cm-1')).toEqual({
          member: member(created.roomId, 'alice'),
          existing: claimed,
          typing: { ...indicator, lastBroadcastAt: T0 },
        });
        expect(await store.getSendState(created.roomId, 'stranger', 'cm-1')).toEqual({});
      });
    });

    describe('typing', () => {
      it('broadcasts a start, extends quietly within the rebroadcast window, rebroadcasts after it', async () => {
        const roomId = uid('room');
        expect(await store.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000)).toBe(true);
        expect(await store.startTyping(typing(roomId, 'alice', T0 + 6_000), T0 + 1_000, 3_000)).toBe(false);
        expect(await store.listTyping(roomId, T0 + 5_500)).toEqual([
          { ...typing(roomId, 'alice', T0 + 6_000), lastBroadcastAt: T0 },
        ]);
        expect(await store.startTyping(typing(roomId, 'alice', T0 + 7_999), T0 + 2_999, 3_000)).toBe(false);
        expect(await store.startTyping(typing(roomId, 'alice', T0 + 8_000), T0 + 3_000, 3_000)).toBe(true);
        expect(await store.listTyping(roomId, T0 + 3_000)).toEqual([
          { ...typing(roomId, 'alice', T0 + 8_000), lastBroadcastAt: T0 + 3_000 },
        ]);
      });

      it('treats an expired indicator as not live: the next start broadcasts', async () => {
        const roomId = uid('room');
        expect(await store.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 10_000)).toBe(true);
        expect(await store.listTyping(roomId, T0 + 5_000)).toEqual([]);
        expect(await store.startTyping(typing(roomId, 'alice', T0 + 10_000), T0 + 5_000, 10_000)).toBe(true);
      });

      it('lets exactly one of racing starts broadcast', async () => {
        const roomId = uid('room');
        const results = await Promise.all(
          Array.from({ length: 5 }, () => store.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000)),
        );
        expect(results.filter(Boolean).length).toBe(1);
      });

      it('stopTyping removes the indicator and returns it only when it was live', async () => {
        const roomId = uid('room');
        await store.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000);
        expect(await store.stopTyping(roomId, 'alice', T0 + 1_000)).toEqual({
          ...typing(roomId, 'alice', T0 + 5_000),
          lastBroadcastAt: T0,
        });
        expect(await store.stopTyping(roomId, 'alice', T0 + 1_000)).toBeUndefined();
        expect(await store.listTyping(roomId, T0)).toEqual([]);

        await store.startTyping(typing(roomId, 'bob', T0 + 5_000), T0, 3_000);
        expect(await store.stopTyping(roomId, 'bob', T0 + 5_000)).toBeUndefined();
        // Gone even though it was no longer live: a later start is a fresh one.
        expect(await store.startTyping(typing(roomId, 'bob', T0 + 9_000), T0 + 4_000, 3_000)).toBe(true);
      });

      it("lists only the room's live indicators", async () => {
        const roomId = uid('room');
        await store.startTyping(typing(roomId, 'alice', T0 + 5_000), T0, 3_000);
        await store.startTyping(typing(roomId, 'bob', T0 + 2_000), T0, 3_000);
        await store.startTyping(typing(uid('room'), 'carol', T0 + 5_000), T0, 3_000);
        expect((await store.listTyping(roomId, T0 + 1_000)).map((item) => item.userId).sort()).toEqual(['alice', 'bob']);
        expect((await store.listTyping(roomId, T0 + 2_000)).map((item) => item.userId)).toEqual(['alice']);
      });
    });

    it('rejects a limit below 1', async () => {
      await expect(store.listMembers(uid('room'), { limit: 0 })).rejects.toThrow(/limit/);
      await expect(store.getMessages(uid('room'), { limit: 0 })).rejects.toThrow(/limit/);
    });
  });
}
