// One simulated fan-out worker environment (section 9): the real fan-out handler (createFanOutHandler: the
// management-API notifier with its own keep-alive sockets, the chat logic's deliverBatch) on a thread of its own,
// running one batch at a time as a Lambda execution environment runs one invocation at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import { createFanOutHandler } from '../../lambdas/adapters/wiring.js';
import type { FrameQueue, QueuedFrame } from '../../lambdas/chat/ports.js';

const port = parentPort!;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
/** Frames whose posts outlasted their retries: on AWS the redelivery queue's, here only counted. */
let deferred = 0;
const countingQueue: FrameQueue = {
  enqueue: async (frames: readonly QueuedFrame[]) => {
    deferred += frames.length;
    return { queued: frames.length, failed: 0 };
  },
};
const handler = createFanOutHandler(workerData as RuntimeConfig, {
  logger: silent,
  metrics: { count() {} },
  frameQueue: countingQueue,
});
port.on('message', (request: { id: number; batch: unknown }) => {
  const before = deferred;
  handler(request.batch).then(
    () => port.postMessage({ id: request.id, ok: true, deferred: deferred - before }),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: String(error), deferred: deferred - before }),
  );
});
port.postMessage({ ready: true });
