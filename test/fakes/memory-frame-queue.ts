// A FrameQueue that keeps what it is given in memory, or refuses everything when told to.
import type { FrameQueue, QueuedFrame } from '../../lambdas/chat/ports.js';

export class MemoryFrameQueue implements FrameQueue {
  readonly frames: QueuedFrame[] = [];
  /** The delay each queued frame was given (0 for none), in the order of `frames`. */
  readonly delaysSeconds: number[] = [];
  refuse = false;

  async enqueue(
    frames: readonly QueuedFrame[],
    options: { delaySeconds?: number } = {},
  ): Promise<{ queued: number; failed: number }> {
    await Promise.resolve();
    if (this.refuse) return { queued: 0, failed: frames.length };
    this.frames.push(...frames);
    this.delaysSeconds.push(...frames.map(() => options.delaySeconds ?? 0));
    return { queued: frames.length, failed: 0 };
  }
}
