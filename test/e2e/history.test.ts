// getHistory: newest, after (catch-up), before (scrolling back), hasMore in both directions, and its bounds.
import { beforeAll, describe, expect } from 'vitest';
import type { Message, Room } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import type { TestClient } from './support/test-client.js';

const local = useLocalStack();

let alice: TestClient;
let reader: TestClient;
let twelve: Room;
let twelveSent: Message[];
let many: Room;
const MANY = 55;

async function fill(client: TestClient, roomId: string, count: number): Promise<Message[]> {
  const sent: Message[] = [];
  for (let i = 1; i <= count; i += 1) {
    const ack = await client.ack('sendMessage', { roomId, clientMessageId: `m-${i}`, content: `message ${i}` });
    sent.push(ack.message as Message);
  }
  return sent;
}

async function history(
  fields: Record<string, unknown>,
  client = reader,
): Promise<{ seqs: number[]; hasMore: boolean; messages: Message[] }> {
  const ack = await client.ack('getHistory', fields);
  const messages = ack.messages as Message[];
  expect(Object.keys(ack).sort()).toEqual(['action', 'changes', 'hasMore', 'messages', 'requestId', 'type']);
  return { seqs: messages.map((m) => m.seq), hasMore: ack.hasMore as boolean, messages };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  const created = await local.connectNew('alice');
  alice = created.client;
  const bob = await local.connectNew('bob');
  reader = bob.client;
  twelve = await local.createRoom(alice, [bob.user]);
  twelveSent = await fill(alice, twelve.roomId, 12);
  many = await local.createRoom(alice, [bob.user]);
  await fill(alice, many.roomId, MANY);
}, 60_000);

describe('getHistory', () => {
  local.it('returns exactly the stored messages, ascending', async () => {
    const { messages } = await history({ roomId: twelve.roomId });
    expect(messages).toEqual(twelveSent);
  });

  local.it('without before/after gives the newest messages', async () => {
    expect(await history({ roomId: twelve.roomId, limit: 5 })).toMatchObject({ seqs: range(8, 12), hasMore: true });
    expect(await history({ roomId: twelve.roomId, limit: 11 })).toMatchObject({ seqs: range(2, 12), hasMore: true });
    expect(await history({ roomId: twelve.roomId, limit: 12 })).toMatchObject({ seqs: range(1, 12), hasMore: false });
    expect(await history({ roomId: twelve.roomId, limit: 100 })).toMatchObject({ seqs: range(1, 12), hasMore: false });
    expect(await history({ roomId: twelve.roomId })).toMatchObject({ seqs: range(1, 12), hasMore: false });
  });

  local.it('has a default limit of 50', async () => {
    expect(await history({ roomId: many.roomId })).toMatchObject({ seqs: range(MANY - 49, MANY), hasMore: true });
  });

  local.it('with after gives the oldest messages past it', async () => {
    expect(await history({ roomId: twelve.roomId, after: 0, limit: 5 })).toMatchObject({
      seqs: range(1, 5),
      hasMore: true,
    });
    expect(await history({ roomId: twelve.roomId, after: 5, limit: 5 })).toMatchObject({
      seqs: range(6, 10),
      hasMore: true,
    });
    expect(await history({ roomId: twelve.roomId, after: 7, limit: 5 })).toMatchObject({
      seqs: range(8, 12),
      hasMore: false,
    });
    expect(await history({ roomId: twelve.roomId, after: 10, limit: 5 })).toMatchObject({
      seqs: [11, 12],
      hasMore: false,
    });
    expect(await history({ roomId: twelve.roomId, after: 12 })).toMatchObject({ seqs: [], hasMore: false });
    expect(await history({ roomId: twelve.roomId, after: 500 })).toMatchObject({ seqs: [], hasMore: false });
    expect(await history({ roomId: many.roomId, after: 0 })).toMatchObject({ seqs: range(1, 50), hasMore: true });
  });

  local.it('with before gives the newest messages below it', async () => {
    expect(await history({ roomId: twelve.roomId, before: 13, limit: 5 })).toMatchObject({
      seqs: range(8, 12),
      hasMore: true,
    });
    expect(await history({ roomId: twelve.roomId, before: 8, limit: 5 })).toMatchObject({
      seqs: range(3, 7),
      hasMore: true,
    });
    expect(await history({ roomId: twelve.roomId, before: 6, limit: 5 })).toMatchObject({
      seqs: range(1, 5),
      hasMore: false,
    });
    expect(await history({ roomId: twelve.roomId, before: 3, limit: 5 })).toMatchObject({
      seqs: [1, 2],
      hasMore: false,
    });
    expect(await history({ roomId: twelve.roomId, before: 1 })).toMatchObject({ seqs: [], hasMore: false });
    expect(await history({ roomId: twelve.roomId, before: 0 })).toMatchObject({ seqs: [], hasMore: false });
    expect(await history({ roomId: many.roomId, before: MANY + 1 })).toMatchObject({
      seqs: range(MANY - 49, MANY),
      hasMore: true,
    });
  });

  local.it('pages back with before and forward with after over every message exactly once', async () => {
    const backwards: number[] = [];
    let page = await history({ roomId: many.roomId, limit: 7 });
    backwards.unshift(...page.seqs);
    while (page.hasMore) {
      page = await history({ roomId: many.roomId, before: backwards[0], limit: 7 });
      backwards.unshift(...page.seqs);
    }
    expect(backwards).toEqual(range(1, MANY));

    const forwards: number[] = [];
    page = await history({ roomId: many.roomId, after: 0, limit: 8 });
    forwards.push(...page.seqs);
    while (page.hasMore) {
      page = await history({ roomId: many.roomId, after: forwards[forwards.length - 1], limit: 8 });
      forwards.push(...page.seqs);
    }
    expect(forwards).toEqual(range(1, MANY));
  });

  local.it('an empty room has no history', async () => {
    const room = await local.createRoom(alice);
    expect(await history({ roomId: room.roomId }, alice)).toMatchObject({ seqs: [], hasMore: false });
    expect(await history({ roomId: room.roomId, after: 0 }, alice)).toMatchObject({ seqs: [], hasMore: false });
    expect(await history({ roomId: room.roomId, before: 10 }, alice)).toMatchObject({ seqs: [], hasMore: false });
  });

  local.it('accepts limit 1 and 100 and refuses 0, 101, fractions and strings, naming limit', async () => {
    expect(await history({ roomId: twelve.roomId, limit: 1 })).toMatchObject({ seqs: [12], hasMore: true });
    expect((await history({ roomId: many.roomId, limit: 100 })).seqs).toEqual(range(1, MANY));
    for (const limit of [0, 101, -1, 1.5, '10', null]) {
      const error = await reader.error('getHistory', { roomId: twelve.roomId, limit });
      expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('limit') });
    }
  });

  local.it('refuses before and after together, and ill-typed seqs naming the field', async () => {
    const both = await reader.error('getHistory', { roomId: twelve.roomId, before: 10, after: 2 });
    expect(both.code).toBe('BAD_REQUEST');
    for (const field of ['before', 'after']) {
      for (const value of [-1, 2.5, '3', true]) {
        const error = await reader.error('getHistory', { roomId: twelve.roomId, [field]: value });
        expect(error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining(field) });
      }
    }
  });

  local.it('is FORBIDDEN to a non-member', async () => {
    const { client: mallory } = await local.connectNew('mallory');
    expect((await mallory.error('getHistory', { roomId: twelve.roomId })).code).toBe('FORBIDDEN');
  });
});
