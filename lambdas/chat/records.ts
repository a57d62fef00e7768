// Records the chat logic builds from others. A leaf module (it imports only the ports), so the connection lifecycle
// and the room actions can share it without depending on each other.
import type { ConnectionRecord, SubscriptionRecord } from './ports.js';

export function subscriptionOf(
  roomId: string,
  connection: Pick<ConnectionRecord, 'connectionId' | 'userId' | 'expiresAt'>,
  muted = false,
): SubscriptionRecord {
  return {
    roomId,
    connectionId: connection.connectionId,
    userId: connection.userId,
    expiresAt: connection.expiresAt,
    muted,
  };
}
