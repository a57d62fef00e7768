// The ChatStore on one DynamoDB table (keys: ./table-schema.ts). The same code runs on AWS and on dynalite, which
// has neither transactions nor TTL deletion, so:
// - no TransactWriteItems: multi-item writes are ordered so a failure leaves nothing visible (createRoom deletes
//   what it wrote), or are idempotent and safe to repeat (sendMessage's claim, then seq, then history put);
// - expiry is logic: every read of an expiring kind filters on expiresAtMs > now; the TTL attribute `expiresAt`
//   (epoch seconds) only collects garbage, late.
// No Scan anywhere: every list is a Query on one partition (or the byUser index), following pages.
//
// Items (ids escaped in keys, see ./dynamo/keys.ts):
//   USER#<user>  PROFILE                    profile
//   USER#<user>  CONN#<connection>          the user's connections (presence across devices), expiring
//   USER#<user>  PRESENCE                   online, gen (connects counted), liveUntil: where presence flips
//   CONN#<conn>  CONN                       the connection (userId), expiring
//   ROOM#<room>  META                       room; lastSeq is the message counter
//   ROOM#<room>  MEMBER#<user>              membership, lastReadSeq; gsi1pk USER#<user>, gsi1sk ROOM#<room>
//   ROOM#<room>  SUB#<connection>           subscription (what fan-out reads), expiring
//   ROOM#<room>  MSG#<seq, 16 digits>       message history
//   ROOM#<room>  CMID#<sender>#<client id>  the message first stored under that client message id (retries)
//   ROOM#<room>  TYPING#<user>              typing indicator, expiring
// Keeping a room's members, subscriptions, history and typing in its one partition lets sendMessage read all it
// needs in one BatchGetItem and getHistory read one key range.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatStore, MemberRecord, Page, PageRequest, RoomRecord, SendState } from '../chat/ports.js';
import {
  connectionFromItem,
  connectionItems,
  memberFromItem,
  memberItem,
  messageFromItem,
  messageItem,
  presenceFromItem,
  profileFromItem,
  roomFromItem,
  roomItem,
  subscriptionFromItem,
  subscriptionItem,
  typingFromItem,
  typingItem,
} from './dynamo/codec.js';
import { assertPageLimit, decodeCursor, encodeCursor, type CursorShape } from './dynamo/cursor.js';
import {
  EXPIRES_AT_MS,
  GSI_PK,
  GSI_SK,
  MAX_SEQ_KEY,
  PK,
  SK,
  SK_PREFIX,
  TTL_ATTRIBUTE,
  keys,
  paddedSeq,
  roomPk,
  ttlSeconds,
  userPk,
} from './dynamo/keys.js';
import { TABLE_SCHEMA } from './table-schema.js';
import { allWritesSettled, createTable, type ConsumedCapacityListener, type Item, type QueryParams } from './dynamo/table.js';

export interface DynamoStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** When given, every request asks for ReturnConsumedCapacity TOTAL and reports it here (benchmarks, cost model). */
  onConsumedCapacity?: ConsumedCapacityListener;
}

const ITEM_EXISTS: { expression: string; names: Record<string, string> } = {
  expression: 'attribute_exists(#pk)',
  names: { '#pk': PK },
};
const PRESENCE_NAMES = { '#online': 'online', '#gen': 'gen', '#liveUntil': 'liveUntil' };
const ITEM_ABSENT = { expression: 'attribute_not_exists(#pk)', names: { '#pk': PK } };

/** A Query over one partition's sort-key prefix. */
const prefixQuery = (pk: string, skPrefix: string, extra: Partial<QueryParams> = {}): QueryParams => ({
  KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
  ...extra,
  ExpressionAttributeNames: { '#pk': PK, '#sk': SK, ...extra.ExpressionAttributeNames },
  ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix, ...extra.ExpressionAttributeValues },
});

/** Only items whose millisecond expiry is after `now` (the TTL attribute in seconds is never read). */
const liveAt = (now: number): Partial<QueryParams> => ({
  FilterExpression: '#expiresAtMs > :now',
  ExpressionAttributeNames: { '#expiresAtMs': EXPIRES_AT_MS },
  ExpressionAttributeValues: { ':now': now },
});

const pick = (item: Item, names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, String(item[name])]));

