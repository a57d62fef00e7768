// The behaviour every ConnectionStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';

import { uid, T0, storesPerTest, type MakeStores } from './store-fixtures.js';

export function describeConnectionStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ConnectionStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('stores, reads and deletes a connection; deleting twice reports false', async () => {
      const userId = uid('user');
      const connection = { connectionId: uid('conn'), userId, connectedAt: T0, expiresAt: T0 + 7_200_000 };
      await stores.connections.putConnection(connection);
      expect(await stores.connections.getConnection(connection.connectionId)).toEqual(connection);
      expect(await stores.connections.listConnections(userId, T0)).toEqual([connection]);

      expect(await stores.connections.deleteConnection(userId, connection.connectionId)).toBe(true);
      expect(await stores.connections.getConnection(connection.connectionId)).toBeUndefined();
      expect(await stores.connections.listConnections(userId, T0)).toEqual([]);
      expect(await stores.connections.deleteConnection(userId, connection.connectionId)).toBe(false);
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
      expect(await stores.connections.deleteConnection(uid('intruder'), connection.connectionId)).toBe(false);
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
  });
}
