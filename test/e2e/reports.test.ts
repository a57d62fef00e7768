// PROTOCOL.md "Reports", through the local stack: a report is acked with its id and reaches the local EventBridge bus
// (read back with GET /dev/events) with a snapshot of the message; 10 reports a user and hour; bad input names the
// field.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { TestClient } from './support/test-client.js';
import { expectAckFields, frameOf } from './support/wire.js';

const local = useLocalStack();

interface LocalEvent {
  eventBusName: string;
  event: {
    source: string;
    'detail-type': string;
    account: string;
    region: string;
    time: string;
    detail: Record<string, unknown>;
  };
}

async function publishedEvents(): Promise<LocalEvent[]> {
  const response = await fetch(`${local.stack.httpUrl}/dev/events`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { events: LocalEvent[] }).events;
}

/** Alice and Bob in a room; Bob sent `count` messages. */
async function scene(count = 1) {
  const { user: alice, client: a } = await local.connectNew('alice');
  const { user: bob, client: b } = await local.connectNew('bob');
  const room = await local.createRoom(a, [bob]);
  await b.waitFor(frameOf('roomJoined'));
  const messages: { id: string; seq: number; content: string }[] = [];
  for (let index = 1; index <= count; index++) {
    const ack = await b.ack('sendMessage', {
      roomId: room.roomId,
      clientMessageId: `m${index}`,
      content: `buy "cheap" stuff </script> ✓ ${index}`,
    });
    messages.push(ack.message as never);
  }
  return { alice, a, bob, b, roomId: room.roomId, messages };
}

const report = (client: TestClient, roomId: string, seq: number, reason = 'spam') =>
  client.ack('reportMessage', { roomId, seq, reason });

describe('reportMessage', () => {
  local.it('is acked with a report id and reaches the moderation bus with a snapshot of the message', async () => {
    const { alice, a, bob, roomId, messages } = await scene();
    const before = Date.now();
    const ack = await report(a, roomId, 1, 'unwanted\nads "here"');
    expectAckFields(ack, ['reportId']);
    let published: LocalEvent | undefined;
    for (let attempt = 0; attempt < 50 && !published; attempt++) {
      published = (await publishedEvents()).find((e) => e.event.detail.reportId === ack.reportId);
      if (!published) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(published).toMatchObject({
      eventBusName: local.stack.moderationEvents.eventBusName,
      event: {
        source: 'chat.moderation',
        'detail-type': 'MessageReported',
        account: '000000000000',
        detail: {
          reportId: ack.reportId,
          roomId,
          seq: 1,
          reporterId: alice.userId,
          reason: 'unwanted\nads "here"',
          message: { id: messages[0]!.id, seq: 1, senderId: bob.userId, content: messages[0]!.content },
        },
      },
    });
    const reportedAt = Date.parse(published!.event.detail.reportedAt as string);
    expect(reportedAt).toBeGreaterThanOrEqual(before - 5);
    // The same report again: the same id, no second event.
    expect((await report(a, roomId, 1, 'again')).reportId).toBe(ack.reportId);
    const events = (await publishedEvents()).filter((e) => e.event.detail.reportId === ack.reportId);
    expect(events).toHaveLength(1);
  });

  local.it('allows 10 reports a user and hour, then RATE_LIMITED', async () => {
    const { a, b, roomId } = await scene(11);
    const now = new Date();
    // Reports made across the top of the hour would fall into two windows: wait it out.
    if (now.getUTCMinutes() === 59 && now.getUTCSeconds() > 50) await new Promise((r) => setTimeout(r, 11_000));
    for (let seq = 1; seq <= 10; seq++) await report(a, roomId, seq);
    const refused = await a.error('reportMessage', { roomId, seq: 11, reason: 'spam' });
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', message: /^reportMessage: at most 10 reports an hour/ });
    // Someone else is not limited by it.
    await report(b, roomId, 11);
  });

  local.it('bad input names the field; non-members are FORBIDDEN; a missing message is NOT_FOUND', async () => {
    const { a, roomId } = await scene();
    const { client: outsider } = await local.connectNew('mallory');
    expect(await a.error('reportMessage', { roomId, seq: 1 })).toMatchObject({
      code: 'BAD_REQUEST',
      message: /^reason: /,
    });
    expect(await a.error('reportMessage', { roomId, seq: 1, reason: 'x'.repeat(1_001) })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'reason: must be at most 1000 characters',
    });
    expect(await a.error('reportMessage', { roomId, seq: 'one', reason: 'x' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: /^seq: /,
    });
    expect(await a.error('reportMessage', { seq: 1, reason: 'x' })).toMatchObject({ message: /^roomId: / });
    expect(await outsider.error('reportMessage', { roomId, seq: 1, reason: 'x' })).toMatchObject({ code: 'FORBIDDEN' });
    expect(await a.error('reportMessage', { roomId, seq: 2, reason: 'x' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'seq: no message 2 in this room',
    });
  });
});
