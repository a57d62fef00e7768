// The envelope rules of PROTOCOL.md "Frames" and "Errors": what every frame is answered with.
import { describe, expect, it } from 'vitest';
import type { ErrorFrame } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

async function setup() {
  const h = createChatHarness();
  const alice = await h.connect('alice');
  h.clearFrames();
  return { h, alice };
}

const errorsOf = (frames: { type: string }[]) => frames.filter((f): f is ErrorFrame => f.type === 'error');

describe('frames that are not requests', () => {
  it.each([
    ['not JSON', '{"action": "ping"', 'frame: not valid JSON'],
    ['a JSON array', '[{"action":"ping"}]', 'frame: expected a JSON object'],
    ['a JSON string', '"ping"', 'frame: expected a JSON object'],
    ['JSON null', 'null', 'frame: expected a JSON object'],
    ['an empty frame', '', 'frame: not valid JSON'],
  ])('%s: BAD_REQUEST without requestId', async (_label, body, message) => {
    const { h, alice } = await setup();
    await h.send(alice, body);
    expect(h.framesOf(alice)).toEqual([{ type: 'error', code: 'BAD_REQUEST', message }]);
  });

  it('an object without a string action: BAD_REQUEST that keeps a well-formed requestId', async () => {
    const { h, alice } = await setup();
    await h.send(alice, { requestId: 'r1' });
    await h.send(alice, { requestId: 'r2', action: 42 });
    expect(h.framesOf(alice)).toEqual([
      { type: 'error', requestId: 'r1', code: 'BAD_REQUEST', message: 'action: expected a string' },
      { type: 'error', requestId: 'r2', code: 'BAD_REQUEST', message: 'action: expected a string' },
    ]);
  });

  it('an unknown action: UNKNOWN_ACTION naming it, with the requestId', async () => {
    const { h, alice } = await setup();
    await h.send(alice, { action: 'deleteEverything', requestId: 'r1' });
    await h.send(alice, { action: '$connect', requestId: 'r2' });
    await h.send(alice, { action: '__proto__' });
    const frames = h.framesOf(alice);
    expect(frames).toEqual([
      { type: 'error', requestId: 'r1', code: 'UNKNOWN_ACTION', message: 'action: unknown action "deleteEverything"' },
      { type: 'error', requestId: 'r2', code: 'UNKNOWN_ACTION', message: 'action: unknown action "$connect"' },
      { type: 'error', code: 'UNKNOWN_ACTION', message: 'action: unknown action "__proto__"' },
    ]);
  });

  it('quotes a very long unknown action shortened', async () => {
    const { h, alice } = await setup();
    await h.send(alice, { action: 'x'.repeat(5_000) });
    const [error] = errorsOf(h.framesOf(alice));
    expect(error!.code).toBe('UNKNOWN_ACTION');
    expect(error!.message.length).toBeLessThan(120);
  });
});

describe('requestId', () => {
  it.each([
    ['empty', ''],
    ['too long', 'r'.repeat(65)],
    ['a number', 17],
    ['null', null],
    ['an object', { id: 1 }],
  ])('%s: BAD_REQUEST without it, and the action is not run', async (_label, requestId) => {
    const { h, alice } = await setup();
    await h.send(alice, { action: 'createRoom', name: 'never', requestId });
    expect(h.framesOf(alice)).toEqual([
      { type: 'error', code: 'BAD_REQUEST', message: 'requestId: must be a string of 1 to 64 characters' },
    ]);
    expect(h.stores.dump().rooms).toEqual([]);
  });

  it('1 and 64 characters are both accepted', async () => {
    const { h, alice } = await setup();
    await h.send(alice, { action: 'ping', requestId: 'a' });
    await h.send(alice, { action: 'ping', requestId: 'b'.repeat(64) });
    expect(h.framesOf(alice).map((f) => [f.type, 'requestId' in f ? f.requestId : undefined])).toEqual([
      ['ack', 'a'],
      ['ack', 'b'.repeat(64)],
    ]);
  });

  it('without a requestId a request gets no ack, but an error still comes back', async () => {
    const { h, alice } = await setup();
    await h.send(alice, { action: 'ping' });
    await h.send(alice, { action: 'createRoom', name: 'no ack' });
    expect(h.framesOf(alice)).toEqual([]);
    expect(h.stores.dump().rooms.map((r) => r.name)).toEqual(['no ack']);
    await h.send(alice, { action: 'sendMessage', roomId: 'nope', clientMessageId: 'c1', content: 'hi' });
    expect(h.framesOf(alice)).toEqual([{ type: 'error', code: 'FORBIDDEN', message: 'not a member of this room' }]);
  });

  it('each request with a requestId gets exactly one answer carrying it, whatever the outcome', async () => {
    const { h, alice } = await setup();
    const room = await h.createRoom(alice, 'r');
    h.clearFrames();
    const requests: Record<string, unknown>[] = [
      { action: 'ping' },
      { action: 'hello' },
      { action: 'sendMessage', roomId: room.roomId, clientMessageId: 'c1', content: 'x' },
      { action: 'sendMessage', roomId: room.roomId, clientMessageId: 'c1', content: 'x' },
      { action: 'sendMessage', roomId: room.roomId, clientMessageId: 'c2', content: '' },
      { action: 'typing', roomId: room.roomId, isTyping: true },
      { action: 'typing', roomId: room.roomId, isTyping: false },
      { action: 'markRead', roomId: room.roomId, seq: 1 },
      { action: 'markRead', roomId: room.roomId, seq: 1 },
      { action: 'getHistory', roomId: 'elsewhere' },
      { action: 'nope' },
      { action: 'leaveRoom', roomId: room.roomId },
    ];
    for (const [index, fields] of requests.entries()) await h.send(alice, { ...fields, requestId: `q${index}` });
    const answers = h.framesOf(alice).filter((f) => f.type === 'ack' || f.type === 'error');
    expect(answers.map((a) => (a as { requestId?: string }).requestId)).toEqual(requests.map((_, i) => `q${i}`));
    expect(answers.map((a) => a.type)).toEqual([
      'ack',
      'ack',
      'ack',
      'ack',
      'error',
      'ack',
      'ack',
      'ack',
      'ack',
      'error',
      'error',
      'ack',
    ]);
  });

  it('an ack carries type, requestId and action beside its fields', async () => {
    const { h, alice } = await setup();
    await h.send(alice, { action: 'ping', requestId: 'p-1' });
    expect(h.framesOf(alice)).toEqual([
      { type: 'ack', requestId: 'p-1', action: 'ping', serverTime: new Date(h.clock.now()).toISOString() },
    ]);
  });
});

