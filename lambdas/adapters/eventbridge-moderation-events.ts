// The ModerationEvents port over Amazon EventBridge, with the real @aws-sdk/client-eventbridge client (PutEvents);
// on the local stack the same client talks to local/eventbridge. One event per report, on the stack's own bus:
// source `chat.moderation`, detail-type `MessageReported`, the report (with its message snapshot) as the detail.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { ModerationEvents, ReportRecord } from '../chat/ports.js';
import { cachedByKey } from './cached-by-key.js';
import { keepAliveRequestHandler } from './keep-alive-handler.js';

export const MODERATION_EVENT_SOURCE = 'chat.moderation';
export const MESSAGE_REPORTED = 'MessageReported';

export interface EventBridgeModerationEventsOptions {
  /** The bus's name or ARN. */
  eventBusName: string;
  region: string;
  /** Local only: the emulation's endpoint; on AWS the regional one. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** What an operator's rule matches on and a moderation tool reads: times as ISO 8601, like the wire protocol. */
export function messageReportedDetail(report: ReportRecord): Record<string, unknown> {
  return {
    reportId: report.reportId,
    roomId: report.roomId,
    seq: report.seq,
    reporterId: report.reporterId,
    reason: report.reason,
    reportedAt: new Date(report.createdAt).toISOString(),
    message: report.message,
  };
}

export function createEventBridgeModerationEvents(options: EventBridgeModerationEventsOptions): ModerationEvents {
  const client = new EventBridgeClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: keepAliveRequestHandler(),
  });
  return {
    async messageReported(report) {
      // The SDK's standard retries cover throttling and 5xx of the call; an entry refused on its own is a failure.
      const answer = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: options.eventBusName,
              Source: MODERATION_EVENT_SOURCE,
              DetailType: MESSAGE_REPORTED,
              Detail: JSON.stringify(messageReportedDetail(report)),
              Time: new Date(report.createdAt),
            },
          ],
        }),
      );
      const refused = answer.Entries?.find((entry) => entry.ErrorCode !== undefined);
      if ((answer.FailedEntryCount ?? 0) > 0 || refused) {
        throw new Error(
          `PutEvents refused the event: ${refused?.ErrorCode ?? 'unknown'} ${refused?.ErrorMessage ?? ''}`,
        );
      }
    },
  };
}

/** One client per bus and endpoint for the life of the execution environment. */
export const eventBridgeModerationEventsFor = cachedByKey(
  (options: EventBridgeModerationEventsOptions) => JSON.stringify([options.eventBusName, options.endpoint ?? null]),
  createEventBridgeModerationEvents,
);
