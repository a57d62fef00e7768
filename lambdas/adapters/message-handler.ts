// The message function's handler with what only it uses: its moderation events (the EventBridge bus of
// config.moderationEventBus) and the attachment bucket (config.attachmentsBucketUrl). Only this function publishes
// the events and signs bucket requests, so only its bundle imports the EventBridge client and the S3 signing:
// wiring.ts, which every chat function's bundle carries, does not.
import type { RuntimeConfig } from './config.js';
import { eventBridgeModerationEventsFor } from './eventbridge-moderation-events.js';
import { createS3Attachments } from './s3-attachments.js';
import { createMessageHandler, type HandlerOverrides, type WebSocketHandler } from './wiring.js';

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
