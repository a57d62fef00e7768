// Messages on the table: ROOM#<room> MSG#<seq, 16 digits> (history) and ROOM#<room> CMID#<sender>#<client id>
// (the message first stored under that client message id, for retries); the seq counter is the room item's lastSeq.
// sendMessage writes the claim, then the seq, then the history item: each step idempotent and safe to repeat.
import { UNREAD_SCAN_FACTOR, type MessageStore, type SendState } from '../../chat/ports.js';
import { memberFromItem, messageFromItem, messageItem, typingFromItem } from './codec.js';
import { assertPageLimit } from './cursor.js';
import { MAX_SEQ_KEY, PK, SK, SK_PREFIX, keys, paddedSeq, roomPk } from './keys.js';
import { ITEM_ABSENT, ITEM_EXISTS } from './queries.js';
import type { Table } from './table.js';

export function createMessageStore(table: Table): MessageStore {
  return {
    async getSendState(roomId, userId, clientMessageId) {
      // The member and typing items share the room's partition: one BatchGetItem reads all three.
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
      const updated = await table.updateIf('nextSeq', keys.room(roomId), {
        update: { expression: 'ADD lastSeq :one', values: { ':one': 1 } },
        condition: ITEM_EXISTS,
        returnValues: 'UPDATED_NEW',
      });
      if (!updated) throw new Error(`nextSeq: room ${roomId} does not exist`);
      return Number(updated.lastSeq);
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

    async countUnread(roomId, userId, afterSeq, cap, throughSeq) {
      assertPageLimit(cap);
      const high = throughSeq === undefined ? MAX_SEQ_KEY : paddedSeq(Math.floor(throughSeq));
      const low = paddedSeq(Math.max(0, Math.floor(afterSeq) + 1));
      if (low > high) return 0;
      // Eventually consistent (half the units): a count a moment old is corrected by the next event or marker.
      const matched = await table.count(
        'countUnread',
        {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          FilterExpression: 'attribute_not_exists(#changeOf) AND #senderId <> :userId',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#changeOf': 'changeOf', '#senderId': 'senderId' },
          ExpressionAttributeValues: {
            ':pk': roomPk(roomId),
            ':low': `${SK_PREFIX.message}${low}`,
            ':high': `${SK_PREFIX.message}${high}`,
            ':userId': userId,
          },
        },
        // Pages of `cap` items: when the first page is all unread (the usual case) one request reads exactly cap.
        { enough: cap, pageSize: cap, maxScanned: UNREAD_SCAN_FACTOR * cap },
      );
      return Math.min(matched, cap);
    },
  };
}
