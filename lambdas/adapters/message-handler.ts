// The message function's handler with its moderation events (the EventBridge bus of config.moderationEventBus).
// Only this function publishes them, so only its bundle imports the EventBridge client: wiring.ts, which every
// chat function's bundle carries, does not.
import type { RuntimeConfig } from './config.js';
import { eventBridgeModerationEventsFor } from './eventbridge-moderation-events.js';
import { createMessageHandler, type HandlerOverrides, type WebSocketHandler } from './wiring.js';

export function createMessageFunctionHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides> = {},
): WebSocketHandler {
  if (overrides.moderationEvents || !config.moderationEventBus) return createMessageHandler(config, overrides);
  const moderationEvents = eventBridgeModerationEventsFor({
    eventBusName: config.moderationEventBus,
    region: config.region,
    ...(config.eventBridgeEndpoint ? { endpoint: config.eventBridgeEndpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
  });
  return createMessageHandler(config, { ...overrides, moderationEvents });
}
