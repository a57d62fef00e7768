// Second tries for frames the fan-out queued after their posts kept failing (see fan-out.ts). Each frame is posted
// again with the notifier's own retries; a connection found gone gets the same clean-up as in the fan-out (one the
// gateway has not opened yet is kept, and its frame tried again later); a frame
// that fails on its last allowed try is counted and given up (the queue's dead-letter queue keeps it), and its
// client closes the gap with getHistory. Log lines name connections, never what a frame says.
import { describeError, PostRetriesExhaustedError } from './errors.js';
import { settleWithConcurrency } from './paging.js';
import type { Logger, Metrics, Notifier, QueuedFrame } from './ports.js';

export interface RedeliveryRequest extends QueuedFrame {
  /** The queue's id for this try of the frame; failures are reported by it. */
  id: string;
  /** No try comes after this one: a failure now gives the frame up. */
  lastTry: boolean;
}

export interface RedeliveryOutcome {
  /** Ids of frames to try again later (the queue makes them visible again, or moves them to its dead-letter queue). */
  retryLater: string[];
}

export interface RedeliveryDeps {
  notifier: Notifier;
  logger: Logger;
  metrics: Metrics;
  /**
   * Removes a connection the gateway answered 410 for, as if it had disconnected; 'opening' when it kept it because
   * the gateway had not opened it yet (see connection-lifecycle.ts).
   */
  onGone: (recipient: { connectionId: string; userId: string }) => Promise<'removed' | 'opening'>;
  concurrency?: number;
}

type Result = 'delivered' | 'gone' | 'retry' | 'given-up';

export function createRedelivery(
  deps: RedeliveryDeps,
): (frames: readonly RedeliveryRequest[]) => Promise<RedeliveryOutcome> {
  async function redeliver(frame: RedeliveryRequest): Promise<Result> {
    try {
      if ((await deps.notifier.post(frame.connectionId, frame.payload)) === 'delivered') return 'delivered';
    } catch (error) {
      if (!(error instanceof PostRetriesExhaustedError)) {
        // Refused outright (403, 413): no later try would do better.
        deps.logger.warn('queued frame refused, given up', {
          connectionId: frame.connectionId,
          ...describeError(error),
        });
        return 'given-up';
      }
      if (!frame.lastTry) return 'retry';
      deps.logger.warn('queued frame given up after its last try', {
        connectionId: frame.connectionId,
        reason: error.reason,
      });
      return 'given-up';
    }
    // Gone: the clean-up must happen, so a failing one is tried again with the frame.
    try {
      if ((await deps.onGone(frame)) === 'removed') return 'gone';
      // Still opening: the gateway will take the frame once the connection is open.
      if (!frame.lastTry) return 'retry';
      deps.logger.warn('queued frame given up: its connection never opened', { connectionId: frame.connectionId });
      return 'given-up';
    } catch (error) {
      deps.logger.error('removing a gone connection failed', {
        connectionId: frame.connectionId,
        ...describeError(error),
      });
      return 'retry';
    }
  }

  return async (frames) => {
    const results = await settleWithConcurrency(frames, deps.concurrency ?? 10, redeliver);
    const tally = new Map<Result, number>();
    const retryLater: string[] = [];
    results.forEach((settled, index) => {
      // redeliver handles its own failures; a rejection here is a bug, and the frame is kept for another try.
      const result: Result = settled.status === 'fulfilled' ? settled.value : 'retry';
      tally.set(result, (tally.get(result) ?? 0) + 1);
      // Given-up frames on their last try are reported failed too, so the queue moves them to its dead-letter queue.
      if (result === 'retry' || (result === 'given-up' && frames[index]!.lastTry)) retryLater.push(frames[index]!.id);
    });
    const count = (name: 'FramesRedelivered' | 'GoneConnections' | 'FramesGivenUp', result: Result) => {
      const value = tally.get(result) ?? 0;
      if (value > 0) deps.metrics.count(name, value);
    };
    count('FramesRedelivered', 'delivered');
    count('GoneConnections', 'gone');
    count('FramesGivenUp', 'given-up');
    return { retryLater };
  };
}
