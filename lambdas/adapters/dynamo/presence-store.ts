// Presence on the table: USER#<user> PRESENCE, one item per user (online, gen, liveUntil, leavingSince). Each flip
// is one update: no transaction is needed, so dynalite and DynamoDB behave alike. A leaving user also has an entry
// SWEEP#<shard> LEAVING#<user> (since), where the sweeper finds them.
import type { PresenceStore } from '../../chat/ports.js';
import { presenceFromItem } from './codec.js';
import { SK_PREFIX, keys } from './keys.js';
import { listSweepShard } from './queries.js';
import type { Item, Table } from './table.js';

// Attribute names through placeholders, whatever DynamoDB's reserved words hold; each request names only the ones
// its expressions use (DynamoDB refuses unused ones).
const ONLINE = { '#online': 'online' };
const GEN = { '#gen': 'gen' };
const LIVE_UNTIL = { '#liveUntil': 'liveUntil' };
const LEAVING_SINCE = { '#leavingSince': 'leavingSince' };
const SINCE = { '#since': 'since' };
const WATCH_ONLY = { '#watchOnly': 'watchOnly' };
/** Only the gen the caller read, and only while online: a connect (or flip) since then wins. */
const UNCHANGED_SINCE = (gen: number) => ({
  expression: '#gen = :gen AND #online = :true',
  names: { ...GEN, ...ONLINE },
  values: { ':gen': gen, ':true': true },
});

const leavingFromItem = (item: Item) => ({ userId: item.userId as string, since: item.since as number });

export function createPresenceStore(table: Table): PresenceStore {
  return {
    async markOnline(userId, liveUntil, options) {
      const online = {
        expression: 'SET #online = :true, #liveUntil = :liveUntil ADD #gen :one REMOVE #leavingSince',
        names: { ...ONLINE, ...LIVE_UNTIL, ...GEN, ...LEAVING_SINCE },
        values: { ':true': true, ':liveUntil': liveUntil, ':one': 1 },
      };
      if (options?.watch) {
        // A watch connection marks the user watch-only only if it is the one that flips them online: one conditional
        // write, so a connection that hears every room, racing it, either comes after (and clears the mark) or
        // finds the user online already.
        const flipped = await table.updateIf('markOnline', keys.presence(userId), {
          update: {
            expression: online.expression.replace('SET ', 'SET #watchOnly = :true, '),
            names: { ...online.names, ...WATCH_ONLY },
            values: online.values,
          },
          condition: {
            expression: 'attribute_not_exists(#online) OR #online = :false OR #liveUntil <= :now',
            names: { ...ONLINE, ...LIVE_UNTIL },
            values: { ':false': false, ':now': options.now },
          },
          returnValues: 'UPDATED_OLD',
        });
        if (flipped !== undefined) return Object.keys(flipped).length === 0 ? undefined : presenceFromItem(flipped);
      }
      const before = await table.update('markOnline', keys.presence(userId), {
        update: options?.watch
          ? online
          : {
              expression: `${online.expression}, #watchOnly`,
              names: { ...online.names, ...WATCH_ONLY },
              values: online.values,
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
          ? {
              expression: 'SET #online = :false REMOVE #watchOnly',
              names: { ...ONLINE, ...WATCH_ONLY },
              values: { ':false': false },
            }
          : { expression: 'SET #liveUntil = :liveUntil', names: LIVE_UNTIL, values: { ':liveUntil': liveUntil } };
      // Online or offline, the user is no longer leaving.
      const written = await table.updateIf('settlePresence', keys.presence(userId), {
        update: {
          ...update,
          expression: update.expression.includes(' REMOVE ')
            ? `${update.expression}, #leavingSince`
            : `${update.expression} REMOVE #leavingSince`,
          names: { ...update.names, ...LEAVING_SINCE },
        },
        condition: UNCHANGED_SINCE(seen.gen),
      });
      return written !== undefined;
    },

    async markLeaving(userId, seen, since) {
      // The entry first: a user marked leaving without one would never be settled, while an entry without the mark
      // is only dropped by the sweeper. An update, not a put: the functions that close connections may update items.
      await table.update('markLeaving', keys.leaving(userId), {
        update: {
          expression: 'SET userId = :userId, #since = :since',
          names: SINCE,
          values: { ':userId': userId, ':since': since },
        },
      });
      const written = await table.updateIf('markLeaving', keys.presence(userId), {
        update: { expression: 'SET #leavingSince = :since', names: LEAVING_SINCE, values: { ':since': since } },
        condition: UNCHANGED_SINCE(seen.gen),
      });
      return written !== undefined;
    },

    async listLeaving(shard, page) {
      return listSweepShard(table, 'listLeaving', shard, SK_PREFIX.leaving, page, leavingFromItem);
    },

    async forgetLeaving(record) {
      await table.remove('forgetLeaving', keys.leaving(record.userId), {
        expression: '#since = :since',
        names: SINCE,
        values: { ':since': record.since },
      });
    },
  };
}
