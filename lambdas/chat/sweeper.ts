// The sweeper: connections whose close never reached the backend ($disconnect is best effort on AWS) are found and
// removed here, once a minute, instead of lingering as "online" until a post happens to find them gone or their
// two hours run out.
//
// Every connection has an entry in one of a few sweep shards (written and removed with its other items), so a sweep
// reads them all with a few paged Queries, never a Scan. For each one it asks the gateway (GET @connections/{id})
// whether the connection is still open: one that is not (410), or whose expiresAt has passed, is removed exactly as
// a post answered 410 would remove it (ConnectionLifecycle.removeGone: a connection still opening is left alone), so
// its user is announced offline when it was their last. The GET costs no table units; the sweep's reads are about
// 0.5 units per 4 KB of entries (some 25 connections), plus one Query per shard.
import { describeError } from './errors.js';
import { forEachPage, settleWithConcurrency } from './paging.js';
import type { Clock, ConnectionRecord, ConnectionStore, Logger, Metrics, Notifier } from './ports.js';
import { SWEEP_SHARDS } from './ports/connections.js';
import type { ConnectionLifecycle } from './connection-lifecycle.js';

export interface SweepOutcome {
  /** Connections looked at. */
  checked: number;
  /** Connections found gone (or expired) and removed. */
  removed: number;
  /** Connections that could not be checked or removed this time (the next sweep tries again). */
  failed: number;
}

export interface SweeperDeps {
  stores: { connections: Pick<ConnectionStore, 'listSweepShard'> };
  notifier: Pick<Notifier, 'isOpen'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Pick<ConnectionLifecycle, 'removeGone'>;
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

  return async function sweep() {
    const outcome: SweepOutcome = { checked: 0, removed: 0, failed: 0 };
    for (let shard = 0; shard < SWEEP_SHARDS; shard++) {
      try {
        await forEachPage(
          (cursor) => deps.stores.connections.listSweepShard(shard, { cursor, limit: PAGE }),
          async (connections) => {
            outcome.checked += connections.length;
            const results = await settleWithConcurrency(connections, CONCURRENCY, async (connection) => {
              if (!(await isGone(connection))) return;
              if ((await deps.lifecycle.removeGone(connection)) === 'removed') outcome.removed += 1;
            });
            results.forEach((result, index) => {
              if (result.status === 'fulfilled') return;
              outcome.failed += 1;
              deps.logger.warn('sweeping a connection failed', {
                connectionId: connections[index]!.connectionId,
                ...describeError(result.reason),
              });
            });
          },
        );
      } catch (error) {
        // The shard's remaining connections wait for the next sweep; the other shards go on.
        outcome.failed += 1;
        deps.logger.error('reading a sweep shard failed', { shard, ...describeError(error) });
      }
    }
    if (outcome.removed > 0) deps.metrics.count('ConnectionsSwept', outcome.removed);
    return outcome;
  };
}
