// The behaviour every ConnectionStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import { collectPages } from '../../lambdas/chat/paging.js';
import type { ConnectionRecord } from '../../lambdas/chat/ports.js';
import { SWEEP_SHARDS } from '../../lambdas/chat/ports/connections.js';

import { uid, T0, storesPerTest, type MakeStores } from './store-fixtures.js';

export function describeConnectionStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ConnectionStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('stores, reads and deletes a connection; deleting twice reports it gone', async () => {
      const userId = uid('user');
      const connection = { connectionId: uid('conn'), userId, connectedAt: T0, expiresAt: T0 + 7_200_000 };
      await stores.connections.putConnection(connection);
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual(connection);
      expect(await stores.connections.listConnections(userId, T0)).toEqual([connection]);

      expect(await stores.connections.deleteConnection(userId, connection.connectionId)).toEqual({ existed: true });
      expect(await stores.connections.getConnection(connection.connectionId)).toBeUndefined();
      expect(await stores.connections.listConnections(userId, T0)).toEqual([]);
      expect(await stores.connections.deleteConnection(userId, connection.connectionId)).toEqual({ existed: false });
    });

    it('keeps the rooms a watch connection hears on its user-side copy, bounded, and hands them back on delete', async () => {
      const userId = uid('user');
      const connection = { connectionId: uid('conn'), userId, connectedAt: T0, expiresAt: T0 + 7_200_000 };
      const watch = { ...connection, watch: true as const };
      await stores.connections.putConnection(watch);
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual(watch);
      expect(await stores.connections.listConnections(userId, T0)).toEqual([watch]);

      const set = (roomId: string, on: boolean) =>
        stores.connections.setWatching(userId, connection.connectionId, roomId, on, 2);
      expect(await set('room#1', true)).toBe('done');
      expect(await set('room#1', true)).toBe('done');
      expect(await set('room 2', true)).toBe('done');
      // A third room passes the bound; one already heard does not.
      expect(await set('room-3', true)).toBe('full');
      expect(await set('room 2', true)).toBe('done');
      const [listed] = await stores.connections.listConnections(userId, T0);
      expect([...(listed!.watching ?? [])].sort()).toEqual(['room 2', 'room#1']);
      // Only the user-side copy carries them.
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual(watch);

      expect(await set('room#1', false)).toBe('done');
      expect(await set('room-3', true)).toBe('done');
      expect(await set('never heard', false)).toBe('done');
      const removed = await stores.connections.deleteConnection(userId, connection.connectionId);
      expect({ ...removed, watched: [...(removed.watched ?? [])].sort() }).toEqual({
        existed: true,
        watched: ['room 2', 'room-3'],
      });
      expect(await set('room-4', true)).toBe('gone');
      expect(await stores.connections.listConnections(userId, T0)).toEqual([]);

      // Its last room removed, a watch connection hears none (and says it is a watch connection).
      await stores.connections.putConnection(watch);
      expect(await set('only', true)).toBe('done');
      expect(await set('only', false)).toBe('done');
      expect(await stores.connections.listConnections(userId, T0)).toEqual([watch]);
      expect(await stores.connections.deleteConnection(userId, connection.connectionId)).toEqual({
        existed: true,
        watched: [],
      });
    });

    it("marks a connection's $connect completed on its own item only, and never brings back a deleted one", async () => {
      const userId = uid('user');
      const connection = { connectionId: uid('conn'), userId, connectedAt: T0, expiresAt: T0 + 7_200_000 };
      await stores.connections.putConnection(connection);
      expect(await stores.connections.markConnectCompleted(connection.connectionId, T0 + 5)).toBe(true);
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual({
        ...connection,
        connectCompletedAt: T0 + 5,
      });
      expect(await stores.connections.listConnections(userId, T0)).toEqual([connection]);

      await stores.connections.deleteConnection(userId, connection.connectionId);
      expect(await stores.connections.markConnectCompleted(connection.connectionId, T0 + 6)).toBe(false);
      expect(await stores.connections.getConnection(connection.connectionId)).toBeUndefined();
      expect(await stores.connections.listConnections(userId, T0)).toEqual([]);
    });

    it("does not delete a connection in another user's name", async () => {
      const connection = { connectionId: uid('conn'), userId: uid('owner'), connectedAt: T0, expiresAt: T0 + 1_000 };
      await stores.connections.putConnection(connection);
      expect(await stores.connections.deleteConnection(uid('intruder'), connection.connectionId)).toEqual({
        existed: false,
      });
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual(connection);
    });

    it('lists only the connections whose expiry is after now (the boundary is expired)', async () => {
      const userId = uid('user');
      const other = uid('other');
      const ids = { gone: uid('gone'), edge: uid('edge'), live: uid('live'), foreign: uid('foreign') };
      await stores.connections.putConnection({ connectionId: ids.gone, userId, connectedAt: T0, expiresAt: T0 + 10 });
      await stores.connections.putConnection({ connectionId: ids.edge, userId, connectedAt: T0, expiresAt: T0 + 20 });
      await stores.connections.putConnection({ connectionId: ids.live, userId, connectedAt: T0, expiresAt: T0 + 21 });
      await stores.connections.putConnection({
        connectionId: ids.foreign,
        userId: other,
        connectedAt: T0,
        expiresAt: T0 + 99,
      });
      const live = await stores.connections.listConnections(userId, T0 + 20);
      expect(live.map((connection) => connection.connectionId)).toEqual([ids.live]);
      expect((await stores.connections.listConnections(userId, T0)).length).toBe(3);
    });

    it('lists every connection, expired ones too, once across the sweep shards, page by page', async () => {
      const userId = uid('user');
      const connections = Array.from({ length: 30 }, (_, index) => ({
        connectionId: uid(`sweep${index}`),
        userId,
        connectedAt: T0,
        expiresAt: T0 + (index % 2 === 0 ? 10 : 10_000),
      }));
      for (const connection of connections) await stores.connections.putConnection(connection);
      await stores.connections.deleteConnection(userId, connections[0]!.connectionId);

      const swept: ConnectionRecord[] = [];
      for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
        swept.push(...(await collectPages((cursor) => stores.connections.listSweepShard(shard, { cursor, limit: 7 }))));
      }
      const ours = swept.filter((connection) => connection.userId === userId);
      expect(ours.map((c) => c.connectionId).sort()).toEqual(
        connections
          .slice(1)
          .map((c) => c.connectionId)
          .sort(),
      );
      expect(ours.find((c) => c.connectionId === connections[2]!.connectionId)).toEqual(connections[2]);
    });

    it("keeps a declared heartbeat on the connection's sweep entry, replaces it, and never revives a deleted one", async () => {
      const userId = uid('user');
      const connection = { connectionId: uid('conn'), userId, connectedAt: T0, expiresAt: T0 + 7_200_000 };
      await stores.connections.putConnection(connection);
      expect(await stores.connections.setHeartbeat(connection.connectionId, 270_000)).toBe(true);
      expect(await sweepEntryOf(connection.connectionId)).toEqual({ ...connection, heartbeatMs: 270_000 });
      // The sweeper is its only reader: the connection item and the user's copy do not carry it.
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual(connection);
      expect(await stores.connections.listConnections(userId, T0)).toEqual([connection]);

      expect(await stores.connections.setHeartbeat(connection.connectionId, 30_000)).toBe(true);
      expect(await sweepEntryOf(connection.connectionId)).toEqual({ ...connection, heartbeatMs: 30_000 });

      await stores.connections.deleteConnection(userId, connection.connectionId);
      expect(await stores.connections.setHeartbeat(connection.connectionId, 60_000)).toBe(false);
      expect(await sweepEntryOf(connection.connectionId)).toBeUndefined();
      expect(await stores.connections.getConnection(connection.connectionId)).toBeUndefined();
    });

    /** The connection as the sweeper reads it, from whichever shard holds it. */
    async function sweepEntryOf(connectionId: string): Promise<ConnectionRecord | undefined> {
      for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
        const entries = await collectPages((cursor) => stores.connections.listSweepShard(shard, { cursor, limit: 50 }));
        const found = entries.find((entry) => entry.connectionId === connectionId);
        if (found) return found;
      }
      return undefined;
    }
  });
}
