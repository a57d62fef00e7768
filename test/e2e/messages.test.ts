// sendMessage: the ack, the broadcast, idempotent and racing retries, and content delivered byte for byte.
import { describe, expect } from 'vitest';
import type { Message } from '../../lambdas/protocol/index.js';
import { uniqueSuffix, useLocalStack } from './support/local-stack-fixture.js';
import { expectIsoTime, expectMessageShape, messageEvent } from './support/wire.js';

const local = useLocalStack();

describe('sendMessage', () => {
  local.it('acks the stored message to the sender and broadcasts it to every other subscribed connection', async () => {
    const {
      user: alice,
      clients: [a1, a2],
    } = await local.devices('alice');
    const {
      user: bob,
      clients: [b1, b2],
    } = await local.devices('bob');
    const { client: carol } = await local.connectNew('carol');
    const room = await local.createRoom(a1, [bob]);
    await b2.ack('unsubscribe', { roomId: room.roomId });

    const before = Date.now();
    const ack = await a1.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'cm-1', content: 'Hello, Bob' });
    expect(Object.keys(ack).sort()).toEqual(['action', 'message', 'requestId', 'type']);
    const message = ack.message as Message;
    expectMessageShape(message);
    expect(message).toMatchObject({
      roomId: room.roomId,
      seq: 1,
      senderId: alice.userId,
      senderName: alice.name,
      content: 'Hello, Bob',
      messageType: 'text',
      clientMessageId: 'cm-1',
    });
    expect(message.attachmentUrl).toBeUndefined();
    expectIsoTime(message.createdAt, before);

    for (const client of [a2, b1]) {
      const event = await client.waitFor(messageEvent(room.roomId));
      expect(event).toEqual({ type: 'message', roomId: room.roomId, message });
    }
    await a1.expectNoFrame(messageEvent(room.roomId));
    await b2.expectNoFrame(messageEvent(room.roomId), 0);
    await carol.expectNoFrame(messageEvent(room.roomId), 0);

    const history = await b1.ack('getHistory', { roomId: room.roomId });
    expect(history.messages).toEqual([message]);
  });

  local.it('assigns seq 1, 2, 3, ... per room and keeps lastSeq', async () => {
    const { client: a } = await local.connectNew('alice');
    const one = await local.createRoom(a);
    const two = await local.createRoom(a);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const ack = await a.ack('sendMessage', { roomId: one.roomId, clientMessageId: `one-${i}`, content: `${i}` });
      seqs.push((ack.message as Message).seq);
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    const other = await a.ack('sendMessage', { roomId: two.roomId, clientMessageId: 'two-0', content: 'x' });
    expect((other.message as Message).seq).toBe(1);
    const rooms = (await a.ack('listRooms')).rooms as Array<{ roomId: string; lastSeq: number }>;
    expect(rooms.find((r) => r.roomId === one.roomId)?.lastSeq).toBe(5);
    expect(rooms.find((r) => r.roomId === two.roomId)?.lastSeq).toBe(1);
  });

  local.it('takes the sender from the token, never from the frame', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const ack = await a.ack('sendMessage', {
      roomId: room.roomId,
      clientMessageId: 'spoof',
      content: 'who am I',
      senderId: bob.userId,
      senderName: bob.name,
      userId: bob.userId,
    });
    expect(ack.message).toMatchObject({ senderId: alice.userId, senderName: alice.name });
  });

  local.it('carries messageType and attachmentUrl', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const url = 'https://example.com/cat.png?size=large&x=1';
    const ack = await a.ack('sendMessage', {
      roomId: room.roomId,
      clientMessageId: 'img',
      content: 'a cat',
      messageType: 'image',
      attachmentUrl: url,
    });
    expect(ack.message).toMatchObject({ messageType: 'image', attachmentUrl: url });
    const event = await b.waitFor(messageEvent(room.roomId));
    expect(event.message).toMatchObject({ messageType: 'image', attachmentUrl: url });
    const file = await a.ack('sendMessage', {
      roomId: room.roomId,
      clientMessageId: 'file',
      content: 'f',
      messageType: 'file',
    });
    expect(file.message).toMatchObject({ messageType: 'file' });

    // The longest allowed: a 2,048-character URL and a 128-character clientMessageId.
    const longestUrl = `https://example.com/${'u'.repeat(2_048 - 'https://example.com/'.length)}`;
    const longestId = 'i'.repeat(128);
    const longest = await a.ack('sendMessage', {
      roomId: room.roomId,
      clientMessageId: longestId,
      content: 'big',
      messageType: 'file',
      attachmentUrl: longestUrl,
    });
    expect(longest.message).toMatchObject({ clientMessageId: longestId, attachmentUrl: longestUrl });
  });
});

