// The opt-in heartbeat (PROTOCOL.md, hello's heartbeatMs). A phone that loses its network leaves its WebSocket open
// as far as the gateway knows until the gateway's own idle cut (10 minutes), and its user shows online all that
// time. The protocol cannot shorten that for everyone: it only asks clients to ping "every few minutes", and a
// client pinging every 9 minutes keeps the contract. So a client may promise more: a frame at least every
// heartbeatMs. The sweeper then takes a connection silent for longer than that, plus a margin, for gone.
//
// The margin is a fixed time, not a multiple of the heartbeat. What it absorbs does not grow with the heartbeat: a
// timer that a phone's OS or a background browser tab fires late (browsers batch them to the minute), a frame
// retransmitted over a poor mobile link, the time between the gateway's lastActiveAt and the sweeper reading it.
// 1.5 times would leave a 30 s heartbeat 15 s, less than one late timer, and give a 9-minute heartbeat 4.5 minutes,
// past the gateway's own cut. Heartbeat + 60 s is at most 10 minutes: never later than the gateway.
import { LIMITS } from '../protocol/limits.js';
import { badRequest } from './errors.js';

export interface HeartbeatPolicy {
  /** The shortest heartbeat a client may declare: shorter would only buy invocations (a ping each). */
  minMs: number;
  /** The longest: past it (plus the margin) the gateway's idle cut comes first anyway. */
  maxMs: number;
  /** How long past its heartbeat a silent connection is still taken for open (see the top of this file). */
  marginMs: number;
}

/** The protocol's: only the local stack's tests shorten them. */
export const DEFAULT_HEARTBEAT_POLICY: HeartbeatPolicy = {
  minMs: LIMITS.heartbeatMinMs,
  maxMs: LIMITS.heartbeatMaxMs,
  marginMs: 60_000,
};

/** The declared heartbeat, if within the policy's bounds; a BAD_REQUEST naming the field otherwise. */
export function checkedHeartbeat(heartbeatMs: number | undefined, policy: HeartbeatPolicy): number | undefined {
  if (heartbeatMs === undefined) return undefined;
  if (heartbeatMs < policy.minMs || heartbeatMs > policy.maxMs) {
    throw badRequest(`heartbeatMs: must be from ${policy.minMs} to ${policy.maxMs} (milliseconds)`);
  }
  return heartbeatMs;
}

/**
 * Whether a connection that declared `heartbeatMs` has broken its promise: no frame since `lastActiveAt` (the
 * gateway's) for longer than the heartbeat and the margin. Without a declared heartbeat, or without a time from the
 * gateway, nothing is decided here.
 */
export function isSilentPastHeartbeat(
  heartbeatMs: number | undefined,
  lastActiveAt: number | undefined,
  now: number,
  policy: Pick<HeartbeatPolicy, 'marginMs'>,
): boolean {
  if (heartbeatMs === undefined || lastActiveAt === undefined) return false;
  return now - lastActiveAt > heartbeatMs + policy.marginMs;
}
