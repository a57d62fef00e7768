// A user can never act as another: the user id comes from the verified token alone. Frames that carry userId,
// senderId, senderName, createdBy and the like are taken for what the token says; a query string or header that
// names another user changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message, Room, User } from '../../lambdas/protocol/index.js';
import { ProbeSocket, sleep } from '../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../soak/lib/probed-stack.js';

let probed: ProbedStack;
const open: ProbeSocket[] = [];
let mallory: ProbeSocket;
let alice: ProbeSocket;
let roomId: string;

const posing = {
  userId: 'imp-alice',
  senderId: 'imp-alice',
  senderName: 'Alice',
  createdBy: 'imp-alice',
  connectionId: 'x',
  principalId: 'imp-alice',
};

beforeAll(async () => {
  probed = await startProbedStack();
  alice = (await probed.connect('imp-alice', { name: 'Alice' })).socket;
  mallory = (await probed.connect('imp-mallory', { name: 'Mallory' })).socket;
  open.push(alice, mallory);
  roomId = ((await alice.ack('createRoom', { name: 'shared', memberIds: ['imp-mallory'] })).room as Room).roomId;
  await mallory.waitForEvent((f) => f.type === 'roomJoined');
});

afterAll(async () => {
  await Promise.all(open.map((socket) => socket.close()));
  await probed?.stop();
});

describe('fields that name another user are ignored', () => {
  it("sendMessage: the sender is the token's user, and seq, id and time are the server's", async () => {
    const answer = await mallory.ack('sendMessage', {
      ...posing,
      roomId,
      clientMessageId: 'posing-1',
      content: 'signed, Alice',
      id: 'chosen-id',
      seq: 999,
      createdAt: '2000-01-01T00:00:00.000Z',
    });
    const message = answer.message as Message;
    expect(message).toMatchObject({ senderId: 'imp-mallory', senderName: 'Mallory', content: 'signed, Alice' });
    expect(message.id).not.toBe('chosen-id');
    expect(message.seq).not.toBe(999);
    expect(message.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    const heard = await alice.waitForEvent((f) => f.type === 'message' && (f.message as Message).id === message.id);
    expect((heard.message as Message).senderId).toBe('imp-mallory');
  });

  it("updateProfile changes the caller's own profile only", async () => {
    const answer = await mallory.ack('updateProfile', { ...posing, displayName: 'Alice (official)' });
    expect(answer.user).toMatchObject({ userId: 'imp-mallory', displayName: 'Alice (official)' });
    const members = (await alice.ack('listMembers', { roomId })).members as User[];
    expect(members.find((m) => m.userId === 'imp-alice')?.displayName).toBe('Alice');
    expect(members.find((m) => m.userId === 'imp-mallory')?.displayName).toBe('Alice (official)');
  });

  it("typing and markRead are the caller's", async () => {
    await mallory.ack('typing', { ...posing, roomId, isTyping: true, displayName: 'Alice' });
    const typing = await alice.waitForEvent((f) => f.type === 'typing' && f.isTyping === true);
    expect(typing).toMatchObject({ userId: 'imp-mallory' });
    await mallory.ack('markRead', { ...posing, roomId, seq: 1 });
    const read = await alice.waitForEvent((f) => f.type === 'read');
    expect(read).toMatchObject({ userId: 'imp-mallory', seq: 1 });
    const rooms = (await alice.ack('listRooms')).rooms as Room[];
    expect(rooms.find((r) => r.roomId === roomId)?.lastReadSeq ?? 0).toBe(0);
  });

  it('createRoom is created by the caller; leaveRoom makes the caller leave, not the user it names', async () => {
    const created = (await mallory.ack('createRoom', { ...posing, name: 'by whom?', memberIds: ['imp-alice'] }))
      .room as Room;
    expect(created.createdBy).toBe('imp-mallory');
    await mallory.ack('leaveRoom', { ...posing, roomId: created.roomId });
    const members = (await alice.ack('listMembers', { roomId: created.roomId })).members as User[];
    expect(members.map((m) => m.userId)).toEqual(['imp-alice']);
  });

  it("hello answers for the token's user", async () => {
    const hello = await mallory.ack('hello', posing);
    expect((hello.user as User).userId).toBe('imp-mallory');
  });
});

describe('the handshake', () => {
  it('takes the user from the token, whatever the query string or headers say', async () => {
    const token = probed.tokenFor('imp-mallory');
    const url = `${probed.urlWithToken(token)}&userId=imp-alice&sub=imp-alice&principalId=imp-alice`;
    const socket = await ProbeSocket.open(url);
    open.push(socket);
    const hello = await socket.ack('hello');
    expect((hello.user as User).userId).toBe('imp-mallory');
    await sleep(50);
    const connect = probed.gatewayEvents.filter((e) => e.eventType === 'CONNECT').at(-1);
    expect(connect?.userId).toBe('imp-mallory');
  });

  it('refuses a token signed for one user and re-labelled as another', async () => {
    const [header, , signature] = probed.tokenFor('imp-mallory').split('.');
    const payload = Buffer.from(JSON.stringify({ sub: 'imp-alice' })).toString('base64url');
    await expect(ProbeSocket.open(probed.urlWithToken(`${header}.${payload}.${signature}`))).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});
