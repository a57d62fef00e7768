// Blocking at broadcast time: a broadcast carrying a user's activity (their messages, typing, presence, read
// markers) skips every connection of the users who blocked them. "Who blocked the sender" is one store read per
// broadcast, handed to the fan-out as Exclusion.userIds, so the fan-out itself knows nothing of blocks.
import type { ServerFrame } from '../protocol/index.js';
import { blockedBy, describeError } from './errors.js';
import type { Exclusion, FanOut } from './fan-out.js';
import type { BlockStore, Logger, Metrics } from './ports.js';

export interface BlockAwareBroadcastDeps {
  stores: { blocks: Pick<BlockStore, 'blockersOf'> };
  fanOut: FanOut;
  logger: Logger;
  metrics: Metrics;
}

/** `exclude` with every user who blocked `actorId` added to its userIds. */
export function excludingBlockers(exclude: Exclusion, blockers: readonly string[]): Exclusion {
  if (blockers.length === 0) return exclude;
  return { ...exclude, userIds: [...(exclude.userIds ?? []), ...blockers] };
}

/**
 * Who blocked `actorId`, for the broadcasts of one action; undefined when the read failed (counted as a fan-out
 * failure and logged). Then the broadcasts are withheld: sending them could reach a blocker, and the members who
 * miss them find them with getHistory like any lost frame.
 */
export async function blockersForBroadcast(
  deps: Omit<BlockAwareBroadcastDeps, 'fanOut'>,
  actorId: string,
): Promise<string[] | undefined> {
  try {
    return await deps.stores.blocks.blockersOf(actorId);
  } catch (error) {
    deps.metrics.count('FanOutFailures');
    deps.logger.error('reading who blocked the sender failed: broadcast withheld', describeError(error));
    return undefined;
  }
}

/** Reads who blocked `actorId`, then broadcasts to the room without them. Never throws. */
export async function toRoomFrom(
  deps: BlockAwareBroadcastDeps,
  actorId: string,
  roomId: string,
  frames: ServerFrame | readonly ServerFrame[],
  exclude: Exclusion = {},
): Promise<void> {
  const blockers = await blockersForBroadcast(deps, actorId);
  if (blockers) await deps.fanOut.toRoom(roomId, frames, excludingBlockers(exclude, blockers));
}

/** Drops the items whose user the reader blocked. */
export function withoutBlocked<T>(items: readonly T[], blocked: ReadonlySet<string>, userOf: (item: T) => string): T[] {
  return blocked.size === 0 ? [...items] : items.filter((item) => !blocked.has(userOf(item)));
}

/**
 * BLOCKED naming `field` and the first of `userIds` who blocked the requester: a blocked user cannot open a direct
 * room with the blocker nor add them to rooms. All or nothing: checked before anything is written.
 */
export async function requireNotBlockedBy(
  blocks: Pick<BlockStore, 'blockersOf'>,
  requesterId: string,
  userIds: readonly string[],
  field: string,
): Promise<void> {
  if (userIds.length === 0) return;
  const blockers = new Set(await blocks.blockersOf(requesterId));
  const blocker = userIds.find((userId) => blockers.has(userId));
  if (blocker !== undefined) throw blockedBy(field, blocker);
}
