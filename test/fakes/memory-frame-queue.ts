// A FrameQueue that keeps what it is given in memory, or refuses everything when told to.
import type { FrameQueue, QueuedFrame } from '../../lambdas/chat/ports.js';

export class MemoryFrameQueue implements FrameQueue {
  readonly frames: QueuedFrame[] = [];
  refuse = false;

  async enqueue(frames: readonly QueuedFrame[]): Promise<{ queued: number; failed: number }> {
    await Promise.resolve();
    if (this.refuse) return { queued: 0, failed: frames.length };
    this.frames.push(...frames);
    return { queued: frames.length, failed: 0 };
  }
}
