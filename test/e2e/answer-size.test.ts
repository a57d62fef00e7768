// Every answer fits in one frame (PROTOCOL.md "Answers fit in one frame"), through the real handlers, dynalite
// and the local gateway, whose management API refuses a post over 128 KiB with 413 as API Gateway does (the
// client would then hear nothing, and request() would time out). Rooms are filled with the longest messages,
// profiles, member lists and room names a client can make, escaped to the most bytes, and every listing is read
// to its end, checking that each item comes exactly once.
import { beforeAll, describe, expect } from 'vitest';
import { LIMITS, type Message, type Room, type User } from '../../lambdas/protocol/index.js';
import { uniqueSuffix, useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import type { Frame, TestClient } from './support/test-client.js';

const local = useLocalStack();

// A control character travels as 6 bytes (\u0001); ids refuse control characters, so theirs are 3-byte ones.
const CONTROL = '\u0001';
const longestContent = CONTROL.repeat(LIMITS.contentMaxLength);
const longestName = CONTROL.repeat(LIMITS.displayNameMaxLength);
const longestUrl = (length: number) => `https://a.example/${CONTROL.repeat(length - 'https://a.example/'.length)}`;
const longestRoomName = CONTROL.repeat(LIMITS.roomNameMaxLength);
// A client frame may not pass 32 KB: the content's 24 KB leave room for an attachment URL of about a thousand.
const attachmentUrl = longestUrl(1_000);
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** A user whose id has 128 characters of 3 bytes each. */
function longUser(label: string): TestUser {
  const suffix = `${label}-${uniqueSuffix()}`;
  return { userId: `${'€'.repeat(LIMITS.idMaxLength - suffix.length)}${suffix}`, name: longestName };
}

async function connectMaximal(user: TestUser): Promise<TestClient> {
  const client = await local.connect(user, { label: user.userId.slice(-12) });
  await client.ack('updateProfile', { displayName: longestName, avatarUrl: longestUrl(LIMITS.urlMaxLength) });
  return client;
}

/** Reads a cursor-paged listing to its end; each answer must arrive and stay within the list budget. */
async function readAllPages(
  client: TestClient,
  action: string,
  field: string,
  fields: Record<string, unknown>,
  first?: Frame,
) {
  const items: unknown[] = [];
  let ack = first ?? (await client.ack(action, fields));
  let pages = 1;
  for (;;) {
    expect(jsonBytes(ack[field])).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
    items.push(...(ack[field] as unknown[]));
    if (ack.cursor === undefined) return { items, pages };
    ack = await client.ack(action, { ...fields, cursor: ack.cursor });
    pages += 1;
  }
}

const MEMBERS = 20;
const MESSAGES = 16;
let owner: TestClient;
let ownerUser: TestUser;
let members: { user: TestUser; client: TestClient }[];
let room: Room;

beforeAll(async () => {
  ownerUser = longUser('owner');
  owner = await connectMaximal(ownerUser);
  members = [];
  for (let i = 0; i < MEMBERS; i += 1) {
    const user = longUser(`m${i}`);
    members.push({ user, client: await connectMaximal(user) });
  }
  room = (await owner.ack('createRoom', { name: longestRoomName, memberIds: members.map((m) => m.user.userId) }))
    .room as Room;
  for (let i = 1; i <= MESSAGES; i += 1) {
    const ack = await owner.ack('sendMessage', {
      roomId: room.roomId,
      clientMessageId: `${'€'.repeat(100)}-${i}`,
      content: longestContent,
      messageType: 'file',
      attachmentUrl,
    });
    // The stored message, with the sender's longest name and avatar, is far larger than the frame that sent it.
    expect(jsonBytes(ack.message)).toBeGreaterThan(40_000);
  }
}, 120_000);

describe('answers that would not fit in one frame', () => {
  local.it(
    'getHistory pages stop early with hasMore; scrolling back and catching up read every message once',
    async () => {
      const reader = members[0]!.client;
      const all = Array.from({ length: MESSAGES }, (_, i) => i + 1);

      const scrolled: number[] = [];
      let before: number | undefined;
      for (;;) {
        const ack = await reader.ack('getHistory', {
          roomId: room.roomId,
          limit: 100,
          ...(before !== undefined && { before }),
        });
        const messages = ack.messages as Message[];
        expect(jsonBytes(messages)).toBeLessThanOrEqual(LIMITS.answerListMaxBytes);
        expect(messages.length).toBeGreaterThan(0);
        expect(messages.every((m) => m.content === longestContent && m.attachmentUrl === attachmentUrl)).toBe(true);
        scrolled.unshift(...messages.map((m) => m.seq));
        if (!ack.hasMore) break;
        before = messages[0]!.seq;
      }
      expect(scrolled).toEqual(all);

      const caughtUp: number[] = [];
      let after = 0;
      for (;;) {
        const ack = await reader.ack('getHistory', { roomId: room.roomId, after });
        const messages = ack.messages as Message[];
        caughtUp.push(...messages.map((m) => m.seq));
        if (!ack.hasMore) break;
        after = messages[messages.length - 1]!.seq;
      }
      expect(caughtUp).toEqual(all);
    },
    60_000,
  );

  local.it(
    'listMembers pages of the longest profiles list every member once',
    async () => {
      const { items, pages } = await readAllPages(owner, 'listMembers', 'members', { roomId: room.roomId });
      const users = items as User[];
      expect(pages).toBeGreaterThan(2);
      expect(users.map((u) => u.userId).sort()).toEqual(
        [ownerUser, ...members.map((m) => m.user)].map((u) => u.userId).sort(),
      );
      expect(users.every((u) => u.displayName === longestName && u.isOnline === true)).toBe(true);
    },
    60_000,
  );

  local.it(
    'getPresence pages the online users with a cursor, each user once',
    async () => {
      const { items, pages } = await readAllPages(owner, 'getPresence', 'online', { roomId: room.roomId });
      expect(pages).toBeGreaterThan(2);
      const ids = (items as User[]).map((u) => u.userId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.sort()).toEqual([ownerUser, ...members.map((m) => m.user)].map((u) => u.userId).sort());
    },
    60_000,
  );

  local.it(
    'hello and listRooms list rooms with the longest names, each room once',
    async () => {
      const creator = await connectMaximal(longUser('creator'));
      const readerUser = longUser('reader');
      const reader = await connectMaximal(readerUser);
      const created: string[] = [];
      for (let i = 0; i < 110; i += 1) {
        const ack = await creator.ack('createRoom', { name: longestRoomName, memberIds: [readerUser.userId] });
        created.push((ack.room as Room).roomId);
        // Paced under the per-connection frame rate (25 a second past a burst of 60), however fast the stack answers.
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const hello = await reader.ack('hello');
      expect(jsonBytes(hello)).toBeLessThanOrEqual(LIMITS.messageMaxBytes);
      expect((hello.rooms as Room[]).length).toBeLessThan(LIMITS.helloRoomsMax);
      const { items } = await readAllPages(reader, 'listRooms', 'rooms', {}, hello);
      expect((items as Room[]).map((r) => r.roomId).sort()).toEqual(created.sort());
    },
    60_000,
  );
});
