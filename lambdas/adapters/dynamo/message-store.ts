// Messages on the table: ROOM#<room> MSG#<seq, 16 digits> (history) and ROOM#<room> CMID#<sender>#<client id>
// (the message first stored under that client message id, for retries); the seq counter is the room item's lastSeq.
// sendMessage writes the claim, then the seq, then the history item: each step idempotent and safe to repeat.
// The history also holds the changes made to messages (./message-changes.ts), under seqs of the same counter.
import { UNREAD_SCAN_FACTOR, type MessageStore, type SendState } from '../../chat/ports.js';
import type { Message, MessageChange } from '../../protocol/index.js';
import {
  changeFromItem,
  emojisFromItem,
  isChangeItem,
  memberFromItem,
  messageFromItem,
  messageItem,
  typingFromItem,
} from './codec.js';
import { createMessageChanges } from './message-changes.js';
import { assertPageLimit } from './cursor.js';
import { MAX_SEQ_KEY, PK, SK, SK_PREFIX, keys, paddedSeq, roomPk } from './keys.js';
import { ITEM_ABSENT, ITEM_EXISTS } from './queries.js';
import type { Item, Table } from './table.js';

export function createMessageStore(table: Table): MessageStore {
  /** Whose reactions the viewer gave, for the messages of a page that have any (one batch read). */
  async function viewerEmojis(roomId: string, items: readonly Item[], viewerId: string) {
    const reacted = items.filter((item) => item.reactionCounts !== undefined).map((item) => Number(item.seq));
    const found = await table.batchGet(
      'getMessages',
      reacted.map((seq) => keys.reactor(roomId, seq, viewerId)),
    );
    return new Map(found.map((item) => [String(item[SK]), emojisFromItem(item)]));
  }

  return {
    ...createMessageChanges(table),

    async getSendState(roomId, userId, clientMessageId, replyTo) {
      // The member, typing and replied-to items share the room's partition: one BatchGetItem reads them all.
      const memberKey = keys.member(roomId, userId);
      const claimKey = keys.claim(roomId, userId, clientMessageId);
      const typingKey = keys.typing(roomId, userId);
      const replyKey = replyTo === undefined ? undefined : keys.message(roomId, replyTo);
      const items = await table.batchGet(
        'getSendState',
        [memberKey, claimKey, typingKey, ...(replyKey ? [replyKey] : [])],
        // Consistent: a retry arriving right after the first send must see its claim.
        true,
      );
      const state: SendState = {};
      for (const item of items) {
        if (item[SK] === memberKey[SK]) state.member = memberFromItem(item);
        else if (item[SK] === claimKey[SK]) state.existing = messageFromItem(item);
        // As stored: the port takes no `now` here, so the caller judges whether the indicator is live.
        else if (item[SK] === typingKey[SK]) state.typing = typingFromItem(item);
        else if (!isChangeItem(item)) state.replyTarget = messageFromItem(item);
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
        if (below < 0) return { messages: [], changes: [], hasMore: false };
        high = paddedSeq(below);
      }
      // Catch-up (after) reads the changes too; the newest and older pages list messages only, as they are now.
      const oldestFirst = query.after !== undefined;
      const { items } = await table.collect(
        'getMessages',
        {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          ...(!oldestFirst && { FilterExpression: 'attribute_not_exists(changeOf)' }),
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
      const window = items.slice(0, query.limit);
      if (!oldestFirst) window.reverse();
      const emojis = query.viewerId === undefined ? new Map() : await viewerEmojis(roomId, window, query.viewerId);
      const messages: Message[] = [];
      const changes: MessageChange[] = [];
      for (const item of window) {
        if (isChangeItem(item)) changes.push(changeFromItem(item));
        else {
          const reactorSk = keys.reactor(roomId, Number(item.seq), query.viewerId ?? '')[SK]!;
          messages.push(messageFromItem(item, emojis.get(reactorSk)));
        }
      }
      return { messages, changes, hasMore: items.length > query.limit };
    },

    async countUnread(roomId, userId, afterSeq, cap, throughSeq) {
      assertPageLimit(cap);
      const high = throughSeq === undefined ? MAX_SEQ_KEY : paddedSeq(Math.floor(throughSeq));
      const low = paddedSeq(Math.max(0, Math.floor(afterSeq) + 1));
      let count = 0;
      let countedThrough = afterSeq;
      if (low > high) return { count, countedThrough };
      // The items themselves (a few attributes of each), not Select COUNT: the count must say how far it got, which
      // is the highest seq stored (a seq taken by a send whose item is not written yet is not counted). A Query is
      // charged on the items read before filters and projections, so this costs what a filtered count did.
      // Eventually consistent (half the units): a count a moment old is corrected by the next event or marker.
      await table.scanRange(
        'countUnread',
        {
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :low AND :high',
          ProjectionExpression: '#sk, #senderId, #changeOf',
          ExpressionAttributeNames: { '#pk': PK, '#sk': SK, '#changeOf': 'changeOf', '#senderId': 'senderId' },
          ExpressionAttributeValues: {
            ':pk': roomPk(roomId),
            ':low': `${SK_PREFIX.message}${low}`,
            ':high': `${SK_PREFIX.message}${high}`,
          },
        },
        // Pages of `cap` items: when the first page is all unread (the usual case) one request reads exactly cap.
        { pageSize: cap, maxScanned: UNREAD_SCAN_FACTOR * cap },
        (items) => {
          // Up to the item that reaches the cap: what comes after it is beyond what "cap or more" can tell.
          for (const item of items) {
            countedThrough = Number(String(item[SK]).slice(SK_PREFIX.message.length));
            if (item.changeOf === undefined && item.senderId !== userId) count += 1;
            if (count >= cap) return 'stop';
          }
          return 'more';
        },
      );
      return { count, countedThrough };
    },
  };
}
