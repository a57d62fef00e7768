// Occupancy on the table: ROOM#<room> OCCUPANCY (online, lastEventAt), ROOM#<room> ONLINE#<user> (the member's mark,
// set and cleared conditionally), and SWEEP#<shard> OCC#<room> while a change waits for its coalescing window. The
// count moves by ADD, so concurrent changes never lose one another. The mark is written with UpdateItem and removed
// with DeleteItem, which every function that closes connections may call (no PutItem needed).
import type { OccupancyStore } from '../../chat/ports.js';
import { GSI_PK, GSI_SK, PK, SK_PREFIX, keys, markedIndexPk } from './keys.js';
import { ITEM_ABSENT, listByUserIndex, listSweepShard } from './queries.js';
import type { Table } from './table.js';

const ONLINE = { '#online': 'online' };
const LAST_EVENT_AT = { '#lastEventAt': 'lastEventAt' };
const AT = { '#at': 'at' };
/** The window has passed since the last announcement (or there never was one). */
const WINDOW_PASSED = {
  expression: 'attribute_not_exists(#lastEventAt) OR #lastEventAt <= :windowStart',
  names: LAST_EVENT_AT,
};

export function createOccupancyStore(table: Table): OccupancyStore {
  /** Takes the announcement slot of the room's window; the count as it is then, or undefined when taken. */
  async function claimWindow(operation: string, roomId: string, now: number, windowMs: number) {
    const claimed = await table.updateIf(operation, keys.occupancy(roomId), {
      update: { expression: 'SET #lastEventAt = :now', names: LAST_EVENT_AT, values: { ':now': now } },
      condition: { ...WINDOW_PASSED, values: { ':windowStart': now - windowMs } },
      returnValues: 'ALL_NEW',
    });
    return claimed && ((claimed.online as number | undefined) ?? 0);
  }

  async function changeOnlineCount(roomId: string, delta: number, now: number, windowMs: number) {
    const after = await table.update('changeOnlineCount', keys.occupancy(roomId), {
      update: { expression: 'ADD #online :delta', names: ONLINE, values: { ':delta': delta } },
      returnValues: 'ALL_NEW',
    });
    const onlineCount = (after.online as number | undefined) ?? 0;
    const lastEventAt = after.lastEventAt as number | undefined;
    if (lastEventAt === undefined || lastEventAt <= now - windowMs) {
      const claimed = await claimWindow('changeOnlineCount', roomId, now, windowMs);
      if (claimed !== undefined) return { onlineCount: claimed, announce: true };
    }
    // Inside the window (or another change took its slot): the sweeper announces it once the window has passed.
    await table.update('changeOnlineCount', keys.pendingOccupancy(roomId), {
      update: {
        expression: 'SET roomId = :roomId, #at = :now',
        names: AT,
        values: { ':roomId': roomId, ':now': now },
      },
    });
    return { onlineCount, announce: false };
  }

  return {
    async markOnlineIn(roomId, userId, online, now, windowMs, options) {
      const index = options?.findable ? keys.onlineMarkIndex(roomId, userId) : undefined;
      const changed = online
        ? (await table.updateIf('markOnlineIn', keys.onlineMark(roomId, userId), {
            update: index
              ? {
                  expression: 'SET userId = :userId, roomId = :roomId, #gsiPk = :gsiPk, #gsiSk = :gsiSk',
                  names: { '#gsiPk': GSI_PK, '#gsiSk': GSI_SK },
                  values: { ':userId': userId, ':roomId': roomId, ':gsiPk': index[GSI_PK], ':gsiSk': index[GSI_SK] },
                }
              : { expression: 'SET userId = :userId', values: { ':userId': userId } },
            condition: ITEM_ABSENT,
          })) !== undefined
        : (await table.remove('markOnlineIn', keys.onlineMark(roomId, userId), {
            expression: 'attribute_exists(#pk)',
            names: { '#pk': PK },
          })) !== undefined;
      return changed ? changeOnlineCount(roomId, online ? 1 : -1, now, windowMs) : undefined;
    },

    async listMarkedRooms(userId, page) {
      return listByUserIndex(table, 'listMarkedRooms', markedIndexPk(userId), SK_PREFIX.onlineMark, page, (item) =>
        String(item.roomId),
      );
    },

    async getOnlineCount(roomId) {
      const item = await table.get('getOnlineCount', keys.occupancy(roomId), false);
      return (item?.online as number | undefined) ?? 0;
    },

    async listPendingOccupancy(shard, page) {
      return listSweepShard(
        table,
        'listPendingOccupancy',
        shard,
        SK_PREFIX.pendingOccupancy,
        page,
        (item) => item.roomId as string,
      );
    },

    async claimPendingOccupancy(roomId, now, windowMs) {
      const count = await claimWindow('claimPendingOccupancy', roomId, now, windowMs);
      // Dropped after the claim, unless a change left it again since (its count may postdate what was claimed).
      if (count !== undefined) {
        await table.remove('claimPendingOccupancy', keys.pendingOccupancy(roomId), {
          expression: '#at < :now',
          names: AT,
          values: { ':now': now },
        });
      }
      return count;
    },
  };
}
