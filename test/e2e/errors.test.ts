// Every action's fields: an ill-typed or out-of-range one is BAD_REQUEST naming it; every action that names a room
// is FORBIDDEN to a non-member, with the same message whether or not the room exists; nothing is half-written.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../lambdas/protocol/index.js';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import type { TestClient } from './support/test-client.js';
import { anyEventFor } from './support/wire.js';

const local = useLocalStack();

let alice: TestUser;
let owner: TestClient;
let carol: TestUser;
let room: Room;

beforeAll(async () => {
  const created = await local.connectNew('alice');
  alice = created.user;
  owner = created.client;
  [carol] = await local.registered('carol');
  room = await local.createRoom(owner, []);
  await owner.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'seed', content: 'seed' });
});

/** Valid fields for every action, so each case changes exactly one (the room exists only once beforeAll ran). */
const valid = (roomId = room.roomId): Record<string, Record<string, unknown>> => ({
  hello: {},
  ping: {},
  updateProfile: { displayName: 'Valid Name' },
  createRoom: { name: 'valid room', memberIds: [] },
  openDirect: { userId: carol.userId },
  addMembers: { roomId, userIds: [carol.userId] },
  listRooms: {},
  listMembers: { roomId },
  subscribe: { roomId },
  unsubscribe: { roomId },
  sendMessage: { roomId, clientMessageId: 'valid-cmid', content: 'valid' },
  getHistory: { roomId },
  typing: { roomId, isTyping: true },
  getPresence: { roomId },
  markRead: { roomId, seq: 1 },
  // Last: the valid-fields test runs the actions in this order.
  leaveRoom: { roomId },
});

const MISSING = Symbol('missing');
const long = (n: number): string => 'a'.repeat(n);

// [action, field, bad value]; MISSING drops a required field.
const badFields: Array<[string, string, unknown]> = [
  ['updateProfile', 'displayName', 5],
  ['updateProfile', 'displayName', ''],
  ['updateProfile', 'displayName', long(65)],
  ['updateProfile', 'avatarUrl', 42],
  ['updateProfile', 'avatarUrl', 'http://example.com/a.png'],
  ['createRoom', 'name', MISSING],
  ['createRoom', 'name', 5],
  ['createRoom', 'name', ''],
  ['createRoom', 'name', long(101)],
  ['createRoom', 'memberIds', 'bob'],
  ['createRoom', 'memberIds', [5]],
  ['createRoom', 'memberIds', ['']],
  ['createRoom', 'memberIds', [long(129)]],
  ['createRoom', 'memberIds', ['a\u0000b']],
  ['createRoom', 'memberIds', Array.from({ length: 101 }, (_, i) => `u${i}`)],
  ['openDirect', 'userId', MISSING],
  ['openDirect', 'userId', 5],
  ['openDirect', 'userId', ''],
  ['openDirect', 'userId', long(129)],
  ['openDirect', 'userId', 'line\nbreak'],
  ['addMembers', 'roomId', MISSING],
  ['addMembers', 'roomId', 5],
  ['addMembers', 'userIds', MISSING],
  ['addMembers', 'userIds', []],
  ['addMembers', 'userIds', 'carol'],
  ['addMembers', 'userIds', [null]],
  ['addMembers', 'userIds', Array.from({ length: 101 }, (_, i) => `u${i}`)],
  ['leaveRoom', 'roomId', MISSING],
  ['leaveRoom', 'roomId', ''],
  ['leaveRoom', 'roomId', { id: 'x' }],
  ['listRooms', 'cursor', 5],
  ['listRooms', 'cursor', ''],
  ['listMembers', 'roomId', MISSING],
  ['listMembers', 'cursor', 5],
  ['subscribe', 'roomId', MISSING],
  ['subscribe', 'roomId', long(129)],
  ['unsubscribe', 'roomId', MISSING],
  ['unsubscribe', 'roomId', 'tab\there'],
  ['sendMessage', 'roomId', MISSING],
  ['sendMessage', 'roomId', 7],
  ['sendMessage', 'clientMessageId', MISSING],
  ['sendMessage', 'clientMessageId', 5],
  ['sendMessage', 'clientMessageId', ''],
  ['sendMessage', 'clientMessageId', long(129)],
  ['sendMessage', 'clientMessageId', 'bell\u0007'],
  ['sendMessage', 'content', MISSING],
  ['sendMessage', 'content', 5],
  ['sendMessage', 'content', ''],
  ['sendMessage', 'content', ['hi']],
  ['sendMessage', 'messageType', 'video'],
  ['sendMessage', 'messageType', 1],
  ['sendMessage', 'attachmentUrl', 'ftp://example.com/a'],
  ['sendMessage', 'attachmentUrl', 5],
  ['getHistory', 'roomId', MISSING],
  ['getHistory', 'before', -1],
  ['getHistory', 'before', 1.5],
  ['getHistory', 'after', '2'],
  ['getHistory', 'limit', 0],
  ['getHistory', 'limit', 101],
  ['getHistory', 'limit', 'ten'],
  ['typing', 'roomId', MISSING],
  ['typing', 'isTyping', MISSING],
  ['typing', 'isTyping', 'true'],
  ['getPresence', 'roomId', MISSING],
  ['getPresence', 'roomId', null],
  ['markRead', 'roomId', MISSING],
  ['markRead', 'seq', MISSING],
  ['markRead', 'seq', -1],
  ['markRead', 'seq', 1.25],
  ['markRead', 'seq', '1'],
];

