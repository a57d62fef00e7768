// Room isolation through the real local stack: for every action that names a room, a non-member (a stranger, a
// former member, anyone guessing a direct room's id) gets FORBIDDEN, the same answer whether the room exists or
// not, nothing is written, and a listener in the room sees nothing of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directRoomId } from '../../lambdas/chat/index.js';
import type { Message } from '../../lambdas/protocol/index.js';
import { sleep, type ProbeSocket } from '../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../soak/lib/probed-stack.js';

let probed: ProbedStack;
const open: ProbeSocket[] = [];
let alice: ProbeSocket;
let bob: ProbeSocket;
let mallory: ProbeSocket;
let roomId: string;
let directId: string;

beforeAll(async () => {
  probed = await startProbedStack();
  const connect = async (userId: string) => {
    const { socket } = await probed.connect(userId);
    open.push(socket);
    return socket;
  };
  alice = await connect('iso-alice');
  bob = await connect('iso-bob');
  mallory = await connect('iso-mallory');
  roomId = ((await alice.ack('createRoom', { name: 'private', memberIds: ['iso-bob'] })).room as { roomId: string })
    .roomId;
  await alice.ack('sendMessage', { roomId, clientMessageId: 'secret-1', content: 'the secret plan' });
  directId = ((await alice.ack('openDirect', { userId: 'iso-bob' })).room as { roomId: string }).roomId;
  expect(directId).toBe(directRoomId('iso-alice', 'iso-bob'));
  await sleep(300);
});

afterAll(async () => {
  await Promise.all(open.map((socket) => socket.close()));
  await probed?.stop();
});

/** Every action that names a room, with fields that would succeed for a member. */
const roomActions = (id: string): Array<[string, Record<string, unknown>]> => [
  ['sendMessage', { roomId: id, clientMessageId: `intrusion-${Math.random()}`, content: 'let me in' }],
  ['sendMessage', { roomId: id, clientMessageId: `intrusion-${Math.random()}`, content: 'reply', replyTo: 1 }],
  ['editMessage', { roomId: id, seq: 1, content: 'defaced' }],
  ['deleteMessage', { roomId: id, seq: 1 }],
  ['react', { roomId: id, seq: 1, emoji: '👎', on: true }],
  ['getHistory', { roomId: id }],
  ['getHistory', { roomId: id, after: 0 }],
  ['listMembers', { roomId: id }],
  ['getPresence', { roomId: id }],
  ['subscribe', { roomId: id }],
  ['unsubscribe', { roomId: id }],
  ['typing', { roomId: id, isTyping: true }],
  ['typing', { roomId: id, isTyping: false }],
  ['markRead', { roomId: id, seq: 1 }],
  ['addMembers', { roomId: id, userIds: ['iso-mallory'] }],
  ['leaveRoom', { roomId: id }],
  ['createUpload', { roomId: id, contentType: 'image/png', size: 10 }],
  [
    'getAttachmentUrl',
    {
      roomId: id,
      attachmentUrl: `attachment:rooms/${encodeURIComponent(id)}/00000000-0000-4000-8000-000000000000/a.png`,
    },
  ],
  ['reportMessage', { roomId: id, seq: 1, reason: 'let me see' }],
];

async function expectIsolated(intruder: ProbeSocket, id: string, listeners: ProbeSocket[]): Promise<void> {
  const before = JSON.stringify(await probed.tableItems());
  const heard = listeners.map((listener) => listener.events.length);
  for (const [action, fields] of roomActions(id)) {
    const answer = await intruder.request(action, fields);
    expect(answer, `${action} ${JSON.stringify(fields)}`).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'not a member of this room',
    });
  }
  await sleep(300);
  expect(JSON.stringify(await probed.tableItems())).toBe(before);
  listeners.forEach((listener, index) => expect(listener.events.slice(heard[index]), listener.label).toEqual([]));
}

describe('a non-member', () => {
  it('gets FORBIDDEN for every room action on a group room, writes nothing, and the members hear nothing', async () => {
    await expectIsolated(mallory, roomId, [alice, bob]);
  });

  it('gets FORBIDDEN for every room action on a direct room whose id it can compute', async () => {
    await expectIsolated(mallory, directRoomId('iso-alice', 'iso-bob'), [alice, bob]);
  });

  it("gets the very same answer for a room that does not exist: no room's existence leaks", async () => {
    await expectIsolated(mallory, 'no-such-room', [alice, bob]);
    await expectIsolated(mallory, directRoomId('iso-alice', 'nobody-at-all'), [alice, bob]);
  });

  it('never hears the room: subscribe is refused and what members say does not reach it', async () => {
    await mallory.request('subscribe', { roomId });
    const said = (await alice.ack('sendMessage', { roomId, clientMessageId: 'secret-2', content: 'still secret' }))
      .message as Message;
    await bob.waitForEvent((f) => f.type === 'message' && (f.message as Message).id === said.id);
    await sleep(300);
    expect(
      mallory.events.filter((e) => e.frame.roomId === roomId || JSON.stringify(e.frame).includes('secret')),
    ).toEqual([]);
  });

  it("is not a member by sending its userId as someone else's in a frame (userId comes from the token only)", async () => {
    const answer = await mallory.request('getHistory', { roomId, userId: 'iso-alice', senderId: 'iso-alice' });
    expect(answer).toMatchObject({ type: 'error', code: 'FORBIDDEN' });
  });
});

describe('a former member', () => {
  it('is a non-member like any other once it has left, and hears nothing more', async () => {
    const { socket: carol } = await probed.connect('iso-carol');
    open.push(carol);
    const room = (
      (await alice.ack('createRoom', { name: 'short stay', memberIds: ['iso-carol'] })).room as { roomId: string }
    ).roomId;
    await carol.waitForEvent((f) => f.type === 'roomJoined');
    await carol.ack('leaveRoom', { roomId: room });
    await sleep(200);
    await expectIsolated(carol, room, [alice]);
    const said = (
      await alice.ack('sendMessage', { roomId: room, clientMessageId: 'after-leaving', content: 'carol is gone' })
    ).message as Message;
    await sleep(300);
    expect(
      carol.events.filter((e) => e.frame.type === 'message' && (e.frame.message as Message).id === said.id),
    ).toEqual([]);
  });
});
