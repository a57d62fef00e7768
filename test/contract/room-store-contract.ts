// The behaviour every RoomStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import { InvalidCursorError } from '../../lambdas/chat/ports.js';
import {
  uid,
  T0,
  room,
  member,
  readAll,
  sorted,
  roomWithMembers,
  storesPerTest,
  expectCursorAfterResumes,
  type MakeStores,
} from './store-fixtures.js';

export function describeRoomStoreContract(name: string, makeStores: MakeStores): void {
  describe(`RoomStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('creates a room with its members, read back with getRoomAndMember and getRooms', async () => {
      const created = await roomWithMembers(stores.rooms, ['alice', 'bob#2']);
      expect(await stores.rooms.getRoomAndMember(created.roomId, 'bob#2')).toEqual({
        room: created,
        member: member(created.roomId, 'bob#2'),
      });
      expect(await stores.rooms.getRoomAndMember(created.roomId, 'carol')).toEqual({ room: created });
      expect(await stores.rooms.getRoomAndMember(uid('no-room'), 'alice')).toEqual({});

      const second = await roomWithMembers(stores.rooms, ['alice']);
      const rooms = await stores.rooms.getRooms([created.roomId, second.roomId, uid('no-room'), created.roomId]);
      expect(rooms.size).toBe(2);
      expect(rooms.get(second.roomId)).toEqual(second);
      expect((await stores.rooms.getRooms([])).size).toBe(0);
    });

    it('refuses to create a room whose id exists, leaving the existing room and members as they were', async () => {
      const existing = await roomWithMembers(stores.rooms, ['alice']);
      await expect(
        stores.rooms.createRoom({ ...existing, name: 'Hijack' }, [member(existing.roomId, 'mallory')]),
      ).rejects.toThrow();
      expect(await stores.rooms.getRoomAndMember(existing.roomId, 'alice')).toEqual({
        room: existing,
        member: member(existing.roomId, 'alice'),
      });
      expect((await stores.rooms.getRoomAndMember(existing.roomId, 'mallory')).member).toBeUndefined();
    });

    it('creates a room with 100 members, all listed through pages without repeats', async () => {
      const userIds = Array.from({ length: 100 }, (_, index) => `user-${index}#x`);
      const created = await roomWithMembers(stores.rooms, userIds);
      const { items, pages } = await readAll((page) => stores.rooms.listMembers(created.roomId, page), 30);
      expect(pages).toBe(4);
      expect(sorted(items.map((item) => item.userId))).toEqual(sorted(userIds));
      expect(items.every((item) => item.roomId === created.roomId)).toBe(true);
    });

    it('issues no cursor when a page holds the rest exactly', async () => {
      const created = await roomWithMembers(stores.rooms, ['a', 'b', 'c', 'd']);
      const first = await stores.rooms.listMembers(created.roomId, { limit: 2 });
      expect(first.items.length).toBe(2);
      expect(first.cursor).toBeDefined();
      const second = await stores.rooms.listMembers(created.roomId, { limit: 2, cursor: first.cursor! });
      expect(second.items.length).toBe(2);
      expect(second.cursor).toBeUndefined();
      expect((await stores.rooms.listMembers(created.roomId, { limit: 4 })).cursor).toBeUndefined();
      const empty = await stores.rooms.listMembers(uid('empty'), { limit: 10 });
      expect(empty.items).toEqual([]);
      expect(empty.cursor).toBeUndefined();
    });

    it('cursorAfter(i) resumes right after the i-th item of a page of members and of memberships', async () => {
      const userId = uid('user');
      const created = await roomWithMembers(stores.rooms, [
        ...Array.from({ length: 9 }, (_, i) => `user-${i}#x`),
        userId,
      ]);
      await Promise.all(Array.from({ length: 8 }, () => roomWithMembers(stores.rooms, [userId])));
      await expectCursorAfterResumes(
        (page) => stores.rooms.listMembers(created.roomId, page),
        (item) => item.userId,
      );
      await expectCursorAfterResumes(
        (page) => stores.rooms.listMemberships(userId, page),
        (item) => item.roomId,
      );
    });

    it('refuses cursors it did not issue for that listing', async () => {
      const first = await roomWithMembers(stores.rooms, ['a', 'b', 'c']);
      const second = await roomWithMembers(stores.rooms, ['a', 'b', 'c']);
      const cursor = (await stores.rooms.listMembers(first.roomId, { limit: 1 })).cursor!;
      const membershipCursor = (await readMemberships('a')).cursor!;

      for (const bad of [
        '',
        'garbage',
        '!!!',
        'eyJ9',
        Buffer.from('{"pk":1}').toString('base64url'),
        cursor.slice(0, -4),
      ]) {
        await expect(stores.rooms.listMembers(first.roomId, { limit: 1, cursor: bad })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
      }
      await expect(stores.rooms.listMembers(second.roomId, { limit: 1, cursor })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(
        stores.subscriptions.listSubscriptions(first.roomId, T0, { limit: 1, cursor }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(
        stores.rooms.listMembers(first.roomId, { limit: 1, cursor: membershipCursor }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      // The real cursor still works.
      expect((await stores.rooms.listMembers(first.roomId, { limit: 5, cursor })).items.length).toBe(2);

      async function readMemberships(userId: string) {
        return stores.rooms.listMemberships(userId, { limit: 1 });
      }
    });

    it("lists a user's memberships across rooms through pages", async () => {
      const userId = uid('user');
      const rooms = await Promise.all(
        Array.from({ length: 7 }, () => roomWithMembers(stores.rooms, [userId, uid('other')])),
      );
      await roomWithMembers(stores.rooms, [uid('someone-else')]);
      const { items, pages } = await readAll((page) => stores.rooms.listMemberships(userId, page), 3);
      expect(pages).toBe(3);
      expect(sorted(items.map((item) => item.roomId))).toEqual(sorted(rooms.map((created) => created.roomId)));
      expect(items.every((item) => item.userId === userId)).toBe(true);
    });

    it('ensureRoom creates once, then returns the stored room and adds only missing members', async () => {
      const direct = room({ kind: 'direct', name: 'Direct' });
      const pair = [member(direct.roomId, 'ann'), member(direct.roomId, 'bo#b')];
      expect(await stores.rooms.ensureRoom(direct, pair)).toEqual({ room: direct, added: ['ann', 'bo#b'] });

      await stores.messages.nextSeq(direct.roomId);
      const again = await stores.rooms.ensureRoom({ ...direct, createdAt: T0 + 1, createdBy: 'bo#b' }, pair);
      expect(again).toEqual({ room: { ...direct, lastSeq: 1 }, added: [] });

      expect(await stores.rooms.removeMember(direct.roomId, 'ann')).toBe(true);
      expect((await stores.rooms.ensureRoom(direct, pair)).added).toEqual(['ann']);
    });

    it('addMembers adds and returns only the users who were not members', async () => {
      const created = await roomWithMembers(stores.rooms, ['alice']);
      const added = await stores.rooms.addMembers(created.roomId, [
        member(created.roomId, 'alice', { joinedAt: T0 + 9 }),
        member(created.roomId, 'bob'),
        member(created.roomId, 'carol#c'),
      ]);
      expect(sorted(added)).toEqual(['bob', 'carol#c']);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'alice')).member?.joinedAt).toBe(T0);
      expect(await stores.rooms.addMembers(created.roomId, [member(created.roomId, 'bob')])).toEqual([]);
      const { items } = await readAll((page) => stores.rooms.listMembers(created.roomId, page), 10);
      expect(items.length).toBe(3);
    });

    it('removeMember reports whether the user was a member', async () => {
      const alice = uid('alice');
      const created = await roomWithMembers(stores.rooms, [alice, 'bob']);
      const kept = await roomWithMembers(stores.rooms, [alice]);
      expect(await stores.rooms.removeMember(created.roomId, alice)).toBe(true);
      expect(await stores.rooms.removeMember(created.roomId, alice)).toBe(false);
      expect((await stores.rooms.getRoomAndMember(created.roomId, alice)).member).toBeUndefined();
      expect((await stores.rooms.listMemberships(alice, { limit: 10 })).items.map((item) => item.roomId)).toEqual([
        kept.roomId,
      ]);
    });

    it('moves the read marker forward only, and never for a non-member', async () => {
      const created = await roomWithMembers(stores.rooms, ['alice']);
      expect(await stores.rooms.advanceReadMarker(created.roomId, 'alice', 5)).toBe(true);
      expect(await stores.rooms.advanceReadMarker(created.roomId, 'alice', 3)).toBe(false);
      expect(await stores.rooms.advanceReadMarker(created.roomId, 'alice', 5)).toBe(false);
      expect(await stores.rooms.advanceReadMarker(created.roomId, 'alice', 7)).toBe(true);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'alice')).member?.lastReadSeq).toBe(7);

      expect(await stores.rooms.advanceReadMarker(created.roomId, 'stranger', 9)).toBe(false);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'stranger')).member).toBeUndefined();
    });

    it('rejects a limit below 1', async () => {
      await expect(stores.rooms.listMembers(uid('room'), { limit: 0 })).rejects.toThrow(/limit/);
    });
  });
}
