// The chat logic's entry point: wires the ports into the connection lifecycle and the frame router.
// No AWS SDK here: handlers (AWS) and the local stack hand in adapters, unit tests hand in fakes.
import type { ChatRuntime } from './context.js';
import { createConnectionLifecycle, type ConnectionLifecycle } from './connection-lifecycle.js';
import { createFanOut } from './fan-out.js';
import { createPresence } from './presence.js';
import { createRedelivery } from './redelivery.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRouter } from './router.js';
import { createSweeper } from './sweeper.js';
import type { ChatDeps, ChatService } from './service.js';

export function createChat(deps: ChatDeps): ChatService {
  const rateLimiter = createRateLimiter(deps.config.rateLimit);
  // The fan-out removes connections it finds gone through the lifecycle, whose presence events go out through the
  // fan-out: the cycle is closed by this late binding.
  let lifecycle: ConnectionLifecycle | undefined;
  const fanOut = createFanOut({
    ...deps,
    onGone: (connection, roomId) => lifecycle!.removeGone(connection, roomId),
    fanOut: deps.config.fanOut,
    ...(deps.fanOutDispatcher && { dispatcher: deps.fanOutDispatcher }),
  });
  const presence = createPresence({ ...deps, fanOut });
  lifecycle = createConnectionLifecycle({ ...deps, presence, rateLimiter });
  const runtime: ChatRuntime = { ...deps, fanOut, connections: lifecycle };
  const onFrame = createRouter(runtime, rateLimiter);
  const opened = lifecycle;
  const redeliver = createRedelivery({ ...deps, onGone: (connection) => opened.removeGone(connection) });
  const sweep = createSweeper({ ...deps, fanOut, lifecycle: opened, presence });
  return {
    onConnect: (request) => opened.open(request),
    onDisconnect: (request) => opened.close(request),
    onFrame,
    redeliver,
    deliverBatch: (batch) => fanOut.deliverBatch(batch),
    sweep,
  };
}

export { DEFAULT_CHAT_CONFIG } from './service.js';
export type { ChatConfig, ChatDeps, ChatService, ConnectRequest, DisconnectRequest, FrameRequest } from './service.js';
export type { RedeliveryOutcome, RedeliveryRequest } from './redelivery.js';
export type { SweepOutcome } from './service.js';
export { ChatError, FanOutBatchIncompleteError, PostRetriesExhaustedError } from './errors.js';
export { DEFAULT_FAN_OUT_SETTINGS, roomSizeBucket, type FanOutSettings } from './fan-out-batches.js';
export { DEFAULT_HEARTBEAT_POLICY, type HeartbeatPolicy } from './heartbeat.js';
export { directRoomId } from './actions/rooms.js';
export { InvalidCursorError } from './ports.js';
export {
  createPushWorker,
  DEFAULT_PUSH_SETTINGS,
  PushJobIncompleteError,
  type PushSettings,
  type PushWorker,
  type PushWorkerDeps,
} from './push-worker.js';
export { GENERIC_PUSH_BODY, PREVIEW_MAX_CHARACTERS } from './push-notification.js';
export type * from './ports.js';
