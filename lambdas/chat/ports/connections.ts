// Open WebSocket connections, per connection and per user (presence across devices), and in sweep shards (what
// the sweeper checks for connections whose close never reached the backend).
import type { Page, PageRequest } from './paging.js';

/**
 * How many shards the connections are spread over for the sweeper, each read with one paged Query: enough that
 * connects and disconnects never crowd one DynamoDB partition (about 1,000 writes a second each), few enough that
 * an idle sweep costs next to nothing.
 */
export const SWEEP_SHARDS = 8;

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  connectedAt: number;
  /** connectedAt + the gateway's maximum connection duration: past it the connection cannot be open. */
  expiresAt: number;
  /**
   * When $connect finished (the gateway opens the connection right after it returns); absent while it runs. Only
   * the connection's own item carries it (getConnection), not the copy listConnections reads.
   */
  connectCompletedAt?: number;
  /**
   * The heartbeat the client declared in hello (PROTOCOL.md): it promised a frame at least this often, so a longer
   * silence means the connection is gone (the sweeper closes it). Only the sweep entry carries it (listSweepShard).
   */
  heartbeatMs?: number;
}

export interface ConnectionStore {
  putConnection(connection: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Records that the connection's $connect completed at `at`; false (nothing written) when it is gone. */
  markConnectCompleted(connectionId: string, at: number): Promise<boolean>;
  /**
   * Records the heartbeat the connection declared where the sweeper reads it (replacing an earlier one); false
   * (nothing written) when the connection is gone.
   */
  setHeartbeat(connectionId: string, heartbeatMs: number): Promise<boolean>;
  /** Removes the connection's own items; true when they were there. */
  deleteConnection(userId: string, connectionId: string): Promise<boolean>;
  /** The user's connections whose expiresAt is after `now` (strongly consistent: presence decisions rest on it). */
  listConnections(userId: string, now: number): Promise<ConnectionRecord[]>;
  /** One page of the connections of a sweep shard (0 ≤ shard < SWEEP_SHARDS), expired ones included. */
  listSweepShard(shard: number, page: PageRequest): Promise<Page<ConnectionRecord>>;
}
