// reportMessage (PROTOCOL.md, "Reports"): members only, the message must exist, a snapshot is stored for the operator,
// an event is published after the ack, a failed publish keeps the report, at most 10 reports a user and clock hour.
import { describe, expect, it } from 'vitest';
import type { ModerationEvents, ReportRecord } from '../../../lambdas/chat/ports.js';
import type { Message } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

const HOUR = 3_600_000;

class RecordingModerationEvents implements ModerationEvents {
  readonly published: ReportRecord[] = [];
  failures = 0;
  async messageReported(report: ReportRecord): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('PutEvents failed');
    }
    this.published.push(structuredClone(report));
  }
}

async function setup() {
  const events = new RecordingModerationEvents();
  // The start of a clock hour, so the window is predictable.
  const h = createChatHarness({ moderationEvents: events, start: Date.UTC(2025, 0, 15, 9, 0, 0, 0) });
  const alice = await h.connect('alice', { name: 'Alice' });
  const bob = await h.connect('bob', { name: 'Bob' });
  const outsider = await h.connect('mallory');
  const room = await h.createRoom(alice, 'room', ['bob']);
  const messages: Message[] = [];
  for (let index = 1; index <= 12; index++) {
    h.clock.advance(50);
    const ack = await h.ack(bob, 'sendMessage', {
      roomId: room.roomId,
      clientMessageId: `m${index}`,
      content: `spam ${index} "quoted"`,
    });
    messages.push(ack.message as Message);
  }
  h.clearFrames();
  return { h, events, alice, bob, outsider, roomId: room.roomId, messages };
}

describe('reportMessage', () => {
  it('stores the report with a snapshot of the message and publishes it after the ack', async () => {
    const { h, events, alice, roomId, messages } = await setup();
    const ack = await h.ack(alice, 'reportMessage', { roomId, seq: 3, reason: 'spam\nand "abuse"' });
    expect(Object.keys(ack).sort()).toEqual(['action', 'reportId', 'requestId', 'type']);
    const expected: ReportRecord = {
      reportId: ack.reportId as string,
      roomId,
      seq: 3,
      reporterId: 'alice',
      reason: 'spam\nand "abuse"',
      message: messages[2]!,
      createdAt: h.clock.now(),
    };
    expect(h.stores.dump().reports).toEqual([expected]);
    expect(events.published).toEqual([expected]);
    expect(h.metrics.total('MessagesReported')).toBe(1);
    // Nobody else hears of it.
    expect(h.eventsOf(alice)).toEqual([]);
  });

  it('a repeat by the same reporter answers the same report, publishes and counts nothing', async () => {
    const { h, events, alice, roomId } = await setup();
    const first = await h.ack(alice, 'reportMessage', { roomId, seq: 1, reason: 'spam' });
    const again = await h.ack(alice, 'reportMessage', { roomId, seq: 1, reason: 'other words' });
    expect(again.reportId).toBe(first.reportId);
    expect(events.published).toHaveLength(1);
    for (let seq = 2; seq <= 10; seq++) await h.ack(alice, 'reportMessage', { roomId, seq, reason: 'spam' });
  });

  it('is limited to 10 reports a user and clock hour: RATE_LIMITED, nothing stored, another user unaffected', async () => {
    const { h, events, alice, bob, roomId } = await setup();
    for (let seq = 1; seq <= 10; seq++) await h.ack(alice, 'reportMessage', { roomId, seq, reason: 'spam' });
    const refused = await h.request(alice, 'reportMessage', { roomId, seq: 11, reason: 'spam' });
    expect(refused).toMatchObject({
      type: 'error',
      code: 'RATE_LIMITED',
      message: `reportMessage: at most 10 reports an hour; try again after ${new Date(h.clock.now() - (h.clock.now() % HOUR) + HOUR).toISOString()}`,
    });
    expect(h.stores.dump().reports).toHaveLength(10);
    await h.ack(bob, 'reportMessage', { roomId, seq: 11, reason: 'spam' });
    h.clock.advance(HOUR);
    await h.ack(alice, 'reportMessage', { roomId, seq: 11, reason: 'spam' });
    expect(events.published).toHaveLength(12);
  });

  it('a failed publish keeps the report, is counted and logged without the reason or content; the client is acked', async () => {
    const { h, events, alice, roomId } = await setup();
    events.failures = 1;
    const ack = await h.ack(alice, 'reportMessage', { roomId, seq: 2, reason: 'secret-reason' });
    expect(h.stores.dump().reports.map((r) => r.reportId)).toEqual([ack.reportId]);
    expect(h.metrics.total('ModerationEventsFailed')).toBe(1);
    const logged = h.logger.entries.find((e) => e.level === 'error');
    expect(logged?.extra).toMatchObject({ reportId: ack.reportId, roomId, seq: 2 });
    expect(h.logger.text()).not.toContain('secret-reason');
    expect(h.logger.text()).not.toContain('spam 2');
  });

  it('refuses non-members (FORBIDDEN), missing messages (NOT_FOUND naming seq) and bad fields, storing nothing', async () => {
    const { h, alice, outsider, roomId } = await setup();
    expect(await h.request(outsider, 'reportMessage', { roomId, seq: 1, reason: 'x' })).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await h.request(outsider, 'reportMessage', { roomId: 'nope', seq: 1, reason: 'x' })).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await h.request(alice, 'reportMessage', { roomId, seq: 99, reason: 'x' })).toMatchObject({
      code: 'NOT_FOUND',
      message: 'seq: no message 99 in this room',
    });
    expect(await h.request(alice, 'reportMessage', { roomId, seq: 0, reason: 'x' })).toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await h.request(alice, 'reportMessage', { roomId, seq: 1, reason: '' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'reason: must be at least 1 characters',
    });
    expect(await h.request(alice, 'reportMessage', { roomId, seq: 1, reason: 'r'.repeat(1_001) })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'reason: must be at most 1000 characters',
    });
    expect(await h.request(alice, 'reportMessage', { roomId, seq: -1, reason: 'x' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: /^seq: /,
    });
    expect(await h.request(alice, 'reportMessage', { roomId, reason: 'x' })).toMatchObject({ message: /^seq: / });
    expect(h.stores.dump().reports).toEqual([]);
  });

  it('without a moderation event sink the report is still stored', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const room = await h.createRoom(alice, 'r');
    await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'c', content: 'x' });
    await h.ack(alice, 'reportMessage', { roomId: room.roomId, seq: 1, reason: 'mine' });
    expect(h.stores.dump().reports).toHaveLength(1);
    expect(h.metrics.total('ModerationEventsFailed')).toBe(0);
  });
});
