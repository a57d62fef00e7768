import { LIMITS } from '../../lambdas/protocol/limits.js';

/**
 * The heartbeat hello declares for these ping intervals: the longer one (the client never stays silent longer),
 * raised to the protocol's minimum (pinging more often than promised is fine), or none when it is over the maximum
 * (the server would refuse it; the gateway's idle cut comes first anyway).
 */
export function heartbeatFor(pingIntervalMs: number, foregroundPingIntervalMs: number): number | undefined {
  const longest = Math.ceil(Math.max(pingIntervalMs, foregroundPingIntervalMs));
  if (!Number.isFinite(longest) || longest > LIMITS.heartbeatMaxMs) return undefined;
  return Math.max(longest, LIMITS.heartbeatMinMs);
}
