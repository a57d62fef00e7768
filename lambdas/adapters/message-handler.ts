// The message function's handler with what only it uses: the frame router with every action, its moderation events
// (the EventBridge bus of config.moderationEventBus) and the attachment bucket (config.attachmentsBucketUrl). Only this function publishes
// the events and signs bucket requests, so only its bundle imports the EventBridge client and the S3 signing:
// wiring.ts, which every chat function's bundle carries, does not.
import { createRouter } from '../chat/router.js';
import type { RuntimeConfig } from './config.js';
import { eventBridgeModerationEventsFor } from './eventbridge-moderation-events.js';
import { createS3Attachments } from './s3-attachments.js';
import { createFrameHandler, type HandlerOverrides, type WebSocketHandler } from './wiring.js';

/**
 * The message route's handler with the frame router (every action and the frame schemas): only the message function
 * answers frames, so the other functions' bundles, built from wiring.ts alone, carry none of it.
 */
export function createMessageHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides> = {},
): WebSocketHandler {
  return createFrameHandler(config, overrides, createRouter);
}

export function createMessageFunctionHandler(
  config: RuntimeConfig,
  overrides: Partial<HandlerOverrides> = {},
): WebSocketHandler {
  const credentials = config.credentials ? { credentials: config.credentials } : {};
  const moderationEvents =
    overrides.moderationEvents ??
    (config.moderationEventBus
      ? eventBridgeModerationEventsFor({
          eventBusName: config.moderationEventBus,
          region: config.region,
          ...(config.eventBridgeEndpoint ? { endpoint: config.eventBridgeEndpoint } : {}),
          ...credentials,
        })
      : undefined);
  const attachments =
    overrides.attachments ??
    (config.attachmentsBucketUrl
      ? createS3Attachments({ bucketUrl: config.attachmentsBucketUrl, region: config.region, ...credentials })
      : undefined);
  return createMessageHandler(config, {
    ...overrides,
    ...(moderationEvents && { moderationEvents }),
    ...(attachments && { attachments }),
  });
}
