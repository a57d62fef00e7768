// Presence on the table: USER#<user> PRESENCE, one item per user (online, gen, liveUntil). Each flip is one update:
// no transaction is needed, so dynalite and DynamoDB behave alike.
import type { PresenceStore } from '../../chat/ports.js';
import { presenceFromItem } from './codec.js';
import { keys } from './keys.js';
import type { Table } from './table.js';

// Attribute names through placeholders, whatever DynamoDB's reserved words hold; each request names only the ones
// its expressions use (DynamoDB refuses unused ones).
const ONLINE = { '#online': 'online' };
const GEN = { '#gen': 'gen' };
const LIVE_UNTIL = { '#liveUntil': 'liveUntil' };

export function createPresenceStore(table: Table): PresenceStore {
  return {
    async markOnline(userId, liveUntil) {
      const before = await table.update('markOnline', keys.presence(userId), {
        update: {
          expression: 'SET #online = :true, #liveUntil = :liveUntil ADD #gen :one',
          names: { ...ONLINE, ...LIVE_UNTIL, ...GEN },
          values: { ':true': true, ':liveUntil': liveUntil, ':one': 1 },
        },
        returnValues: 'UPDATED_OLD',
      });
      // UPDATED_OLD of an item that did not exist is empty.
      return Object.keys(before).length === 0 ? undefined : presenceFromItem(before);
    },

    async getPresence(userId) {
      const item = await table.get('getPresence', keys.presence(userId), true);
      return item && presenceFromItem(item);
    },

    async settlePresence(userId, seen, liveUntil) {
      const update =
        liveUntil === undefined
          ? { expression: 'SET #online = :false', names: ONLINE, values: { ':false': false } }
          : { expression: 'SET #liveUntil = :liveUntil', names: LIVE_UNTIL, values: { ':liveUntil': liveUntil } };
      const written = await table.updateIf('settlePresence', keys.presence(userId), {
        update,
        condition: {
          expression: '#gen = :gen AND #online = :true',
          names: { ...GEN, ...ONLINE },
          values: { ':gen': seen.gen, ':true': true },
        },
      });
      return written !== undefined;
    },
  };
}