describe('field validation', () => {
  it.each([
    [{ action: 'createRoom' }, 'name: expected string'],
    [{ action: 'createRoom', name: '' }, 'name: must be at least 1 characters'],
    [{ action: 'createRoom', name: 'n'.repeat(101) }, 'name: must be at most 100 characters'],
    [{ action: 'sendMessage', roomId: 'r', clientMessageId: 'c' }, 'content: expected string'],
    [
      { action: 'sendMessage', roomId: 'r\u0001', clientMessageId: 'c', content: 'x' },
      'roomId: must not contain control characters',
    ],
    [
      { action: 'sendMessage', roomId: 'r', clientMessageId: 'c', content: 'x', messageType: 'video' },
      'messageType: must be one of "text", "image", "file"',
    ],
    [
      { action: 'sendMessage', roomId: 'r', clientMessageId: 'c', content: 'x', attachmentUrl: 'http://x.test/a' },
      'attachmentUrl: must be an https:// URL or an attachment reference from createUpload',
    ],
    [
      {
        action: 'sendMessage',
        roomId: 'r',
        clientMessageId: 'c',
        content: 'x',
        attachmentUrl: 'attachment:rooms/r/x/a',
      },
      'attachmentUrl: must be an https:// URL or an attachment reference from createUpload',
    ],
    [{ action: 'createUpload', roomId: 'r', contentType: 'image/png', size: 1.5 }, 'size: expected int'],
    [
      { action: 'getAttachmentUrl', roomId: 'r', attachmentUrl: 'https://x.test/a' },
      'attachmentUrl: must be an attachment reference from createUpload',
    ],
    [{ action: 'getHistory', roomId: 'r', limit: 101 }, 'limit: must be at most 100'],
    [{ action: 'getHistory', roomId: 'r', before: -1 }, 'before: must be at least 0'],
    [{ action: 'markRead', roomId: 'r', seq: 1.5 }, 'seq: expected int'],
    [{ action: 'typing', roomId: 'r', isTyping: 'yes' }, 'isTyping: expected boolean'],
    [{ action: 'addMembers', roomId: 'r', userIds: [] }, 'userIds: must be at least 1 items'],
    [{ action: 'updateProfile', displayName: 'd'.repeat(65) }, 'displayName: must be at most 64 characters'],
  ])('%j → BAD_REQUEST %j', async (frame, message) => {
    const { h, alice } = await setup();
    await h.send(alice, { ...frame, requestId: 'v' });
    expect(h.framesOf(alice)).toEqual([{ type: 'error', requestId: 'v', code: 'BAD_REQUEST', message }]);
  });

  it('the connection keeps working after errors', async () => {
    const { h, alice } = await setup();
    await h.send(alice, 'garbage');
    await h.send(alice, { action: 'nope' });
    expect((await h.request(alice, 'ping')).type).toBe('ack');
  });
});

