// The chat logic's entry point: every part wired, the frame router included (chat-core.ts without it).
// No AWS SDK here: handlers (AWS) and the local stack hand in adapters, unit tests hand in fakes.
import { createChatCore } from './chat-core.js';
import { createRouter } from './router.js';
import type { ChatDeps, ChatService } from './service.js';

export function createChat(deps: ChatDeps): ChatService {
  return createChatCore(deps, createRouter);
}

export { createChatCore, type FrameRouterFactory } from './chat-core.js';
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
