// Connections on the table: CONN#<conn> CONN (the connection, for its owner), USER#<user> CONN#<conn> (the
// user's connections, for presence across devices) and SWEEP#<shard> CONN#<conn> (for the sweeper, with the declared
// heartbeat), all expiring.
import type { ConnectionStore } from '../../chat/ports.js';
import { connectionFromItem, connectionItems, watchedRoomsOf } from './codec.js';
import { PK, SK_PREFIX, keys, userPk } from './keys.js';
import { ITEM_EXISTS, listLive, listSweepShard } from './queries.js';
import { allWritesSettled, type Table } from './table.js';

export function createConnectionStore(table: Table): ConnectionStore {
  return {
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

    async markConnectCompleted(connectionId, at) {
      // Conditional: a connection closed while its $connect ran must not come back as half an item.
      const written = await table.updateIf('markConnectCompleted', keys.connection(connectionId), {
        update: { expression: 'SET connectCompletedAt = :at', values: { ':at': at } },
        condition: ITEM_EXISTS,
      });
      return written !== undefined;
    },

    async setHeartbeat(connectionId, heartbeatMs) {
      // On the sweep entry alone: the sweeper is its only reader. Conditional, so a connection closed meanwhile does
      // not come back as a stray entry.
      const written = await table.updateIf('setHeartbeat', keys.sweepEntry(connectionId), {
        update: { expression: 'SET heartbeatMs = :heartbeatMs', values: { ':heartbeatMs': heartbeatMs } },
        condition: ITEM_EXISTS,
      });
      return written !== undefined;
    },

    async setWatching(userId, connectionId, roomId, watching, max) {
      const room = new Set([roomId]);
      const written = await table.updateIf('setWatching', keys.userConnection(userId, connectionId), {
        update: watching
          ? { expression: 'ADD watching :room', values: { ':room': room } }
          : { expression: 'DELETE watching :room', values: { ':room': room } },
        condition: watching
          ? {
              // A room already there adds nothing, so it never counts against the bound.
              expression:
                'attribute_exists(#pk) AND (attribute_not_exists(watching) OR size(watching) < :max OR contains(watching, :roomId))',
              names: { '#pk': PK },
              values: { ':max': max, ':roomId': roomId },
            }
          : ITEM_EXISTS,
      });
      if (written !== undefined) return 'done';
      // The condition failed: the connection is gone, or (adding) it hears `max` rooms already.
      const item = await table.get('setWatching', keys.userConnection(userId, connectionId), true);
      return item ? 'full' : 'gone';
    },

    async deleteConnection(userId, connectionId) {
      const [removed, userSide] = await allWritesSettled([
        // Conditional on the owner, so a caller naming the wrong user cannot remove someone else's connection.
        table.remove('deleteConnection', keys.connection(connectionId), {
          expression: 'userId = :userId',
          values: { ':userId': userId },
        }),
        table.remove('deleteConnection', keys.userConnection(userId, connectionId)),
        table.remove('deleteConnection', keys.sweepEntry(connectionId)),
      ]);
      const watched = watchedRoomsOf(userSide);
      return { existed: removed !== undefined, ...(watched && { watched }) };
    },

    async listConnections(userId, now) {
      return listLive(
        table,
        'listConnections',
        userPk(userId),
        SK_PREFIX.userConnection,
        now,
        connectionFromItem,
        true,
      );
    },

    async listSweepShard(shard, page) {
      return listSweepShard(table, 'listSweepShard', shard, SK_PREFIX.sweepEntry, page, connectionFromItem);
    },
  };
}
