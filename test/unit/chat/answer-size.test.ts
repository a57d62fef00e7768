// Every answer fits in one frame (PROTOCOL.md "Answers fit in one frame"): the size-bounding helpers,
// then each listing action filled with the longest values the protocol allows, escaped to the most bytes. The
// recording notifier refuses a frame over 128 KiB as API Gateway does, so an answer too large never arrives.
import { describe, expect, it } from 'vitest';
import { countWithinBudget, fitPage, jsonBytes, ListBudget } from '../../../lambdas/chat/frame-budget.js';
import type { Page } from '../../../lambdas/chat/ports.js';
import { LIMITS, type Message, type Room, type User } from '../../../lambdas/protocol/index.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';

// The longest values, in the characters that cost the most bytes: a control character is escaped to 6 bytes
// (\u0001); ids refuse control characters, so theirs are 3-byte characters.
const CONTROL = '\u0001';
const longestContent = CONTROL.repeat(LIMITS.contentMaxLength);
const longestName = CONTROL.repeat(LIMITS.displayNameMaxLength);
const longestUrl = `https://a.example/${CONTROL.repeat(LIMITS.urlMaxLength - 'https://a.example/'.length)}`;
const longestRoomName = CONTROL.repeat(LIMITS.roomNameMaxLength);
const longestId = (label: string) => `${label}-${'€'.repeat(LIMITS.idMaxLength - label.length - 1)}`;

const listBytes = (list: unknown) => jsonBytes(list);

/** The rate limit is not what these tests are about. */
const harness = () => createChatHarness({ config: { rateLimit: { perSecond: 1_000_000, burst: 1_000_000 } } });

async function maximalUser(h: ChatHarness, label: string): Promise<TestConnection> {
  const connection = await h.connect(longestId(label), { name: longestName });
  await h.ack(connection, 'updateProfile', { displayName: longestName, avatarUrl: longestUrl });
  return connection;
}

/** Every answer the connection received, each under the frame limit. */
function expectAllFramesFit(h: ChatHarness): void {
  const sizes = h.notifier.attempts.map((attempt) => Buffer.byteLength(attempt.payload, 'utf8'));
  expect(Math.max(...sizes)).toBeLessThanOrEqual(LIMITS.messageMaxBytes);
  expect(h.notifier.attempts.filter((attempt) => attempt.outcome === 'threw')).toEqual([]);
}

describe('size bounding helpers', () => {
  it('measures UTF-8 bytes of the JSON, escaping included', () => {
    expect(jsonBytes('a')).toBe(3);
    expect(jsonBytes(CONTROL)).toBe(8); // "\u0001"
    expect(jsonBytes('"')).toBe(4); // "\""
    expect(jsonBytes('€')).toBe(5);
    expect(jsonBytes('😀')).toBe(6); // two UTF-16 units, four bytes
    expect(jsonBytes({ a: [1, 2] })).toBe('{"a":[1,2]}'.length);
  });

  it('counts the items that fit as one JSON array, at least the first', () => {
    const item = 'x'.repeat(8); // 10 bytes each; [a] = 12, [a,b] = 23, [a,b,c] = 34
    expect(countWithinBudget([item, item, item], 34)).toBe(3);
    expect(countWithinBudget([item, item, item], 33)).toBe(2);
    expect(countWithinBudget([item, item, item], 23)).toBe(2);
    expect(countWithinBudget([item, item, item], 22)).toBe(1);
    expect(countWithinBudget([item, item, item], 5)).toBe(1);
    expect(countWithinBudget([], 5)).toBe(0);
    expect(jsonBytes([item, item])).toBe(23);
  });

  it('keeps one budget across several calls, so a list built from several pages stays within it', () => {
    const budget = new ListBudget(23);
    expect(budget.tryAdd('x'.repeat(8))).toBe(true);
    expect(budget.tryAdd('x'.repeat(8))).toBe(true);
    expect(budget.tryAdd('x')).toBe(false);
  });

  describe('fitPage', () => {
    const page = (items: string[], cursor?: string): Page<string> => ({
      items,
      ...(cursor !== undefined && { cursor }),
      cursorAfter: (index) => `after:${items[index]}`,
    });

    it('takes the whole page and its own cursor when everything fits', () => {
      expect(fitPage(page(['a', 'b'], 'next'), (item) => item, new ListBudget(1_000))).toEqual({
        items: ['a', 'b'],
        cursor: 'next',
        full: false,
      });
      expect(fitPage(page(['a']), (item) => item, new ListBudget(1_000))).toEqual({ items: ['a'], full: false });
    });

    it('stops before the item that does not fit, with a cursor right after the last one taken', () => {
      const fitted = fitPage(page(['aaaa', 'bbbb', 'cccc'], 'next'), (item) => item, new ListBudget(15));
      expect(fitted).toEqual({ items: ['aaaa', 'bbbb'], cursor: 'after:bbbb', full: true });
    });

    it('passes over items without a wire object, and resumes after them', () => {
      const fitted = fitPage(
        page(['aaaa', 'skip', 'bbbb', 'cccc']),
        (item) => (item === 'skip' ? undefined : item),
        new ListBudget(15),
      );
      expect(fitted).toEqual({ items: ['aaaa', 'bbbb'], cursor: 'after:bbbb', full: true });
    });
  });
});

