// Typing indicators on the table: ROOM#<room> TYPING#<user>, expiring.
import type { TypingStore } from '../../chat/ports.js';
import { TABLE_SCHEMA } from '../table-schema.js';
import { typingFromItem, typingItem } from './codec.js';
import {
  EXPIRES_AT_MS,
  GSI_PK,
  PK,
  SK_PREFIX,
  TTL_ATTRIBUTE,
  keys,
  roomPk,
  ttlSeconds,
  typistIndexPk,
} from './keys.js';
import { ITEM_EXISTS, liveAt, listLive } from './queries.js';
import type { Table } from './table.js';

export function createTypingStore(table: Table): TypingStore {
  return {
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
        const extended = await table.updateIf('startTyping', keys.typing(record.roomId, record.userId), {
          update: {
            expression: 'SET #expiresAtMs = :expiresAtMs, #ttl = :ttl',
            names: { '#expiresAtMs': EXPIRES_AT_MS, '#ttl': TTL_ATTRIBUTE },
            values: { ':expiresAtMs': record.expiresAt, ':ttl': ttlSeconds(record.expiresAt) },
          },
          condition: ITEM_EXISTS,
        });
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
      return listLive(table, 'listTyping', roomPk(roomId), SK_PREFIX.typing, now, typingFromItem);
    },

    async listTypingOf(userId, now) {
      const live = liveAt(now);
      const { items } = await table.collect(
        'listTypingOf',
        {
          IndexName: TABLE_SCHEMA.userIndex.name,
          KeyConditionExpression: '#gsiPk = :gsiPk',
          FilterExpression: live.FilterExpression,
          ExpressionAttributeNames: { '#gsiPk': GSI_PK, ...live.ExpressionAttributeNames },
          ExpressionAttributeValues: { ':gsiPk': typistIndexPk(userId), ...live.ExpressionAttributeValues },
        },
        Infinity,
      );
      return items.map(typingFromItem);
    },
  };
}