export function createDynamoStore(options: DynamoStoreOptions): ChatStore {
  const table = createTable(options);

  /**
   * One page of up to `limit` items. It reads limit + 1 so the cursor is issued only when another item follows,
   * and builds the cursor from the last item returned (the LastEvaluatedKey a Limit of `limit` would have given);
   * cursorAfter builds the same from any item of the page.
   */
  async function listPage<T>(
    operation: string,
    params: QueryParams,
    page: PageRequest,
    cursorShape: CursorShape,
    fromItem: (item: Item) => T,
  ): Promise<Page<T>> {
    assertPageLimit(page.limit);
    const startKey = page.cursor === undefined ? undefined : decodeCursor(page.cursor, cursorShape);
    const { items } = await table.collect(operation, params, page.limit + 1, startKey);
    const kept = items.slice(0, page.limit);
    const cursorAfter = (index: number): string => encodeCursor(pick(kept[index]!, Object.keys(cursorShape)));
    const result: Page<T> = { items: kept.map(fromItem), cursorAfter };
    if (items.length > page.limit) result.cursor = cursorAfter(page.limit - 1);
    return result;
  }

  const roomPartitionCursor = (roomId: string, skPrefix: string): CursorShape => ({
    [PK]: { equals: roomPk(roomId) },
    [SK]: { prefix: skPrefix },
  });

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

  const store: ChatStore = {
    // Profiles

    async ensureProfile(userId, tokenDisplayName) {
      // One write in the common case: creates the profile, or refreshes the token's name unless the user chose one.
      const result = await table.updateIf(
        'ensureProfile',
        keys.profile(userId),
        {
          expression: 'SET userId = :userId, displayName = :name, nameSetByUser = if_not_exists(nameSetByUser, :false)',
          values: { ':userId': userId, ':name': tokenDisplayName, ':false': false },
        },
        {
          expression: 'attribute_not_exists(#pk) OR nameSetByUser = :false',
          names: { '#pk': PK },
          values: { ':false': false },
        },
        'ALL_NEW',
      );
      if (result?.attributes) return profileFromItem(result.attributes);
      const stored = await table.get('ensureProfile', keys.profile(userId), true);
      if (!stored) throw new Error(`ensureProfile: the profile of ${userId} vanished while it was read`);
      return profileFromItem(stored);
    },

    async getProfiles(userIds) {
      const items = await table.batchGet('getProfiles', userIds.map(keys.profile));
      return new Map(items.map((item) => [String(item.userId), profileFromItem(item)]));
    },

    async updateProfile(userId, changes) {
      const set = ['userId = :userId'];
      const values: Record<string, unknown> = { ':userId': userId };
      const remove: string[] = [];
      if (changes.displayName !== undefined) {
        set.push('displayName = :name', 'nameSetByUser = :true');
        values[':name'] = changes.displayName;
        values[':true'] = true;
      } else {
        // A profile always has a name; on one made here without a name, the user id stands in.
        set.push('displayName = if_not_exists(displayName, :userId)', 'nameSetByUser = if_not_exists(nameSetByUser, :false)');
        values[':false'] = false;
      }
      if (changes.avatarUrl === null) remove.push('avatarUrl');
      else if (changes.avatarUrl !== undefined) {
        set.push('avatarUrl = :avatarUrl');
        values[':avatarUrl'] = changes.avatarUrl;
      }
      const expression = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
      const result = await table.updateIf('updateProfile', keys.profile(userId), { expression, values }, undefined, 'ALL_NEW');
      return profileFromItem(result!.attributes!);
    },

    async setLastSeen(userId, at) {
      // Conditional: an update would otherwise create a profile without a display name.
      await table.updateIf(
        'setLastSeen',
        keys.profile(userId),
        { expression: 'SET lastSeenAt = :at', values: { ':at': at } },
        ITEM_EXISTS,
      );
    },

    // Connections

    async putConnection(connection) {
      await table.batchWrite(
        'putConnection',
        connectionItems(connection).map((item) => ({ PutRequest: { Item: item } })),
      );
    },

    async getConnection(connectionId) {
      const item = await table.get('getConnection', keys.connection(connectionId), true);
      return item && connectionFromItem(item);
    },

    async deleteConnection(userId, connectionId) {
      const [removed] = await allWritesSettled([
        // Conditional on the owner, so a caller naming the wrong user cannot remove someone else's connection.
        table.remove('deleteConnection', keys.connection(connectionId), {
          expression: 'userId = :userId',
          values: { ':userId': userId },
        }),
        table.remove('deleteConnection', keys.userConnection(userId, connectionId)),
      ]);
      return removed !== undefined;
    },

    async listConnections(userId, now) {
      const { items } = await table.collect(
        'listConnections',
        prefixQuery(userPk(userId), SK_PREFIX.userConnection, { ...liveAt(now), ConsistentRead: true }),
        Infinity,
      );
      return items.map(connectionFromItem);
    },

    // Presence

    async markOnline(userId, liveUntil) {
      const result = await table.updateIf(
        'markOnline',
        keys.presence(userId),
        {
          expression: 'SET #online = :true, #liveUntil = :liveUntil ADD #gen :one',
          names: PRESENCE_NAMES,
          values: { ':true': true, ':liveUntil': liveUntil, ':one': 1 },
        },
        undefined,
        'UPDATED_OLD',
      );
      const old = result?.attributes;
      return old && presenceFromItem(old);
    },

    async getPresence(userId) {
      const item = await table.get('getPresence', keys.presence(userId), true);
      return item && presenceFromItem(item);
    },

    async settlePresence(userId, seen, liveUntil) {
      const update =
        liveUntil === undefined
          ? { expression: 'SET #online = :false', values: { ':false': false } }
          : {
              expression: 'SET #liveUntil = :liveUntil',
              names: { '#liveUntil': PRESENCE_NAMES['#liveUntil'] },
              values: { ':liveUntil': liveUntil },
            };
      const result = await table.updateIf('settlePresence', keys.presence(userId), update, {
        expression: '#gen = :gen AND #online = :true',
        names: { '#gen': PRESENCE_NAMES['#gen'], '#online': PRESENCE_NAMES['#online'] },
        values: { ':gen': seen.gen, ':true': true },
      });
      return result !== undefined;
    },

    // Rooms and members

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
        'listMembers',
        prefixQuery(roomPk(roomId), SK_PREFIX.member),
        page,
        roomPartitionCursor(roomId, SK_PREFIX.member),
        memberFromItem,
      );
    },

    async listMemberships(userId, page) {
      return listPage(
        'listMemberships',
        {
          IndexName: TABLE_SCHEMA.userIndex.name,
          KeyConditionExpression: '#gsiPk = :gsiPk',
          ExpressionAttributeNames: { '#gsiPk': GSI_PK },
          ExpressionAttributeValues: { ':gsiPk': userPk(userId) },
        },
        page,
        {
          // A LastEvaluatedKey of an index carries the index's keys and the table's.
          [GSI_PK]: { equals: userPk(userId) },
          [GSI_SK]: { prefix: 'ROOM#' },
          [PK]: { prefix: 'ROOM#' },
          [SK]: { prefix: SK_PREFIX.member },
        },
        memberFromItem,
      );
    },

    async advanceReadMarker(roomId, userId, seq) {
      const result = await table.updateIf(
        'advanceReadMarker',
        keys.member(roomId, userId),
        { expression: 'SET lastReadSeq = :seq', values: { ':seq': seq } },
        { expression: 'attribute_exists(#pk) AND lastReadSeq < :seq', names: { '#pk': PK }, values: { ':seq': seq } },
      );
      return result !== undefined;
    },

    // Subscriptions

    async putSubscriptions(subscriptions) {
      await table.batchWrite(
        'putSubscriptions',
        subscriptions.map((subscription) => ({ PutRequest: { Item: subscriptionItem(subscription) } })),
      );
    },

    async deleteSubscriptions(subscriptionKeys) {
      await table.batchWrite(
        'deleteSubscriptions',
        subscriptionKeys.map(({ roomId, connectionId }) => ({
          DeleteRequest: { Key: keys.subscription(roomId, connectionId) },
        })),
      );
    },

    async listSubscriptions(roomId, now, page) {
      return listPage(
        'listSubscriptions',
        prefixQuery(roomPk(roomId), SK_PREFIX.subscription, liveAt(now)),
        page,
        roomPartitionCursor(roomId, SK_PREFIX.subscription),
        subscriptionFromItem,
      );
    },

    // Messages

    async getSendState(roomId, userId, clientMessageId) {
      const memberKey = keys.member(roomId, userId);
      const claimKey = keys.claim(roomId, userId, clientMessageId);
      const items = await table.batchGet(
        'getSendState',
        [memberKey, claimKey, keys.typing(roomId, userId)],
        // Consistent: a retry arriving right after the first send must see its claim.
        true,
      );
      const state: SendState = {};
      for (const item of items) {
        if (item[SK] === memberKey[SK]) state.member = memberFromItem(item);
        else if (item[SK] === claimKey[SK]) state.existing = messageFromItem(item);
        // As stored: the port takes no `now` here, so the caller judges whether the indicator is live.
        else state.typing = typingFromItem(item);
      }
      return state;
    },

    async nextSeq(roomId) {
      const result = await table.updateIf(
        'nextSeq',
        keys.room(roomId),
        { expression: 'ADD lastSeq :one', values: { ':one': 1 } },
        ITEM_EXISTS,
        'UPDATED_NEW',
      );
      if (!result) throw new Error(`nextSeq: room ${roomId} does not exist`);
      return Number(result.attributes!.lastSeq);
    },

    async claimClientMessageId(message) {
      const claimKey = keys.claim(message.roomId, message.senderId, message.clientMessageId);
      if (await table.putIf('claimClientMessageId', messageItem(claimKey, message), ITEM_ABSENT)) return undefined;
      const first = await table.get('claimClientMessageId', claimKey, true);
      if (!first) throw new Error('claimClientMessageId: the claim vanished while it was read');
      return messageFromItem(first);
    },

    async putMessageIfAbsent(message) {
      return table.putIf(
        'putMessageIfAbsent',
        messageItem(keys.message(message.roomId, message.seq), message),
        ITEM_ABSENT,
      );
    },

    async getMessages(roomId, query) {
      assertPageLimit(query.limit);
      if (query.before !== undefined && query.after !== undefined) {
        throw new RangeError('getMessages: before and after cannot be combined');
      }
      // A range within MSG#: unbounded, the newest end would run into SUB# and TYPING# items of the partition.
      let low = paddedSeq(0);
      let high = MAX_SEQ_KEY;
      if (query.after !== undefined) low = paddedSeq(Math.max(0, Math.floor(query.after) + 1));
      if (query.before !== undefined) {
        const below = Math.ceil(query.before) - 1;
        if (below < 0) return { messages: [], hasMore: false };
        high = paddedSeq(below);
      }
      const oldestFirst = query.after !== undefined;
      const { items } = await table.collect(
        'getMessages',
        {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
          ExpressionAttributeValues: {
            ':pk': roomPk(roomId),
            ':low': `${SK_PREFIX.message}${low}`,
            ':high': `${SK_PREFIX.message}${high}`,
          },
          ScanIndexForward: oldestFirst,
        },
        query.limit + 1,
      );
      const window = items.slice(0, query.limit).map(messageFromItem);
      if (!oldestFirst) window.reverse();
      return { messages: window, hasMore: items.length > query.limit };
    },

    // Typing

    async startTyping(record, now, rebroadcastAfterMs) {
      // Bounded: each failed round means another writer changed the item in between, which cannot go on forever.
      for (let attempt = 0; attempt < 3; attempt++) {
        const broadcast = await table.putIf('startTyping', typingItem({ ...record, lastBroadcastAt: now }), {
          expression: 'attribute_not_exists(#pk) OR #expiresAtMs <= :now OR lastBroadcastAt <= :rebroadcastBefore',
          names: { '#pk': PK, '#expiresAtMs': EXPIRES_AT_MS },
          values: { ':now': now, ':rebroadcastBefore': now - rebroadcastAfterMs },
        });
        if (broadcast) return true;
        // Live and recently broadcast: only push the expiry out. Conditional so a stopTyping in between is not
        // undone by a half item.
        const extended = await table.updateIf(
          'startTyping',
          keys.typing(record.roomId, record.userId),
          {
            expression: 'SET #expiresAtMs = :expiresAtMs, #ttl = :ttl',
            names: { '#expiresAtMs': EXPIRES_AT_MS, '#ttl': TTL_ATTRIBUTE },
            values: { ':expiresAtMs': record.expiresAt, ':ttl': ttlSeconds(record.expiresAt) },
          },
          ITEM_EXISTS,
        );
        if (extended) return false;
      }
      throw new Error('startTyping: the indicator kept changing under concurrent writes');
    },

    async stopTyping(roomId, userId, now) {
      const old = await table.remove('stopTyping', keys.typing(roomId, userId));
      if (!old) return undefined;
      const record = typingFromItem(old);
      return record.expiresAt > now ? record : undefined;
    },

    async listTyping(roomId, now) {
      const { items } = await table.collect(
        'listTyping',
        prefixQuery(roomPk(roomId), SK_PREFIX.typing, liveAt(now)),
        Infinity,
      );
      return items.map(typingFromItem);
    },
  };
  return store;
}

export type { ConsumedCapacityListener } from './dynamo/table.js';
