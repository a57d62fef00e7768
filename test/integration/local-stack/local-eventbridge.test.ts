// The local EventBridge emulation through the real @aws-sdk/client-eventbridge client: PutEvents on a custom bus by
// name and by ARN, EventBridge's per-entry failures (no such bus, a Detail that is not a JSON object, missing fields)
// beside entries that succeed, its request limits, and the moderation events adapter on top.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEventBridgeModerationEvents,
  MESSAGE_REPORTED,
  MODERATION_EVENT_SOURCE,
} from '../../../lambdas/adapters/eventbridge-moderation-events.js';
import type { ReportRecord } from '../../../lambdas/chat/ports.js';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
let bridge: LocalEventBridge;
let client: EventBridgeClient;
let busArn: string;

beforeAll(async () => {
  bridge = await startLocalEventBridge({ region });
  busArn = bridge.createEventBus('moderation');
  client = new EventBridgeClient({ region, endpoint: bridge.endpoint, credentials });
});
afterAll(async () => {
  client.destroy();
  await bridge.stop();
});

const entry = (overrides: Record<string, unknown> = {}) => ({
  EventBusName: 'moderation',
  Source: 'test.source',
  DetailType: 'Something',
  Detail: JSON.stringify({ a: 1, text: 'quotes " and ✓' }),
  ...overrides,
});

describe('local EventBridge: PutEvents', () => {
  it('puts events on a bus named by name or ARN, in the shape rules hand to targets', async () => {
    const before = bridge.events().length;
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [entry({ Time: new Date('2025-01-15T09:30:00.250Z') }), entry({ EventBusName: busArn })],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries).toHaveLength(2);
    const events = bridge.events().slice(before);
    expect(events.map((e) => e.event.id)).toEqual(answer.Entries!.map((e) => e.EventId));
    expect(events[0]).toEqual({
      eventBusName: 'moderation',
      event: {
        version: '0',
        id: answer.Entries![0]!.EventId,
        'detail-type': 'Something',
        source: 'test.source',
        account: '000000000000',
        time: '2025-01-15T09:30:00Z',
        region,
        resources: [],
        detail: { a: 1, text: 'quotes " and ✓' },
      },
    });
    expect(events[1]!.eventBusName).toBe('moderation');
  });

  it('fails bad entries one by one, with EventBridge error codes, and puts the others', async () => {
    const before = bridge.events().length;
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          entry({ EventBusName: 'no-such-bus' }),
          entry({ Detail: '[1, 2]' }),
          entry({ Detail: 'not json' }),
          entry({ Source: '' }),
          entry(),
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(4);
    expect(answer.Entries!.map((e) => e.ErrorCode)).toEqual([
      'ResourceNotFoundException',
      'MalformedDetail',
      'MalformedDetail',
      'InvalidArgument',
      undefined,
    ]);
    expect(bridge.events().length).toBe(before + 1);
  });

  it('refuses more than 10 entries and more than 256 KiB, putting none', async () => {
    const before = bridge.events().length;
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry()) })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      client.send(new PutEventsCommand({ Entries: [entry({ Detail: JSON.stringify({ big: 'x'.repeat(262_144) }) })] })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    expect(bridge.events().length).toBe(before);
  });

  it('answers an operation it does not emulate with UnknownOperationException', async () => {
    const response = await fetch(bridge.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'AWSEvents.ListRules' },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('the moderation events adapter', () => {
  const report: ReportRecord = {
    reportId: 'r-1',
    roomId: 'room#1',
    seq: 4,
    reporterId: 'alice',
    reason: 'spam',
    message: {
      id: 'm-1',
      roomId: 'room#1',
      seq: 4,
      senderId: 'bob',
      senderName: 'Bob',
      content: 'buy now',
      messageType: 'text',
      clientMessageId: 'c-1',
      createdAt: '2025-01-15T09:29:00.000Z',
    },
    createdAt: Date.parse('2025-01-15T09:30:00.000Z'),
  };

  it('publishes a report as a MessageReported event of chat.moderation', async () => {
    const events = createEventBridgeModerationEvents({
      eventBusName: busArn,
      region,
      endpoint: bridge.endpoint,
      credentials,
    });
    await events.messageReported(report);
    const published = bridge.events().at(-1)!;
    expect(published.eventBusName).toBe('moderation');
    expect(published.event).toMatchObject({
      source: MODERATION_EVENT_SOURCE,
      'detail-type': MESSAGE_REPORTED,
      time: '2025-01-15T09:30:00Z',
      detail: {
        reportId: 'r-1',
        roomId: 'room#1',
        seq: 4,
        reporterId: 'alice',
        reason: 'spam',
        reportedAt: '2025-01-15T09:30:00.000Z',
        message: report.message,
      },
    });
  });

  it('throws when the event is refused, so the caller can count it', async () => {
    const events = createEventBridgeModerationEvents({
      eventBusName: 'missing-bus',
      region,
      endpoint: bridge.endpoint,
      credentials,
    });
    await expect(events.messageReported(report)).rejects.toThrow(/ResourceNotFoundException/);
  });
});
