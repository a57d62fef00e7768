// Open WebSocket connections, per connection and per user (presence across devices), and in sweep shards (what
// the sweeper checks for connections whose close never reached the backend).
import { LIMITS } from '../../protocol/limits.js';
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
  /**
   * Watch mode (PROTOCOL.md, "Watch mode"): the connection hears only the rooms it subscribed to, not every room of
   * its user. Absent on connections that hear every room.
   */
  watch?: true;
  /**
   * The rooms a watch connection subscribed to (at most WATCHED_ROOMS_MAX). Only the user-side copy carries it
   * (listConnections): presence and push read there which rooms each connection hears.
   */
  watching?: string[];
}

/** How many rooms one watch connection may hear at once: what its close must clean up stays bounded. */
export const WATCHED_ROOMS_MAX = LIMITS.watchedRoomsMax;

/** What deleteConnection removed. */
export interface RemovedConnection {
  /** The connection's own item was there (a second close of the same connection finds it gone). */
  existed: boolean;
  /** For a watch connection whose user-side item was still there: the rooms it heard. */
  watched?: string[];
}

/** Whether the connection hears the room: every room of its user, or (watch mode) the rooms it subscribed to. */
export const hearsRoom = (connection: ConnectionRecord, roomId: string): boolean =>
  connection.watch !== true || (connection.watching ?? []).includes(roomId);

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
  /**
   * Adds the room to (or removes it from) what a watch connection hears, on its user-side item. 'full' (nothing
   * written) when adding would pass `max` rooms; 'gone' when the connection's item is not there.
   */
  setWatching(
    userId: string,
    connectionId: string,
    roomId: string,
    watching: boolean,
    max: number,
  ): Promise<'done' | 'full' | 'gone'>;
  /** Removes the connection's own items. */
  deleteConnection(userId: string, connectionId: string): Promise<RemovedConnection>;
  /** The user's connections whose expiresAt is after `now` (strongly consistent: presence decisions rest on it). */
  listConnections(userId: string, now: number): Promise<ConnectionRecord[]>;
  /** One page of the connections of a sweep shard (0 ≤ shard < SWEEP_SHARDS), expired ones included. */
  listSweepShard(shard: number, page: PageRequest): Promise<Page<ConnectionRecord>>;
}
