// sendMessage: PROTOCOL.md "sendMessage" and "Retries racing".
import { describe, expect, it } from 'vitest';
import type { AckFrame, Message, MessageEvent } from '../../../lambdas/protocol/index.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

async function roomOfThree(): Promise<{
  h: ChatHarness;
  alicePhone: TestConnection;
  aliceLaptop: TestConnection;
  bob: TestConnection;
  carol: TestConnection;
  roomId: string;
}> {
  const h = createChatHarness();
  const alicePhone = await h.connect('alice', { name: 'Alice' });
  const aliceLaptop = await h.connect('alice', { name: 'Alice' });
  const bob = await h.connect('bob', { name: 'Bob' });
  const carol = await h.connect('carol', { name: 'Carol' });
  const room = await h.createRoom(alicePhone, 'trio', ['bob', 'carol']);
  h.clearFrames();
  return { h, alicePhone, aliceLaptop, bob, carol, roomId: room.roomId };
}

const send = (h: ChatHarness, from: TestConnection, fields: Record<string, unknown>) =>
  h.request(from, 'sendMessage', fields);

describe('sendMessage', () => {
  it("acks the stored message and broadcasts it to every other subscribed connection, the sender's other device included", async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, roomId } = await roomOfThree();
    const deliveriesBefore = h.metrics.total('Deliveries');
    const ack = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'c-1', content: 'hello' });
    const message = ack.message as Message;
    expect(message).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      roomId,
      seq: 1,
      senderId: 'alice',
      senderName: 'Alice',
      content: 'hello',
      messageType: 'text',
      clientMessageId: 'c-1',
      createdAt: new Date(h.clock.now()).toISOString(),
    });
    const event: MessageEvent = { type: 'message', roomId, message };
    for (const other of [aliceLaptop, bob, carol]) expect(h.framesOf(other)).toEqual([event]);
    expect(h.eventsOf(alicePhone)).toEqual([]);
    expect(h.stores.dump().messages).toEqual([message]);
    expect(h.metrics.total('MessagesSent')).toBe(1);
    expect(h.metrics.total('Deliveries') - deliveriesBefore).toBe(3);
  });

  it('serialises the broadcast once: every recipient gets the identical string', async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, roomId } = await roomOfThree();
    await send(h, alicePhone, { roomId, clientMessageId: 'c', content: 'same' });
    const payloads = [aliceLaptop, bob, carol].map((c) => h.notifier.payloadsFor(c.connectionId));
    expect(payloads[0]).toHaveLength(1);
    expect(payloads[1]).toEqual(payloads[0]);
    expect(payloads[2]).toEqual(payloads[0]);
  });

  it('stores the message before anyone is told', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    const seenAtPost: number[] = [];
    h.notifier.onPost = (connectionId) => {
      if (connectionId === bob.connectionId) seenAtPost.push(h.stores.dump().messages.length);
    };
    await send(h, alicePhone, { roomId, clientMessageId: 'c', content: 'first' });
    expect(seenAtPost).toEqual([1]);
  });

  it('assigns strictly increasing seqs', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    const seqs: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const ack = await h.ack(i % 2 ? bob : alicePhone, 'sendMessage', {
        roomId,
        clientMessageId: `c${i}`,
        content: `${i}`,
      });
      seqs.push((ack.message as Message).seq);
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it('delivers content byte for byte', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    const tricky = [
      'say "hi" \\ \\" \\\\n',
      'line 1\nline 2\r\n\ttab',
      '😀👩‍👩‍👧‍👦 ünïcödé \u2028\u2029',
      '</script><script>alert(1)</script>',
      '{"type":"ack","requestId":"x"}',
      '   leading and trailing   ',
      '\u0000\u0007 control',
    ];
    for (const [i, content] of tricky.entries()) {
      const ack = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: `t${i}`, content });
      expect((ack.message as Message).content).toBe(content);
    }
    expect(h.eventsOf(bob, 'message').map((e) => e.message.content)).toEqual(tricky);
    const history = await h.ack(bob, 'getHistory', { roomId });
    expect((history.messages as Message[]).map((m) => m.content)).toEqual(tricky);
  });

  it('accepts exactly 4,000 characters and answers PAYLOAD_TOO_LARGE above, storing nothing', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    const ok = await send(h, alicePhone, { roomId, clientMessageId: 'max', content: 'x'.repeat(4_000) });
    expect(ok.type).toBe('ack');
    h.clearFrames();
    const tooBig = await send(h, alicePhone, { roomId, clientMessageId: 'big', content: 'x'.repeat(4_001) });
    expect(tooBig).toEqual({
      type: 'error',
      requestId: tooBig.requestId,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'content: must be at most 4000 characters',
    });
    expect(h.stores.dump().messages).toHaveLength(1);
    expect(h.framesOf(bob)).toEqual([]);
  });

  it('counts length in JavaScript string units (an emoji is two)', async () => {
    const { h, alicePhone, roomId } = await roomOfThree();
    const answer = await send(h, alicePhone, { roomId, clientMessageId: 'e', content: '😀'.repeat(2_001) });
    expect(answer).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it("carries messageType, attachmentUrl and the sender's avatar", async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    await h.ack(alicePhone, 'updateProfile', { avatarUrl: 'https://cdn.test/alice.png' });
    const ack = await h.ack(alicePhone, 'sendMessage', {
      roomId,
      clientMessageId: 'img',
      content: 'look',
      messageType: 'image',
      attachmentUrl: 'https://cdn.test/photo.jpg',
    });
    expect(ack.message).toMatchObject({
      messageType: 'image',
      attachmentUrl: 'https://cdn.test/photo.jpg',
      senderAvatar: 'https://cdn.test/alice.png',
    });
    expect(h.eventsOf(bob, 'message')[0]!.message).toEqual(ack.message);
  });

  it('accepts an image without attachmentUrl', async () => {
    const { h, alicePhone, roomId } = await roomOfThree();
    const ack = await h.ack(alicePhone, 'sendMessage', {
      roomId,
      clientMessageId: 'f',
      content: 'file',
      messageType: 'file',
    });
    expect(ack.message).toMatchObject({ messageType: 'file' });
    expect(ack.message).not.toHaveProperty('attachmentUrl');
  });

  it('is FORBIDDEN to a non-member and in a room that does not exist, with the same message, and stores nothing', async () => {
    const { h, roomId } = await roomOfThree();
    const dave = await h.connect('dave');
    const intoRoom = await send(h, dave, { roomId, clientMessageId: 'x', content: 'let me in' });
    const nowhere = await send(h, dave, { roomId: 'no-such-room', clientMessageId: 'y', content: 'hello?' });
    expect(intoRoom).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: 'not a member of this room' });
    expect(nowhere).toMatchObject({ type: 'error', code: 'FORBIDDEN', message: 'not a member of this room' });
    expect(h.stores.dump().messages).toEqual([]);
  });

  it("uses the profile name the user chose, not the token's", async () => {
    const { h, alicePhone, roomId } = await roomOfThree();
    await h.ack(alicePhone, 'updateProfile', { displayName: 'Ally' });
    const ack = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'n', content: 'hi' });
    expect(ack.message).toMatchObject({ senderName: 'Ally' });
  });
});

