// How one minute's sweep is split across parallel invocations of the sweeper: the schedule has one target per part,
// each handing the function the sweep shards it takes ({ "shards": [...] }). One invocation asks the gateway about
// every connection of its shards, so splitting the shards multiplies what a minute can check (a rule takes at most
// five targets). The local stack's schedule invokes the same parts.
import { SWEEP_SHARDS } from '../chat/ports/connections.js';

/** Parallel sweeper invocations a minute (a divisor of SWEEP_SHARDS, at most 5: an EventBridge rule's targets). */
export const SWEEP_INVOCATIONS = 4;

/** The shards of each invocation: every shard in exactly one. */
export const SWEEP_TARGET_SHARDS: readonly (readonly number[])[] = Array.from(
  { length: SWEEP_INVOCATIONS },
  (_, part) =>
    Array.from(
      { length: SWEEP_SHARDS / SWEEP_INVOCATIONS },
      (_, index) => part * (SWEEP_SHARDS / SWEEP_INVOCATIONS) + index,
    ),
);

/** The event a sweep target hands the sweeper. */
export interface SweepEvent {
  shards: number[];
}

/**
 * The shards a sweeper event asks for: its `shards`, or every shard for an event without them (a plain scheduled
 * event, or a manual invoke). Throws on anything else: a target that asks for what does not exist is misconfigured.
 */
export function shardsOfSweepEvent(event: unknown): readonly number[] | undefined {
  if (event === null || typeof event !== 'object' || !Object.prototype.hasOwnProperty.call(event, 'shards'))
    return undefined;
  const { shards } = event as { shards: unknown };
  const valid =
    Array.isArray(shards) &&
    shards.length > 0 &&
    shards.length <= SWEEP_SHARDS &&
    shards.every((shard) => Number.isInteger(shard) && shard >= 0 && shard < SWEEP_SHARDS) &&
    new Set(shards).size === shards.length;
  if (!valid) throw new Error(`sweeper event: shards must be distinct integers from 0 to ${SWEEP_SHARDS - 1}`);
  return shards as number[];
}
