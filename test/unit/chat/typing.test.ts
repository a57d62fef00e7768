// typing: PROTOCOL.md "typing" (start, re-broadcast after 3 s, expiry, stop only when live).
import { describe, expect, it } from 'vitest';
import type { TypingEvent } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

async function setup() {
  const h = createChatHarness();
  const alicePhone = await h.connect('alice', { name: 'Alice' });
  const aliceLaptop = await h.connect('alice', { name: 'Alice' });
  const bob = await h.connect('bob', { name: 'Bob' });
  const room = await h.createRoom(alicePhone, 'room', ['bob']);
  h.clearFrames();
  const roomId = room.roomId;
  const type = (isTyping: boolean, from = alicePhone) => h.request(from, 'typing', { roomId, isTyping });
  const iso = (ms: number) => new Date(ms).toISOString();
  return { h, alicePhone, aliceLaptop, bob, roomId, type, iso };
}

describe('typing', () => {
  it("a start is acked without fields and broadcast with an expiry 5 s out, never to the typist's own connections", async () => {
    const { h, alicePhone, aliceLaptop, bob, roomId, type, iso } = await setup();
    const start = h.clock.now();
    const ack = await type(true);
    expect(ack).toEqual({ type: 'ack', requestId: ack.requestId, action: 'typing' });
    const expected: TypingEvent = {
      type: 'typing',
      roomId,
      userId: 'alice',
      displayName: 'Alice',
      isTyping: true,
      expiresAt: iso(start + 5_000),
    };
    expect(h.eventsOf(bob)).toEqual([expected]);
    expect(h.eventsOf(aliceLaptop)).toEqual([]);
    expect(h.eventsOf(alicePhone)).toEqual([]);
  });

  it('repeats within 3 s send nothing; at 3 s the new expiry is re-broadcast', async () => {
    const { h, bob, type, iso } = await setup();
    const start = h.clock.now();
    await type(true);
    h.clock.advance(1_000);
    await type(true);
    h.clock.advance(1_999);
    await type(true);
    expect(h.eventsOf(bob, 'typing')).toHaveLength(1);
    h.clock.advance(1);
    await type(true);
    const events = h.eventsOf(bob, 'typing');
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ isTyping: true, expiresAt: iso(start + 3_000 + 5_000) });
  });

  it('each repeat extends the indicator that getPresence lists, even when nothing is broadcast', async () => {
    const { h, bob, roomId, type, iso } = await setup();
    const start = h.clock.now();
    await type(true);
    h.clock.advance(2_000);
    await type(true);
    h.clock.advance(4_000); // 6 s after the start: past the first expiry, before the second
    const presence = await h.ack(bob, 'getPresence', { roomId });
    expect(presence.typing).toEqual([{ userId: 'alice', displayName: 'Alice', expiresAt: iso(start + 2_000 + 5_000) }]);
  });

  it('nothing is sent at expiry; getPresence stops listing it; the next true is a fresh start', async () => {
    const { h, bob, roomId, type } = await setup();
    await type(true);
    h.clock.advance(5_000);
    expect(h.eventsOf(bob, 'typing')).toHaveLength(1);
    expect((await h.ack(bob, 'getPresence', { roomId })).typing).toEqual([]);
    await type(true);
    expect(h.eventsOf(bob, 'typing')).toHaveLength(2);
  });

  it('false broadcasts isTyping:false (no expiresAt) when the indicator was live, and nothing when it was not', async () => {
    const { h, bob, roomId, type } = await setup();
    await type(false);
    expect(h.eventsOf(bob)).toEqual([]);
    await type(true);
    h.clock.advance(1_000);
    await type(false);
    expect(h.eventsOf(bob, 'typing')[1]).toEqual({
      type: 'typing',
      roomId,
      userId: 'alice',
      displayName: 'Alice',
      isTyping: false,
    });
    await type(false);
    expect(h.eventsOf(bob, 'typing')).toHaveLength(2);
    await type(true);
    h.clock.advance(5_000);
    await type(false);
    expect(h.eventsOf(bob, 'typing')).toHaveLength(3);
  });

  it('sendMessage stops a live indicator (after the message) and does nothing to a dead one', async () => {
    const { h, alicePhone, aliceLaptop, bob, roomId, type } = await setup();
    await type(true);
    await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'm1', content: 'done typing' });
    expect(h.eventsOf(bob).map((e) => [e.type, (e as TypingEvent).isTyping])).toEqual([
      ['typing', true],
      ['message', undefined],
      ['typing', false],
    ]);
    expect(h.eventsOf(aliceLaptop, 'typing')).toEqual([]);
    expect((await h.ack(bob, 'getPresence', { roomId })).typing).toEqual([]);
    await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'm2', content: 'again' });
    expect(h.eventsOf(bob, 'typing')).toHaveLength(2);
    await type(true);
    h.clock.advance(6_000);
    await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'm3', content: 'late' });
    expect(h.eventsOf(bob, 'typing')).toHaveLength(3);
  });

  it("a typist's other device typing in the same room is the same indicator", async () => {
    const { h, aliceLaptop, bob, type } = await setup();
    await type(true);
    h.clock.advance(1_000);
    await type(true, aliceLaptop);
    expect(h.eventsOf(bob, 'typing')).toHaveLength(1);
  });

  it('non-members are FORBIDDEN and nothing is recorded', async () => {
    const { h, roomId } = await setup();
    const eve = await h.connect('eve');
    const answer = await h.request(eve, 'typing', { roomId, isTyping: true });
    expect(answer).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: 'not a member of this room' });
    expect(h.stores.dump().typing).toEqual([]);
  });

  it('without a requestId a typing frame gets no answer at all', async () => {
    const { h, alicePhone, roomId } = await setup();
    await h.send(alicePhone, { action: 'typing', roomId, isTyping: true });
    expect(h.framesOf(alicePhone)).toEqual([]);
  });
});