describe('retries', () => {
  it('a retry with the same clientMessageId returns the same message and broadcasts nothing', async () => {
    const { h, alicePhone, aliceLaptop, bob, roomId } = await roomOfThree();
    const first = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'dup', content: 'once' });
    h.clearFrames();
    const retry = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'dup', content: 'once' });
    expect(retry.message).toEqual(first.message);
    expect(h.framesOf(bob)).toEqual([]);
    expect(h.framesOf(aliceLaptop)).toEqual([]);
    expect(h.stores.dump().messages).toHaveLength(1);
  });

  it("a retry from the user's other device is the same message too", async () => {
    const { h, alicePhone, aliceLaptop, roomId } = await roomOfThree();
    const first = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'dup', content: 'once' });
    const again = await h.ack(aliceLaptop, 'sendMessage', { roomId, clientMessageId: 'dup', content: 'once' });
    expect(again.message).toEqual(first.message);
  });

  it('the same clientMessageId from another user, or in another room, is a different message', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    const other = await h.createRoom(alicePhone, 'other', ['bob']);
    const a = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'same', content: 'a' });
    const b = await h.ack(bob, 'sendMessage', { roomId, clientMessageId: 'same', content: 'b' });
    const c = await h.ack(alicePhone, 'sendMessage', { roomId: other.roomId, clientMessageId: 'same', content: 'c' });
    const ids = [a, b, c].map((ack) => (ack.message as Message).id);
    expect(new Set(ids).size).toBe(3);
  });

  it('two racing sends with the same clientMessageId both get the one stored message; it is broadcast once', async () => {
    const { h, alicePhone, aliceLaptop, bob, carol, roomId } = await roomOfThree();
    const frame = { action: 'sendMessage', roomId, clientMessageId: 'race', content: 'only once' };
    await Promise.all([
      h.send(alicePhone, { ...frame, requestId: 'phone' }),
      h.send(aliceLaptop, { ...frame, requestId: 'laptop' }),
    ]);
    const phoneAck = h.framesOf(alicePhone).find((f): f is AckFrame => f.type === 'ack');
    const laptopAck = h.framesOf(aliceLaptop).find((f): f is AckFrame => f.type === 'ack');
    expect(phoneAck).toMatchObject({ requestId: 'phone' });
    expect(laptopAck).toMatchObject({ requestId: 'laptop' });
    expect(laptopAck?.message).toEqual(phoneAck?.message);
    expect(h.stores.dump().messages).toHaveLength(1);
    // Both sends got past the duplicate check before either claimed (a real race): the loser's seq is a gap.
    expect(h.stores.dump().rooms.find((r) => r.roomId === roomId)!.lastSeq).toBe(2);
    for (const recipient of [bob, carol]) expect(h.eventsOf(recipient, 'message')).toHaveLength(1);
    // Each device gets the message once: as an ack, or as an event from the other device's send, never both.
    const phoneEvents = h.eventsOf(alicePhone, 'message').length;
    const laptopEvents = h.eventsOf(aliceLaptop, 'message').length;
    expect(phoneEvents + laptopEvents).toBe(1);
  });

  it('when the losing racer writes the history first, it is the one that broadcasts, still once', async () => {
    const { h, alicePhone, aliceLaptop, bob, roomId } = await roomOfThree();
    const store = h.stores.messages;
    const original = store.putMessageIfAbsent.bind(store);
    let releaseFirst!: () => void;
    const firstMayProceed = new Promise<void>((resolve) => (releaseFirst = resolve));
    let calls = 0;
    store.putMessageIfAbsent = async (message) => {
      calls += 1;
      if (calls === 1) {
        await firstMayProceed;
        return original(message);
      }
      const wrote = await original(message);
      releaseFirst();
      return wrote;
    };
    const frame = { action: 'sendMessage', roomId, clientMessageId: 'race', content: 'late winner' };
    await Promise.all([
      h.send(alicePhone, { ...frame, requestId: 'phone' }),
      h.send(aliceLaptop, { ...frame, requestId: 'laptop' }),
    ]);
    expect(calls).toBe(2);
    expect(h.eventsOf(bob, 'message')).toHaveLength(1);
    expect(h.stores.dump().messages).toHaveLength(1);
  });

  it('a claim whose history write never happened is completed (and broadcast) by the retry', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    h.stores.failNext('putMessageIfAbsent');
    const failed = await send(h, alicePhone, { roomId, clientMessageId: 'half', content: 'half way' });
    expect(failed).toMatchObject({ code: 'INTERNAL' });
    expect(h.stores.dump().messages).toEqual([]);
    expect(h.framesOf(bob)).toEqual([]);

    const retry = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'half', content: 'half way' });
    expect(h.stores.dump().messages).toEqual([retry.message]);
    expect(h.eventsOf(bob, 'message').map((e) => e.message)).toEqual([retry.message]);
  });

  it('a seq lost to a failed send leaves a gap, never a reuse', async () => {
    const { h, alicePhone, roomId } = await roomOfThree();
    h.stores.failNext('claimClientMessageId');
    await send(h, alicePhone, { roomId, clientMessageId: 'lost', content: 'x' });
    const next = await h.ack(alicePhone, 'sendMessage', { roomId, clientMessageId: 'next', content: 'y' });
    expect((next.message as Message).seq).toBe(2);
  });
});