describe('failures inside an action', () => {
  it('a store failure is INTERNAL with a generic message; the log names the action but holds no content', async () => {
    const { h, alice } = await setup();
    const room = await h.createRoom(alice, 'r');
    h.clearFrames();
    h.stores.failNext('nextSeq', new Error('ProvisionedThroughputExceededException: table chat-prod'));
    const answer = await h.request(alice, 'sendMessage', {
      roomId: room.roomId,
      clientMessageId: 'c1',
      content: 'secret words',
    });
    expect(answer).toMatchObject({ type: 'error', code: 'INTERNAL' });
    expect((answer as ErrorFrame).message).not.toMatch(/Provisioned|table|chat-prod/);
    const logged = h.logger.entries.filter((e) => e.level === 'error');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.extra).toMatchObject({ action: 'sendMessage', connectionId: alice.connectionId });
    expect(h.logger.text()).not.toContain('secret words');
    expect(h.metrics.total('ActionErrors')).toBe(1);
    // Nothing half-written that a retry would trip over: the retry stores the message.
    const retry = await h.ack(alice, 'sendMessage', {
      roomId: room.roomId,
      clientMessageId: 'c1',
      content: 'secret words',
    });
    expect(retry.message).toMatchObject({ content: 'secret words' });
  });

  it('a cursor the server never issued is BAD_REQUEST naming cursor', async () => {
    const { h, alice } = await setup();
    const answer = await h.request(alice, 'listRooms', { cursor: 'not-a-cursor' });
    expect(answer).toMatchObject({ type: 'error', code: 'BAD_REQUEST', message: expect.stringMatching(/^cursor: /) });
  });

  it('an answer that finds its own connection gone cleans that connection up', async () => {
    const { h, alice } = await setup();
    const room = await h.createRoom(alice, 'r');
    h.clock.advance(h.config.connectGraceMs);
    h.notifier.markGone(alice.connectionId);
    await h.send(alice, { action: 'ping', requestId: 'p' });
    const state = h.stores.dump();
    expect(state.connections).toEqual([]);
    expect(state.subscriptions.filter((s) => s.roomId === room.roomId)).toEqual([]);
    expect(h.metrics.total('GoneConnections')).toBe(1);
  });

  it('a throwing post of the answer is logged and does not throw out of onFrame', async () => {
    const { h, alice } = await setup();
    h.notifier.markFailing(alice.connectionId);
    await expect(h.send(alice, { action: 'ping', requestId: 'p' })).resolves.toBeUndefined();
    expect(h.logger.entries.some((e) => e.level === 'warn' && e.extra?.connectionId === alice.connectionId)).toBe(true);
  });
});

describe('rate limiting', () => {
  it('allows a burst, then answers RATE_LIMITED (with the requestId), then refills over time', async () => {
    const h = createChatHarness({ config: { rateLimit: { perSecond: 20, burst: 50 } } });
    const alice = await h.connect('alice');
    for (let i = 0; i < 50; i += 1) await h.send(alice, { action: 'ping', requestId: `b${i}` });
    expect(h.framesOf(alice).every((f) => f.type === 'ack')).toBe(true);
    h.clearFrames();
    await h.send(alice, { action: 'ping', requestId: 'over' });
    await h.send(alice, 'not even json');
    expect(h.framesOf(alice)).toEqual([
      { type: 'error', requestId: 'over', code: 'RATE_LIMITED', message: expect.stringContaining('20 a second') },
      { type: 'error', code: 'RATE_LIMITED', message: expect.any(String) },
    ]);
    h.clearFrames();
    h.clock.advance(1_000);
    for (let i = 0; i < 20; i += 1) await h.send(alice, { action: 'ping', requestId: `s${i}` });
    await h.send(alice, { action: 'ping', requestId: 'again-over' });
    const types = h.framesOf(alice).map((f) => f.type);
    expect(types.slice(0, 20).every((t) => t === 'ack')).toBe(true);
    expect(h.framesOf(alice)[20]).toMatchObject({ type: 'error', code: 'RATE_LIMITED', requestId: 'again-over' });
  });

  it('sustains 20 frames a second indefinitely with the default config', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    for (let second = 0; second < 5; second += 1) {
      for (let i = 0; i < 20; i += 1) {
        await h.send(alice, { action: 'ping', requestId: `${second}-${i}` });
        h.clock.advance(50);
      }
    }
    expect(h.framesOf(alice).filter((f) => f.type === 'error')).toEqual([]);
  });

  it('limits each connection on its own', async () => {
    const h = createChatHarness({ config: { rateLimit: { perSecond: 1, burst: 2 } } });
    const a = await h.connect('alice');
    const b = await h.connect('alice');
    for (let i = 0; i < 3; i += 1) await h.send(a, { action: 'ping', requestId: `a${i}` });
    await h.send(b, { action: 'ping', requestId: 'b0' });
    expect(h.framesOf(a).map((f) => f.type)).toEqual(['ack', 'ack', 'error']);
    expect(h.framesOf(b).map((f) => f.type)).toEqual(['ack']);
  });
});