describe('answers filled with the longest values', () => {
  it('a maximal message is far below every budget, and its event fits a frame', () => {
    const message: Message = {
      id: crypto.randomUUID(),
      roomId: longestId('room'),
      seq: Number.MAX_SAFE_INTEGER,
      senderId: longestId('sender'),
      senderName: longestName,
      senderAvatar: longestUrl,
      content: longestContent,
      messageType: 'image',
      attachmentUrl: longestUrl,
      clientMessageId: longestId('client'),
      createdAt: new Date().toISOString(),
    };
    expect(jsonBytes(message)).toBeGreaterThan(45_000);
    expect(jsonBytes(message)).toBeLessThan(LIMITS.answerListMaxBytes / 2);
    expect(jsonBytes({ type: 'message', roomId: message.roomId, message })).toBeLessThan(LIMITS.messageMaxBytes);
  });

  it('getHistory pages stop early, say hasMore, and read on without loss or repeat in both directions', async () => {
    const h = harness();
    const alice = await maximalUser(h, 'alice');
    const bob = await maximalUser(h, 'bob');
    const room = await h.createRoom(alice, longestRoomName, [bob.userId]);
    const COUNT = 30;
    for (let i = 1; i <= COUNT; i += 1) {
      await h.ack(alice, 'sendMessage', {
        roomId: room.roomId,
        clientMessageId: longestId(`m${i}`),
        content: longestContent,
        attachmentUrl: longestUrl,
        messageType: 'file',
      });
    }
    const all = Array.from({ length: COUNT }, (_, i) => i + 1);

    // Newest first, then scrolling back.
    const scrolled: number[] = [];
    let before: number | undefined;
    let pages = 0;
    for (;;) {
      const ack = await h.ack(bob, 'getHistory', {
        roomId: room.roomId,
        limit: 100,
        ...(before !== undefined && { before }),
      });
      const messages = ack.messages as Message[];
      expect(listBytes(messages)).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
      expect(messages.length).toBeGreaterThan(0);
      scrolled.unshift(...messages.map((m) => m.seq));
      pages += 1;
      if (!ack.hasMore) break;
      before = messages[0]!.seq;
    }
    expect(scrolled).toEqual(all);
    expect(pages).toBeGreaterThan(COUNT / 2 - 1);

    // Catching up from the start.
    const caughtUp: number[] = [];
    let after = 0;
    for (;;) {
      const ack = await h.ack(bob, 'getHistory', { roomId: room.roomId, after, limit: 100 });
      const messages = ack.messages as Message[];
      caughtUp.push(...messages.map((m) => m.seq));
      if (!ack.hasMore) break;
      after = messages[messages.length - 1]!.seq;
    }
    expect(caughtUp).toEqual(all);

    // The limit still holds when it is the smaller bound, and a short page that fits says no more when there is none.
    const one = await h.ack(bob, 'getHistory', { roomId: room.roomId, limit: 1 });
    expect((one.messages as Message[]).map((m) => m.seq)).toEqual([COUNT]);
    const last = await h.ack(bob, 'getHistory', { roomId: room.roomId, after: COUNT - 1 });
    expect(last).toMatchObject({ hasMore: false });
    expectAllFramesFit(h);
  });

  it('listMembers pages of maximal profiles stop early and resume after the last member listed', async () => {
    const h = harness();
    const owner = await maximalUser(h, 'owner');
    const others: TestConnection[] = [];
    for (let i = 0; i < 40; i += 1) others.push(await maximalUser(h, `member${i}`));
    const room = await h.createRoom(
      owner,
      longestRoomName,
      others.map((o) => o.userId),
    );
    await h.disconnect(others[0]!);

    const listed: User[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const ack = await h.ack(owner, 'listMembers', { roomId: room.roomId, ...(cursor !== undefined && { cursor }) });
      const members = ack.members as User[];
      expect(listBytes(members)).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
      listed.push(...members);
      cursor = ack.cursor as string | undefined;
      pages += 1;
    } while (cursor !== undefined);
    expect(pages).toBeGreaterThan(4);
    expect(listed.map((u) => u.userId).sort()).toEqual([owner, ...others].map((c) => c.userId).sort());
    expect(listed.find((u) => u.userId === others[0]!.userId)?.isOnline).toBe(false);
    expect(listed.filter((u) => u.isOnline).length).toBe(40);
    expect(listed.every((u) => u.avatarUrl === longestUrl && u.displayName === longestName)).toBe(true);
    expectAllFramesFit(h);
  });

  it('hello and listRooms list rooms of maximal names page by page, each room once', async () => {
    const h = harness();
    const creator = await maximalUser(h, 'creator');
    const reader = await maximalUser(h, 'reader');
    const created: Room[] = [];
    for (let i = 0; i < 230; i += 1) created.push(await h.createRoom(creator, longestRoomName, [reader.userId]));

    const hello = await h.ack(reader, 'hello');
    const rooms = [...(hello.rooms as Room[])];
    expect(listBytes(hello.rooms)).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
    expect(rooms.length).toBeLessThan(LIMITS.helloRoomsMax);
    let cursor = hello.cursor as string | undefined;
    expect(cursor).toBeDefined();
    while (cursor !== undefined) {
      const ack = await h.ack(reader, 'listRooms', { cursor });
      expect(listBytes(ack.rooms)).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
      rooms.push(...(ack.rooms as Room[]));
      cursor = ack.cursor as string | undefined;
    }
    expect(rooms.map((r) => r.roomId).sort()).toEqual(created.map((r) => r.roomId).sort());
    expectAllFramesFit(h);
  });

  it('getPresence pages maximal online users with a cursor and bounds its typing list', async () => {
    const h = harness();
    const owner = await maximalUser(h, 'owner');
    const users: TestConnection[] = [];
    for (let i = 0; i < 30; i += 1) users.push(await maximalUser(h, `user${i}`));
    const room = await h.createRoom(
      owner,
      longestRoomName,
      users.map((u) => u.userId),
    );
    // Second devices: a user is listed once per page however many connections they have.
    for (const user of users.slice(0, 10)) await h.connect(user.userId);
    // Everyone types at once (the typing entries carry the longest ids and names).
    for (const user of users) await h.ack(user, 'typing', { roomId: room.roomId, isTyping: true });

    const first = await h.ack(owner, 'getPresence', { roomId: room.roomId });
    const typing = first.typing as unknown[];
    expect(jsonBytes(typing)).toBeLessThanOrEqual(LIMITS.presenceTypingMaxBytes);
    expect(typing.length).toBeGreaterThan(10);
    expect(typing.length).toBeLessThan(30);
    const online = new Set<string>();
    let ack = first;
    let pages = 1;
    for (;;) {
      const page = ack.online as User[];
      expect(listBytes(page)).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
      expect(new Set(page.map((u) => u.userId)).size).toBe(page.length);
      page.forEach((u) => online.add(u.userId));
      if (ack.cursor === undefined) break;
      ack = await h.ack(owner, 'getPresence', { roomId: room.roomId, cursor: ack.cursor });
      expect(ack.typing).toEqual([]);
      pages += 1;
    }
    expect(pages).toBeGreaterThan(3);
    expect([...online].sort()).toEqual([owner, ...users].map((c) => c.userId).sort());
    expectAllFramesFit(h);
  });

  it('answers INTERNAL, still to the request, if an answer would ever exceed a frame', async () => {
    const h = harness();
    const alice = await h.connect('alice');
    // Past every protocol limit, written around the validation: the last guard before the gateway.
    await h.stores.profiles.updateProfile('alice', { avatarUrl: `https://a.example/${'x'.repeat(140_000)}` });
    const answer = await h.request(alice, 'hello');
    expect(answer).toMatchObject({ type: 'error', code: 'INTERNAL' });
    expect(h.logger.entries.some((e) => e.level === 'error' && e.message === 'answer too large for one frame')).toBe(
      true,
    );
  });
});