describe('who hears a message', () => {
  it('an unsubscribed connection does not, and hears again after subscribing', async () => {
    const { h, alicePhone, bob, roomId } = await roomOfThree();
    await h.ack(bob, 'unsubscribe', { roomId });
    await send(h, alicePhone, { roomId, clientMessageId: '1', content: 'muted' });
    expect(h.eventsOf(bob, 'message')).toEqual([]);
    await h.ack(bob, 'subscribe', { roomId });
    await send(h, alicePhone, { roomId, clientMessageId: '2', content: 'back' });
    expect(h.eventsOf(bob, 'message').map((e) => e.message.content)).toEqual(['back']);
  });

  it('a connection of a non-member never does', async () => {
    const { h, alicePhone, roomId } = await roomOfThree();
    const dave = await h.connect('dave');
    await send(h, alicePhone, { roomId, clientMessageId: '1', content: 'private' });
    expect(h.framesOf(dave)).toEqual([]);
  });

  it('a connection opened later is subscribed at connect and hears the room', async () => {
    const { h, alicePhone, roomId } = await roomOfThree();
    const bobTablet = await h.connect('bob');
    await send(h, alicePhone, { roomId, clientMessageId: '1', content: 'to the tablet' });
    expect(h.eventsOf(bobTablet, 'message').map((e) => e.message.content)).toEqual(['to the tablet']);
  });

  it('a closed connection does not', async () => {
    const { h, alicePhone, carol, roomId } = await roomOfThree();
    await h.disconnect(carol);
    h.clearFrames();
    await send(h, alicePhone, { roomId, clientMessageId: '1', content: 'after close' });
    expect(h.notifier.attempts.filter((a) => a.connectionId === carol.connectionId)).toEqual([]);
  });
});
