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
// A connection whose client declared a heartbeat (heartbeat.ts) and has sent nothing for longer than it and the
// margin (the GET's lastActiveAt) broke its promise: its network is most likely gone. It is closed at the gateway
// (DELETE, so a client that is somehow still there hears it and reconnects) and removed as a 410 would remove it.
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
import { isSilentPastHeartbeat, type HeartbeatPolicy } from './heartbeat.js';
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
  notifier: Pick<Notifier, 'describeConnection' | 'close'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Pick<ConnectionLifecycle, 'removeGone'>;
  presence: Pick<Presence, 'settleLeaving'>;
  config: { heartbeat: Pick<HeartbeatPolicy, 'marginMs'> };
}

const PAGE = 100;
/** Gateway checks in flight at once (well under the 50 sockets of the management client). */
const CONCURRENCY = 20;

const ALL_SHARDS: readonly number[] = Array.from({ length: SWEEP_SHARDS }, (_, shard) => shard);

/** A sweep of the given shards (default all of them; the schedule splits them across parallel invocations). */
export function createSweeper(deps: SweeperDeps): (shards?: readonly number[]) => Promise<SweepOutcome> {
  /** 'gone' (410, or expired), 'silent' (open, but silent past its declared heartbeat) or 'open'. */
  async function stateOf(connection: ConnectionRecord): Promise<'gone' | 'silent' | 'open'> {
    // Past its expiresAt the gateway has closed it for sure: no need to ask.
    if (connection.expiresAt <= deps.clock.now()) return 'gone';
    const described = await deps.notifier.describeConnection(connection.connectionId);
    if (!described) return 'gone';
    const { heartbeatMs } = connection;
    return isSilentPastHeartbeat(heartbeatMs, described.lastActiveAt, deps.clock.now(), deps.config.heartbeat)
      ? 'silent'
      : 'open';
  }

  /** Every item of every page of every shard, `work` on each; a failure is counted and logged, never thrown. */
  async function eachInShards<T>(
    shards: readonly number[],
    what: string,
    listShard: (shard: number, cursor: string | undefined) => Promise<Page<T>>,
    work: (item: T) => Promise<void>,
    outcome: SweepOutcome,
  ): Promise<void> {
    for (const shard of shards) {
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

  return async function sweep(shards = ALL_SHARDS) {
    const outcome: SweepOutcome = { checked: 0, removed: 0, silent: 0, settled: 0, occupancyTold: 0, failed: 0 };
    await eachInShards(
      shards,
      'connections',
      (shard, cursor) => deps.stores.connections.listSweepShard(shard, { cursor, limit: PAGE }),
      async (connection) => {
        outcome.checked += 1;
        const state = await stateOf(connection);
        if (state === 'open') return;
        // Closed first: were its items removed first, the client could go on sending to a connection the backend
        // no longer counts (its $disconnect then removes nothing that is not already gone).
        if (state === 'silent') await deps.notifier.close(connection.connectionId);
        if ((await deps.lifecycle.removeGone(connection)) !== 'removed') return;
        outcome.removed += 1;
        if (state === 'silent') outcome.silent += 1;
      },
      outcome,
    );
    // After the connections: a user whose last connection this sweep removed waits for the grace period all the same.
    await eachInShards(
      shards,
      'leaving users',
      (shard, cursor) => deps.stores.presence.listLeaving(shard, { cursor, limit: PAGE }),
      async (record) => {
        if ((await deps.presence.settleLeaving(record)) === 'settled') outcome.settled += 1;
      },
      outcome,
    );
    const { occupancy } = deps.stores;
    await eachInShards(
      shards,
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
    if (outcome.silent > 0) deps.metrics.count('ConnectionsSilent', outcome.silent);
    return outcome;
  };
}
