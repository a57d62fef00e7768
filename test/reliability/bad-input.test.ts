// Property-based tests of the message router with arbitrary frames: random bytes and text, any JSON, deep nesting,
// huge numbers, wrong types, unicode edge cases (lone surrogates among them), and every action with every field
// wrong. Never a crash, exactly one answer per requestId, never INTERNAL, nothing written for refused input. Many
// runs on the in-memory store; fewer on the real DynamoDB store (dynalite), where the store's own limits show.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChat } from '../../lambdas/chat/index.js';
import { DEFAULT_CHAT_CONFIG, type ChatConfig } from '../../lambdas/chat/service.js';
import { encodeCursor } from '../../lambdas/adapters/dynamo/cursor.js';
import { createChatHarness, RecordingLogger, RecordingMetrics } from '../fakes/chat-harness.js';
import { RecordingNotifier } from '../fakes/recording-notifier.js';
import { startFaultyDynamo, type FaultyDynamo } from './support/faulty-dynamo.js';
import {
  anyFrameProperty,
  oneWrongFieldProperty,
  sendAndCheck,
  validFrameProperty,
  type FuzzTarget,
} from './support/router-fuzz.js';

// Rate limiting answers RATE_LIMITED, which is fine but hides what the frame itself would get.
const config: Partial<ChatConfig> = { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } };

async function memoryTarget(): Promise<FuzzTarget> {
  const h = createChatHarness({ config });
  const alice = await h.connect('alice');
  await h.connect('bob');
  const room = await h.createRoom(alice, 'fuzzed room', ['bob']);
  await h.ack(alice, 'sendMessage', { roomId: room.roomId, clientMessageId: 'first', content: 'first' });
  return {
    chat: h.chat,
    notifier: h.notifier,
    logger: h.logger,
    snapshot: async () => JSON.stringify(h.stores.dump()),
    sender: alice,
    roomId: room.roomId,
    bobId: 'bob',
  };
}

describe('the router on the in-memory store', () => {
  let target: FuzzTarget;
  beforeAll(async () => {
    target = await memoryTarget();
  });

  it('survives any frame body: exactly one answer per requestId, never INTERNAL, nothing written when refused', async () => {
    await fc.assert(anyFrameProperty(target), { numRuns: 1_500 });
  }, 120_000);

  it('refuses every action with any one field wrong: BAD_REQUEST naming the field, nothing written', async () => {
    await fc.assert(oneWrongFieldProperty(target), { numRuns: 1_500 });
  }, 120_000);

  it("answers frames the schemas accept, with arbitrary values, with an ack or the client's own error", async () => {
    await fc.assert(validFrameProperty(target), { numRuns: 1_000 });
  }, 120_000);

  it('answers the edge cases the generators might miss', async () => {
    const cases: Array<[string, string]> = [
      ['', 'BAD_REQUEST'],
      ['null', 'BAD_REQUEST'],
      ['[]', 'BAD_REQUEST'],
      ['"hello"', 'BAD_REQUEST'],
      ['{"action":"hello","requestId":""}', 'BAD_REQUEST'],
      [`{"action":"hello","requestId":"${'r'.repeat(65)}"}`, 'BAD_REQUEST'],
      ['{"action":"__proto__","requestId":"p"}', 'UNKNOWN_ACTION'],
      ['{"action":"constructor","requestId":"c"}', 'UNKNOWN_ACTION'],
      ['{"__proto__":{"action":"hello"},"requestId":"proto"}', 'BAD_REQUEST'],
      ['{"action":"getHistory","requestId":"h","roomId":"r","limit":1e400}', 'BAD_REQUEST'],
      ['{"action":"markRead","requestId":"m","roomId":"r","seq":-0.0}', 'FORBIDDEN'],
      [
        '{"action":"sendMessage","requestId":"s","roomId":"\\ud800","clientMessageId":"c","content":"x"}',
        'BAD_REQUEST',
      ],
      [
        `{"action":"sendMessage","requestId":"big","roomId":"r","clientMessageId":"c","content":"${'x'.repeat(4_001)}"}`,
        'PAYLOAD_TOO_LARGE',
      ],
      ['{"action":"hello","requestId":"dup","requestId":"dup"}', 'ack'],
      ['\ufeff{"action":"ping","requestId":"bom"}', 'BAD_REQUEST'],
    ];
    for (const [body, expected] of cases) {
      const answers = await sendAndCheck(target, body);
      expect(answers, body).toHaveLength(1);
      expect(answers[0]!.type === 'ack' ? 'ack' : answers[0]!.code, body).toBe(expected);
    }
  });
});

