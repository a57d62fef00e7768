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
  async function addLeavingEntry(userId: string, since: number): Promise<void> {
    // An update, not a put: the functions that close connections may update items.
    await table.update('addLeavingEntry', keys.leaving(userId), {
      update: {
        expression: 'SET userId = :userId, #since = :since',
        names: SINCE,
        values: { ':userId': userId, ':since': since },
      },
    });
  }

  return {
    async markOnline(userId, liveUntil, options) {
      const names = { ...ONLINE, ...LIVE_UNTIL, ...GEN, ...LEAVING_SINCE, ...WATCH_ONLY };
      const values = { ':true': true, ':liveUntil': liveUntil, ':one': 1 };
      const online = 'SET #online = :true, #liveUntil = :liveUntil';
      const counted = 'ADD #gen :one';
      if (options?.watch) {
        // A watch connection marks the user watch-only only if it is the one that flips them online: one conditional
        // write, so a connection that hears every room, racing it, either comes after (and clears the mark) or
        // finds the user online already.
        const flipped = await table.updateIf('markOnline', keys.presence(userId), {
          update: { expression: `${online}, #watchOnly = :true ${counted} REMOVE #leavingSince`, names, values },
          condition: {
            expression: 'attribute_not_exists(#online) OR #online = :false OR #liveUntil <= :now',
            names: { ...ONLINE, ...LIVE_UNTIL },
            values: { ':false': false, ':now': options.now },
          },
          returnValues: 'UPDATED_OLD',
        });
        if (flipped !== undefined) return Object.keys(flipped).length === 0 ? undefined : presenceFromItem(flipped);
      }
      // Otherwise watchOnly stays as it is for a watch connection, and goes for any other.
      const before = await table.update('markOnline', keys.presence(userId), {
        update: {
          expression: `${online} ${counted} REMOVE #leavingSince${options?.watch ? '' : ', #watchOnly'}`,
          names: options?.watch ? { ...ONLINE, ...LIVE_UNTIL, ...GEN, ...LEAVING_SINCE } : names,
          values,
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
      // Online or offline, the user is no longer leaving; offline, nobody's watch-only either.
      const update =
        liveUntil === undefined
          ? {
              expression: 'SET #online = :false REMOVE #leavingSince, #watchOnly',
              names: { ...ONLINE, ...LEAVING_SINCE, ...WATCH_ONLY },
              values: { ':false': false },
            }
          : {
              expression: 'SET #liveUntil = :liveUntil REMOVE #leavingSince',
              names: { ...LIVE_UNTIL, ...LEAVING_SINCE },
              values: { ':liveUntil': liveUntil },
            };
      const written = await table.updateIf('settlePresence', keys.presence(userId), {
        update,
        condition: UNCHANGED_SINCE(seen.gen),
      });
      return written !== undefined;
    },

    addLeavingEntry,

    async markLeaving(userId, seen, since) {
      // The entry first: a user marked leaving without one would never be settled, while an entry without the mark
      // is only dropped by the sweeper.
      await addLeavingEntry(userId, since);
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
