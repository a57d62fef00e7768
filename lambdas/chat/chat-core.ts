// The chat logic's parts, wired: the connection lifecycle, presence, fan-out, redelivery and the sweeper, and the
// frame router when the caller hands it in. Only the message function answers frames, so only its bundle carries the
// router, every action and the frame schemas (index.ts's createChat hands it in for the local stack and the tests).
// No AWS SDK here: handlers (AWS) and the local stack hand in adapters, unit tests hand in fakes.
import type { ChatRuntime } from './context.js';
import { createConnectionLifecycle, type ConnectionLifecycle } from './connection-lifecycle.js';
import { createFanOut } from './fan-out.js';
import { createPresence } from './presence.js';
import { createRedelivery } from './redelivery.js';
import { createRateLimiter, type RateLimiter } from './rate-limiter.js';
import { createSweeper } from './sweeper.js';
import type { ChatDeps, ChatService, FrameRequest } from './service.js';

/** Builds what answers the message route's frames (router.ts's createRouter). */
export type FrameRouterFactory = (
  runtime: ChatRuntime,
  rateLimiter: RateLimiter,
) => (request: FrameRequest) => Promise<void>;

export function createChatCore(deps: ChatDeps, routeFrames?: FrameRouterFactory): ChatService {
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
  const onFrame =
    routeFrames?.(runtime, rateLimiter) ??
    ((): Promise<void> =>
      Promise.reject(new Error('this function answers no frames: it was built without the router')));
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