describe('ill-typed fields', () => {
  local.each(badFields)('%s with %s = %j is BAD_REQUEST naming the field', async (action, field, value) => {
    const client = await local.connect(alice, { label: 'alice' });
    const fields = { ...valid()[action] };
    if (value === MISSING) delete fields[field];
    else fields[field] = value;
    const error = await client.error(action, fields);
    expect(error).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(error.message).toContain(field);
    await client.ack('ping');
  });

  local.it('the valid fields used above are accepted (so each case above fails for its one field)', async () => {
    const client = await local.connect(alice, { label: 'alice' });
    // A room of its own, so the shared room sees no events from this test.
    const spare = await local.createRoom(client, []);
    await client.ack('sendMessage', { roomId: spare.roomId, clientMessageId: 'seed', content: 'seed' });
    const fields = valid(spare.roomId);
    for (const action of Object.keys(fields)) await client.ack(action, fields[action]);
  });
});

describe('FORBIDDEN for a non-member on every action that names a room', () => {
  const roomActions: Array<[string, (roomId: string) => Record<string, unknown>]> = [
    ['addMembers', (roomId) => ({ roomId, userIds: [carol.userId] })],
    ['leaveRoom', (roomId) => ({ roomId })],
    ['listMembers', (roomId) => ({ roomId })],
    ['subscribe', (roomId) => ({ roomId })],
    ['unsubscribe', (roomId) => ({ roomId })],
    ['sendMessage', (roomId) => ({ roomId, clientMessageId: 'intruder', content: 'let me in' })],
    ['getHistory', (roomId) => ({ roomId })],
    ['typing', (roomId) => ({ roomId, isTyping: true })],
    ['getPresence', (roomId) => ({ roomId })],
    ['markRead', (roomId) => ({ roomId, seq: 1 })],
    ['createUpload', (roomId) => ({ roomId, contentType: 'image/png', size: 10 })],
    [
      'getAttachmentUrl',
      (roomId) => ({
        roomId,
        attachmentUrl: `attachment:rooms/${encodeURIComponent(roomId)}/00000000-0000-4000-8000-000000000000/a.png`,
      }),
    ],
  ];

  local.each(roomActions)(
    '%s: same answer for an existing and a nonexistent room, nothing done',
    async (action, fields) => {
      const { client: mallory } = await local.connectNew('mallory');
      const existing = await mallory.error(action, fields(room.roomId));
      const missing = await mallory.error(action, fields(`no-such-room-${Date.now()}`));
      expect(existing).toMatchObject({ code: 'FORBIDDEN' });
      expect(missing).toMatchObject({ code: 'FORBIDDEN' });
      expect(missing.message).toBe(existing.message);
      await mallory.ack('ping');
      await owner.expectNoFrame(anyEventFor(room.roomId));
    },
  );

  it('after all of them the room is as it was', async () => {
    const members = await owner.ack('listMembers', { roomId: room.roomId });
    expect((members.members as Array<{ userId: string }>).map((m) => m.userId)).toEqual([alice.userId]);
    const history = await owner.ack('getHistory', { roomId: room.roomId });
    expect(
      (history.messages as Array<{ clientMessageId: string; senderId: string }>).every(
        (m) => m.senderId === alice.userId,
      ),
    ).toBe(true);
  });
});