describe('retries', () => {
  local.it('a retry with the same clientMessageId returns the stored message and broadcasts nothing', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const first = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'same', content: 'once' }))
      .message as Message;
    await b.waitFor(messageEvent(room.roomId, first.id));

    const retry = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'same', content: 'once' }))
      .message as Message;
    expect(retry).toEqual(first);
    // From another device of the same user, too.
    const a2 = await local.connect(alice, { label: 'a2' });
    const retryElsewhere = (
      await a2.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'same', content: 'once' })
    ).message as Message;
    expect(retryElsewhere).toEqual(first);
    await b.expectNoFrame(messageEvent(room.roomId));
    await a.expectNoFrame(messageEvent(room.roomId), 0);

    const history = await b.ack('getHistory', { roomId: room.roomId });
    expect(history.messages).toEqual([first]);
    const next = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'other', content: 'two' }))
      .message as Message;
    expect(next.seq).toBe(2);
  });

  local.it('the same clientMessageId from another user, or in another room, is another message', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const second = await local.createRoom(a, [bob]);
    const fromAlice = (await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'shared', content: 'a' }))
      .message as Message;
    const fromBob = (await b.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'shared', content: 'b' }))
      .message as Message;
    const elsewhere = (await a.ack('sendMessage', { roomId: second.roomId, clientMessageId: 'shared', content: 'c' }))
      .message as Message;
    expect(new Set([fromAlice.id, fromBob.id, elsewhere.id]).size).toBe(3);
    expect([fromAlice.seq, fromBob.seq, elsewhere.seq]).toEqual([1, 2, 1]);
    expect(fromBob.content).toBe('b');
  });

  local.each([
    ['one connection', false],
    ['two devices', true],
  ])('racing retries from %s both get the one stored message, broadcast once', async (_name, twoDevices) => {
    const alice = local.user('alice');
    const a1 = await local.connect(alice, { label: 'a1' });
    const a2 = twoDevices ? await local.connect(alice, { label: 'a2' }) : a1;
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a1, [bob]);
    const clientMessageIds: string[] = [];
    for (let round = 0; round < 5; round += 1) {
      const fields = { roomId: room.roomId, clientMessageId: `race-${uniqueSuffix()}`, content: `round ${round}` };
      clientMessageIds.push(fields.clientMessageId);
      const [one, two] = await Promise.all([a1.ack('sendMessage', fields), a2.ack('sendMessage', fields)]);
      expect(two.message).toEqual(one.message);
      const message = one.message as Message;
      await b.waitFor(messageEvent(room.roomId, message.id));
      await b.expectNoFrame(messageEvent(room.roomId, message.id));
    }
    const history = await b.ack('getHistory', { roomId: room.roomId });
    const stored = history.messages as Message[];
    expect(stored.map((m) => m.clientMessageId)).toEqual(clientMessageIds);
    // Strictly increasing; PROTOCOL.md allows gaps, so a race's losing attempt may use up a seq.
    expect(stored.every((m, i) => i === 0 || m.seq > stored[i - 1]!.seq)).toBe(true);
  });
});

describe('content arrives byte for byte', () => {
  const contents: Array<[string, string]> = [
    ['double and single quotes', `He said "hi" and 'bye' and \`tick\``],
    ['backslashes', 'C:\\Users\\alice\\new folder \\n is not a newline \\u0041 \\\\ end\\'],
    ['newlines, carriage returns and tabs', 'line one\nline two\r\nline three\ttabbed\n\n'],
    ['emoji with surrogate pairs', '😀🎉🚀 𝄞 𠜎'],
    ['a ZWJ family, a flag and a skin tone', '👨‍👩‍👧‍👦 🇩🇪 👍🏽 🏳️‍🌈'],
    ['a closing script tag', '</script><script>alert("x")</script><!-- -->'],
    ['JSON-looking text', '{"type":"ack","action":"sendMessage","requestId":"r-1"}'],
    ['a JSON array', '[1, "two", {"three": null}]'],
    ['HTML entities and ampersands', '&lt;b&gt; &amp; &#x27; <b>bold</b>'],
    ['leading and trailing spaces', '   spaced out   '],
    ['combining marks, RTL and CJK', 'e\u0301 مرحبا שלום 你好 こんにちは'],
    ['line and paragraph separators', 'a\u2028b\u2029c'],
    ['a lone percent sign and URL escapes', '100% %20 %E2%82%AC'],
  ];

  local.each(contents)('%s', async (_label, content) => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const ack = await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c', content });
    expect((ack.message as Message).content).toBe(content);
    const event = await b.waitFor(messageEvent(room.roomId));
    expect((event.message as Message).content).toBe(content);
    const history = await b.ack('getHistory', { roomId: room.roomId });
    expect((history.messages as Message[])[0]?.content).toBe(content);
  });

  local.it('4,000 characters are accepted; 4,001 are PAYLOAD_TOO_LARGE and nothing is stored or sent', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);

    const longest = 'x'.repeat(4_000);
    const ack = await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'max', content: longest });
    expect((ack.message as Message).content).toBe(longest);
    await b.waitFor(messageEvent(room.roomId));

    // JavaScript string length: 2,000 emoji of two UTF-16 units each are exactly 4,000.
    const emoji = '😀'.repeat(2_000);
    expect(emoji.length).toBe(4_000);
    const emojiAck = await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'emoji-max', content: emoji });
    expect((emojiAck.message as Message).content).toBe(emoji);
    await b.waitFor(messageEvent(room.roomId));

    for (const [clientMessageId, content] of [
      ['over', 'x'.repeat(4_001)],
      ['emoji-over', `${emoji}x`],
    ] as const) {
      const error = await a.error('sendMessage', { roomId: room.roomId, clientMessageId, content });
      expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    }
    await b.expectNoFrame(messageEvent(room.roomId));
    const history = await b.ack('getHistory', { roomId: room.roomId });
    expect((history.messages as Message[]).map((m) => m.clientMessageId)).toEqual(['max', 'emoji-max']);
  });

  local.it('refuses empty content and bad message types and attachment URLs, naming the field', async () => {
    const { client: a } = await local.connectNew('alice');
    const room = await local.createRoom(a);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ content: '' }, 'content'],
      [{ messageType: 'video' }, 'messageType'],
      [{ attachmentUrl: 'http://example.com/a.png' }, 'attachmentUrl'],
      [{ attachmentUrl: `https://example.com/${'a'.repeat(2_030)}` }, 'attachmentUrl'],
    ];
    for (const [override, field] of cases) {
      const error = await a.error('sendMessage', {
        roomId: room.roomId,
        clientMessageId: 'bad',
        content: 'x',
        ...override,
      });
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
    }
    expect((await a.ack('getHistory', { roomId: room.roomId })).messages).toEqual([]);
  });
});
