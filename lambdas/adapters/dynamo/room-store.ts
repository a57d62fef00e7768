// Rooms and members on the table: ROOM#<room> META (the room; lastSeq is the message counter) and
// ROOM#<room> MEMBER#<user> (membership and read marker; its byUser index keys list a user's rooms).
import type { MemberRecord, RoomRecord, RoomStore } from '../../chat/ports.js';
import { memberFromItem, memberItem, roomFromItem, roomItem } from './codec.js';
import { PK, SK, SK_PREFIX, keys, roomPk, userPk } from './keys.js';
import { ITEM_ABSENT, ITEM_EXISTS, listByUserIndex, listPage, prefixQuery, roomPartitionCursor } from './queries.js';
import { allWritesSettled, type Table } from './table.js';

export function createRoomStore(table: Table): RoomStore {
  async function getRoom(operation: string, roomId: string): Promise<RoomRecord | undefined> {
    const item = await table.get(operation, keys.room(roomId), true);
    return item && roomFromItem(item);
  }

  /** Conditional puts, one per member: exactly the ones that were not members yet succeed. */
  async function putAbsentMembers(operation: string, roomId: string, members: readonly MemberRecord[]) {
    const written = await allWritesSettled(
      members.map((member) => table.putIf(operation, memberItem(roomId, member), ITEM_ABSENT)),
    );
    return members.filter((_, index) => written[index]).map((member) => member.userId);
  }

  return {
    async createRoom(room, members) {
      let created: boolean;
      try {
        created = await table.putIf('createRoom', roomItem(room), ITEM_ABSENT);
      } catch (error) {
        // The put may have been applied with its answer lost on the way back (a timeout): remove the room if it is
        // the one this call wrote, or it would stay behind without members. Best effort: the write error wins.
        await table
          .remove('createRoom', keys.room(room.roomId), {
            expression: 'createdBy = :createdBy AND createdAt = :createdAt AND lastSeq = :lastSeq',
            values: { ':createdBy': room.createdBy, ':createdAt': room.createdAt, ':lastSeq': room.lastSeq },
          })
          .catch(() => undefined);
        throw error;
      }
      if (!created) throw new Error(`createRoom: room ${room.roomId} already exists`);
      try {
        await table.batchWrite(
          'createRoom',
          members.map((member) => ({ PutRequest: { Item: memberItem(room.roomId, member) } })),
        );
      } catch (error) {
        // Without transactions, all-or-nothing means undoing: members first, the room last, so a retry of the
        // undo (or garbage) never leaves members of a room that does not exist. Best effort: the write error wins.
        await table
          .batchWrite(
            'createRoom',
            members.map((member) => ({ DeleteRequest: { Key: keys.member(room.roomId, member.userId) } })),
          )
          .then(() => table.remove('createRoom', keys.room(room.roomId)))
          .catch(() => undefined);
        throw error;
      }
    },

    async ensureRoom(room, members) {
      const created = await table.putIf('ensureRoom', roomItem(room), ITEM_ABSENT);
      const stored = created ? room : await getRoom('ensureRoom', room.roomId);
      if (!stored) throw new Error(`ensureRoom: room ${room.roomId} vanished while it was read`);
      const added = await putAbsentMembers('ensureRoom', room.roomId, members);
      return { room: stored, added };
    },

    async getRoomAndMember(roomId, userId) {
      const items = await table.batchGet('getRoomAndMember', [keys.room(roomId), keys.member(roomId, userId)]);
      const result: { room?: RoomRecord; member?: MemberRecord } = {};
      for (const item of items) {
        if (item[SK] === keys.room(roomId)[SK]) result.room = roomFromItem(item);
        else result.member = memberFromItem(item);
      }
      return result;
    },

    async getRooms(roomIds) {
      const items = await table.batchGet('getRooms', roomIds.map(keys.room));
      return new Map(items.map((item) => [String(item.roomId), roomFromItem(item)]));
    },

    async addMembers(roomId, members) {
      return putAbsentMembers('addMembers', roomId, members);
    },

    async removeMember(roomId, userId) {
      return (await table.remove('removeMember', keys.member(roomId, userId))) !== undefined;
    },

    async listMembers(roomId, page) {
      return listPage(
        table,
        'listMembers',
        prefixQuery(roomPk(roomId), SK_PREFIX.member),
        page,
        roomPartitionCursor(roomId, SK_PREFIX.member),
        memberFromItem,
      );
    },

    async listMemberships(userId, page) {
      return listByUserIndex(table, 'listMemberships', userPk(userId), SK_PREFIX.member, page, memberFromItem);
    },

    async advanceReadMarker(roomId, userId, seq) {
      const moved = await table.updateIf('advanceReadMarker', keys.member(roomId, userId), {
        update: { expression: 'SET lastReadSeq = :seq', values: { ':seq': seq } },
        condition: {
          expression: 'attribute_exists(#pk) AND lastReadSeq < :seq',
          names: { '#pk': PK },
          values: { ':seq': seq },
        },
      });
      return moved !== undefined;
    },

    async setPushMuted(roomId, userId, muted) {
      // Unmuted members carry no attribute at all, as they did before anyone muted anything.
      const written = await table.updateIf('setPushMuted', keys.member(roomId, userId), {
        update: muted
          ? { expression: 'SET pushMuted = :muted', values: { ':muted': true } }
          : { expression: 'REMOVE pushMuted' },
        condition: ITEM_EXISTS,
      });
      return written !== undefined;
    },
  };
}
