// Connections in memory.
import { sweepShardOf } from '../../../lambdas/adapters/dynamo/keys.js';
import type {
  ConnectionRecord,
  ConnectionStore,
  Page,
  PageRequest,
  RemovedConnection,
} from '../../../lambdas/chat/ports.js';
import { copy, pageOf, type MemoryTable } from './memory-table.js';

export class MemoryConnectionStore implements ConnectionStore {
  constructor(private readonly table: MemoryTable) {}

  async putConnection(connection: ConnectionRecord): Promise<void> {
    await this.table.enter('putConnection');
    this.table.connections.set(connection.connectionId, copy(connection));
  }

  async getConnection(connectionId: string): Promise<ConnectionRecord | undefined> {
    await this.table.enter('getConnection');
    const connection = this.table.connections.get(connectionId);
    if (!connection) return undefined;
    // Like the DynamoDB store, whose connection item carries neither the heartbeat (its sweep entry does) nor the
    // watched rooms (its user-side copy does).
    const { heartbeatMs: _heartbeat, watching: _watching, ...own } = connection;
    return copy(own);
  }

  async markConnectCompleted(connectionId: string, at: number): Promise<boolean> {
    await this.table.enter('markConnectCompleted');
    const connection = this.table.connections.get(connectionId);
    if (!connection) return false;
    connection.connectCompletedAt = at;
    return true;
  }

  async setHeartbeat(connectionId: string, heartbeatMs: number): Promise<boolean> {
    await this.table.enter('setHeartbeat');
    const connection = this.table.connections.get(connectionId);
    if (!connection) return false;
    connection.heartbeatMs = heartbeatMs;
    return true;
  }

  async setWatching(
    userId: string,
    connectionId: string,
    roomId: string,
    watching: boolean,
    max: number,
  ): Promise<'done' | 'full' | 'gone'> {
    await this.table.enter('setWatching');
    const connection = this.table.connections.get(connectionId);
    if (!connection || connection.userId !== userId) return 'gone';
    const rooms = new Set(connection.watching);
    if (watching && !rooms.has(roomId) && rooms.size >= max) return 'full';
    if (watching) rooms.add(roomId);
    else rooms.delete(roomId);
    // Like DynamoDB, which keeps no empty set.
    if (rooms.size > 0) connection.watching = [...rooms];
    else delete connection.watching;
    return 'done';
  }

  async deleteConnection(userId: string, connectionId: string): Promise<RemovedConnection> {
    await this.table.enter('deleteConnection');
    const connection = this.table.connections.get(connectionId);
    if (!connection || connection.userId !== userId) return { existed: false };
    this.table.connections.delete(connectionId);
    return connection.watch ? { existed: true, watched: [...(connection.watching ?? [])] } : { existed: true };
  }

  async listConnections(userId: string, now: number): Promise<ConnectionRecord[]> {
    await this.table.enter('listConnections');
    return (
      [...this.table.connections.values()]
        .filter((connection) => connection.userId === userId && connection.expiresAt > now)
        .sort((a, b) => (a.connectionId < b.connectionId ? -1 : 1))
        // Like the DynamoDB store, whose user-side copy of a connection carries neither the $connect mark nor the
        // heartbeat.
        .map(({ connectCompletedAt: _mark, heartbeatMs: _heartbeat, ...connection }) => copy(connection))
    );
  }

  async listSweepShard(shard: number, page: PageRequest): Promise<Page<ConnectionRecord>> {
    await this.table.enter('listSweepShard');
    const entries = [...this.table.connections.values()]
      .filter((connection) => sweepShardOf(connection.connectionId) === shard)
      .map(({ connectCompletedAt: _mark, watching: _watching, ...connection }): [string, ConnectionRecord] => [
        connection.connectionId,
        connection,
      ]);
    return pageOf(entries, page, 'sweep', String(shard));
  }
}
