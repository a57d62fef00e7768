// A FanOutDispatcher that keeps the batches it is handed (as the JSON a worker would receive), and runs them when a
// test says so, the way Lambda runs asynchronous invocations: all at once, and a batch whose worker failed again, up
// to `retries` more times.
import type { FanOutBatch, FanOutDispatcher } from '../../lambdas/chat/ports.js';

export class MemoryFanOutDispatcher implements FanOutDispatcher {
  maxBatchBytes = 262_144;
  /** Every batch handed over, in order. */
  readonly batches: FanOutBatch[] = [];
  /** When set, every dispatch fails (the caller must deliver the batches itself). */
  refuse = false;
  /** Worker invocations run so far (retries included), and how many of them failed. */
  invocations = 0;
  failures = 0;
  private pending: FanOutBatch[] = [];

  async dispatch(batches: readonly FanOutBatch[]): Promise<{ failed: readonly FanOutBatch[] }> {
    await Promise.resolve();
    if (this.refuse) return { failed: batches };
    const received = batches.map((batch) => JSON.parse(JSON.stringify(batch)) as FanOutBatch);
    this.batches.push(...received);
    this.pending.push(...received);
    return { failed: [] };
  }

  /** Runs every batch not run yet through `worker`, in parallel; one that throws is retried up to `retries` times. */
  async runPending(worker: (batch: FanOutBatch) => Promise<void>, retries = 2): Promise<void> {
    const batches = this.pending;
    this.pending = [];
    await Promise.all(
      batches.map(async (batch) => {
        for (let attempt = 0; attempt <= retries; attempt += 1) {
          this.invocations += 1;
          try {
            await worker(batch);
            return;
          } catch {
            this.failures += 1;
          }
        }
      }),
    );
  }
}