describe('the router on the DynamoDB store (dynalite)', () => {
  let dynamo: FaultyDynamo;
  let target: FuzzTarget;

  beforeAll(async () => {
    dynamo = await startFaultyDynamo();
    const notifier = new RecordingNotifier();
    const logger = new RecordingLogger();
    const chat = createChat({
      stores: dynamo.stores,
      notifier,
      clock: { now: () => Date.now() },
      logger,
      metrics: new RecordingMetrics(),
      config: { ...DEFAULT_CHAT_CONFIG, ...config },
    });
    const connectedAt = Date.now();
    const alice = { connectionId: 'fuzz-alice', userId: 'alice', connectedAt };
    await chat.onConnect({ ...alice, tokenDisplayName: 'Alice' });
    await chat.onConnect({ connectionId: 'fuzz-bob', userId: 'bob', connectedAt, tokenDisplayName: 'Bob' });
    await chat.onFrame({
      ...alice,
      body: JSON.stringify({ action: 'createRoom', requestId: 'setup', name: 'fuzzed', memberIds: ['bob'] }),
    });
    const created = notifier.framesFor(alice.connectionId).find((f) => f.type === 'ack') as unknown as {
      room: { roomId: string };
    };
    target = {
      chat,
      notifier,
      logger,
      snapshot: async () => JSON.stringify((await dynamo.scan()).map((item) => JSON.stringify(item)).sort()),
      sender: alice,
      roomId: created.room.roomId,
      bobId: 'bob',
    };
  });

  afterAll(async () => {
    await dynamo?.stop();
  });

  it('survives any frame body', async () => {
    await fc.assert(anyFrameProperty(target), { numRuns: 300 });
  }, 120_000);

  it('refuses every action with any one field wrong', async () => {
    await fc.assert(oneWrongFieldProperty(target), { numRuns: 300 });
  }, 120_000);

  it("answers frames the schemas accept, with arbitrary values, with an ack or the client's own error", async () => {
    await fc.assert(validFrameProperty(target), { numRuns: 300 });
  }, 120_000);

  it("ids at the limits of what keys can hold are stored, or refused as the client's fault, never INTERNAL", async () => {
    // 128 characters each escaping to three bytes ('#' → '%23') or taking three in UTF-8: the longest keys.
    const longIds = ['#'.repeat(128), '%'.repeat(128), '\uffff'.repeat(128), '😀'.repeat(64), `${'a'.repeat(127)}#`];
    for (const id of longIds) {
      await sendAndCheck(
        target,
        JSON.stringify({
          action: 'sendMessage',
          requestId: `long-${id.length}`,
          roomId: target.roomId,
          clientMessageId: id,
          content: id,
        }),
      );
      await sendAndCheck(target, JSON.stringify({ action: 'openDirect', requestId: 'long-direct', userId: id }));
      await sendAndCheck(target, JSON.stringify({ action: 'getPresence', requestId: 'long-presence', roomId: id }));
    }
  });

  it("forged cursors that look like the store's own are refused, never INTERNAL", async () => {
    // A room of its own: the properties above may have had alice leave theirs.
    const [created] = await sendAndCheck(
      target,
      JSON.stringify({ action: 'createRoom', requestId: 'cursor-room', name: 'cursors' }),
    );
    const roomId = (created as unknown as { room: { roomId: string } }).room.roomId;
    const roomPk = `ROOM#${roomId}`;
    const forged = fc.oneof(
      // The right partition and prefix, with a sort key too long for DynamoDB.
      fc.integer({ min: 1, max: 1_500 }).map((n) => encodeCursor({ pk: roomPk, sk: `MEMBER#${'z'.repeat(n)}` })),
      fc.string({ unit: 'binary', maxLength: 60 }).map((tail) => encodeCursor({ pk: roomPk, sk: `MEMBER#${tail}` })),
      fc
        .string({ unit: 'binary', maxLength: 60 })
        .map((tail) =>
          encodeCursor({ gsi1pk: 'USER#alice', gsi1sk: `ROOM#${tail}`, pk: `ROOM#${tail}`, sk: `MEMBER#${tail}` }),
        ),
      fc
        .integer({ min: 1, max: 1_500 })
        .map((n) =>
          encodeCursor({ gsi1pk: 'USER#alice', gsi1sk: `ROOM#${'y'.repeat(n)}`, pk: 'ROOM#x', sk: 'MEMBER#alice' }),
        ),
    );
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(forged, fc.constantFrom('listMembers', 'listRooms'), async (cursor, action) => {
        counter += 1;
        const fields = action === 'listMembers' ? { roomId, cursor } : { cursor };
        const [answer] = await sendAndCheck(
          target,
          JSON.stringify({ ...fields, action, requestId: `cursor-${counter}` }),
        );
        if (answer!.type === 'error') expect(answer!.code).toBe('BAD_REQUEST');
      }),
      { numRuns: 120 },
    );
  }, 120_000);
});
