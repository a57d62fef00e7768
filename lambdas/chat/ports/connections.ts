// Open WebSocket connections, per connection and per user (presence across devices).

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  connectedAt: number;
  /** connectedAt + the gateway's maximum connection duration: past it the connection cannot be open. */
  expiresAt: number;
}

export interface ConnectionStore {
  putConnection(connection: ConnectionRecord): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionRecord | undefined>;
  /** Removes the connection's own items; true when they were there. */
  deleteConnection(userId: string, connectionId: string): Promise<boolean>;
  /** The user's connections whose expiresAt is after `now`. */
  listConnections(userId: string, now: number): Promise<ConnectionRecord[]>;
}
