// The sweeper: connections whose close never reached the backend ($disconnect is best effort on AWS) are found and
// removed here, once a minute, instead of lingering as "online" until a post happens to find them gone or their
// two hours run out.
//
// Every connection has an entry in one of a few sweep shards (written and removed with its other items), so a sweep
// reads them all with a few paged Queries, never a Scan. For each one it asks the gateway (GET @connections/{id})
// whether the connection is still open: one that is not (410), or whose expiresAt has passed, is removed exactly as
// a post answered 410 would remove it (ConnectionLifecycle.removeGone: a connection still opening is left alone), so
// its user is marked leaving when it was their last. The GET costs no table units; the sweep's reads are about
// 0.5 units per 4 KB of entries (some 25 connections), plus one Query per shard.
//
// Then the leaving users (whose last connection closed, by a $disconnect, a 410 or this sweep) of each shard: those
// whose grace period has passed are announced offline unless a connection came back (presence.ts). Last, the rooms
// whose occupancy changed inside a coalescing window are told their count (occupancy.ts).
import { describeError } from './errors.js';
import { forEachPage, settleWithConcurrency } from './paging.js';
import type {
  Clock,
  ConnectionRecord,
  ConnectionStore,
  Logger,
  Metrics,
  Notifier,
  OccupancyStore,
  Page,
  PresenceStore,
} from './ports.js';
import { SWEEP_SHARDS } from './ports/connections.js';
import type { ConnectionLifecycle } from './connection-lifecycle.js';
import type { FanOut } from './fan-out.js';
import { OCCUPANCY_WINDOW_MS, occupancyEvent } from './occupancy.js';
import type { Presence } from './presence.js';
import type { SweepOutcome } from './service.js';

export interface SweeperDeps {
  stores: {
    connections: Pick<ConnectionStore, 'listSweepShard'>;
    presence: Pick<PresenceStore, 'listLeaving'>;
    occupancy: Pick<OccupancyStore, 'listPendingOccupancy' | 'claimPendingOccupancy'>;
  };
  fanOut: Pick<FanOut, 'toRoom'>;
  notifier: Pick<Notifier, 'isOpen'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Pick<ConnectionLifecycle, 'removeGone'>;
  presence: Pick<Presence, 'settleLeaving'>;
}

const PAGE = 100;
/** Gateway checks in flight at once (well under the 50 sockets of the management client). */
const CONCURRENCY = 20;

export function createSweeper(deps: SweeperDeps): () => Promise<SweepOutcome> {
  async function isGone(connection: ConnectionRecord): Promise<boolean> {
    // Past its expiresAt the gateway has closed it for sure: no need to ask.
    if (connection.expiresAt <= deps.clock.now()) return true;
    return !(await deps.notifier.isOpen(connection.connectionId));
  }

  /** Every item of every page of every shard, `work` on each; a failure is counted and logged, never thrown. */
  async function eachInShards<T>(
    what: string,
    listShard: (shard: number, cursor: string | undefined) => Promise<Page<T>>,
    work: (item: T) => Promise<void>,
    outcome: SweepOutcome,
  ): Promise<void> {
    for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
      try {
        await forEachPage(
          (cursor) => listShard(shard, cursor),
          async (items) => {
            const results = await settleWithConcurrency(items, CONCURRENCY, work);
            results.forEach((result, index) => {
              if (result.status === 'fulfilled') return;
              outcome.failed += 1;
              deps.logger.warn(`sweeping ${what} failed`, { item: items[index], ...describeError(result.reason) });
            });
          },
        );
      } catch (error) {
        // The shard's remaining items wait for the next sweep; the other shards go on.
        outcome.failed += 1;
        deps.logger.error(`reading the ${what} of a sweep shard failed`, { shard, ...describeError(error) });
      }
    }
  }

  return async function sweep() {
    const outcome: SweepOutcome = { checked: 0, removed: 0, settled: 0, occupancyTold: 0, failed: 0 };
    await eachInShards(
      'connections',
      (shard, cursor) => deps.stores.connections.listSweepShard(shard, { cursor, limit: PAGE }),
      async (connection) => {
        outcome.checked += 1;
        if (!(await isGone(connection))) return;
        if ((await deps.lifecycle.removeGone(connection)) === 'removed') outcome.removed += 1;
      },
      outcome,
    );
    // After the connections: a user whose last connection this sweep removed waits for the grace period all the same.
    await eachInShards(
      'leaving users',
      (shard, cursor) => deps.stores.presence.listLeaving(shard, { cursor, limit: PAGE }),
      async (record) => {
        if ((await deps.presence.settleLeaving(record)) === 'settled') outcome.settled += 1;
      },
      outcome,
    );
    const { occupancy } = deps.stores;
    await eachInShards(
      'occupancy changes',
      (shard, cursor) => occupancy.listPendingOccupancy(shard, { cursor, limit: PAGE }),
      async (roomId) => {
        const count = await occupancy.claimPendingOccupancy(roomId, deps.clock.now(), OCCUPANCY_WINDOW_MS);
        if (count === undefined) return;
        outcome.occupancyTold += 1;
        await deps.fanOut.toRoom(roomId, occupancyEvent(roomId, count));
      },
      outcome,
    );
    if (outcome.removed > 0) deps.metrics.count('ConnectionsSwept', outcome.removed);
    return outcome;
  };
}
