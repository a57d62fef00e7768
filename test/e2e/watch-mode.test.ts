// PROTOCOL.md "Watch mode", through the local stack with raw clients: a connection opened with watch=1 hears only the
// rooms it subscribes to, its user is online only in those rooms (presence, getPresence, occupancy), a close goes
// through the same grace period, and push reaches a user whose connections do not hear the room. The stack's grace
// period is 2 s and its sweeper runs every 300 ms.
import { describe, expect } from 'vitest';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import { jobsDone, pushesTo } from './support/push-watch.js';
import { sleep, type TestClient } from './support/test-client.js';
import { expectIsoTime } from './support/wire.js';

const GRACE_MS = 2_000;
const SWEEP_PERIOD_MS = 300;
/** The grace period, a sweep, and generous slack for a shared, busy machine. */
const WITHIN_MS = GRACE_MS + SWEEP_PERIOD_MS + 10_000;
const local = useLocalStack({ offlineGraceMs: GRACE_MS, sweepPeriodMs: SWEEP_PERIOD_MS, push: { delaySeconds: 1 } });

type Frame = Record<string, unknown>;

async function connectWatching(user: TestUser, label: string): Promise<TestClient> {
  return local.open(`${local.urlWithToken(await local.token(user))}&watch=1`, label);
}

const presenceOf = (userId: string, isOnline?: boolean, roomId?: string) => (frame: Frame) =>
  frame.type === 'presence' &&
  frame.userId === userId &&
  (isOnline === undefined || frame.isOnline === isOnline) &&
  (roomId === undefined || frame.roomId === roomId);
const messageIn = (roomId: string) => (frame: Frame) => frame.type === 'message' && frame.roomId === roomId;

let sent = 0;
async function send(client: TestClient, roomId: string, content = 'hello'): Promise<void> {
  sent += 1;
  await client.ack('sendMessage', { roomId, clientMessageId: `watch-${sent}-${Date.now()}`, content });
}

async function onlineIds(client: TestClient, roomId: string): Promise<{ ids: string[]; onlineCount: number }> {
  const ack = await client.ack('getPresence', { roomId });
  return {
    ids: (ack.online as Array<{ userId: string }>).map((u) => u.userId),
    onlineCount: ack.onlineCount as number,
  };
}

describe('watch mode', () => {
  local.it('a watch connection hears a room only between its subscribe and its unsubscribe', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const bob = local.user('bob');
    const b = await connectWatching(bob, 'b');
    const room = await local.createRoom(a, [bob]);
    // Told of the room it joined, but not subscribed to it.
    expect(await b.waitFor((f) => f.type === 'roomJoined')).toMatchObject({ room: { roomId: room.roomId } });
    await send(a, room.roomId, 'before');
    await b.expectNoFrame(messageIn(room.roomId));

    await b.ack('subscribe', { roomId: room.roomId });
    await send(a, room.roomId, 'during');
    expect(await b.waitFor(messageIn(room.roomId))).toMatchObject({ message: { content: 'during' } });
    // The sender's typing reaches it too, as every event of the room does.
    await a.ack('typing', { roomId: room.roomId, isTyping: true });
    await b.waitFor((f) => f.type === 'typing' && f.userId === alice.userId);

    await b.ack('unsubscribe', { roomId: room.roomId });
    await send(a, room.roomId, 'after');
    await b.expectNoFrame(messageIn(room.roomId));
    // What it missed is where every client reads it.
    const history = await b.ack('getHistory', { roomId: room.roomId });
    expect((history.messages as Array<{ content: string }>).map((m) => m.content)).toEqual([
      'before',
      'during',
      'after',
    ]);
    // A room it is not a member of stays closed to it.
    const { client: c } = await local.connectNew('carol');
    const closed = await local.createRoom(c);
    expect(await b.error('subscribe', { roomId: closed.roomId })).toMatchObject({ code: 'FORBIDDEN' });
  });

  local.it('its user is online only in the rooms it hears, and goes offline there on unsubscribe', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const bob = local.user('bob');
    // Bob has connected before, so Alice can name him; his watch connection opens with Alice watching.
    await (await local.connect(bob, { label: 'b0' })).close();
    const [watched, other] = [await local.createRoom(a, [bob]), await local.createRoom(a, [bob])];
    // His close is announced in both rooms after the grace period.
    await a.waitFor(presenceOf(bob.userId, false, watched.roomId), WITHIN_MS);
    await a.waitFor(presenceOf(bob.userId, false, other.roomId), WITHIN_MS);

    const b = await connectWatching(bob, 'b');
    // Connected, but in no room yet: nobody is told, and getPresence does not list him.
    await a.expectNoFrame(presenceOf(bob.userId));
    expect((await onlineIds(a, watched.roomId)).ids).not.toContain(bob.userId);
    // listMembers still says whether he has any connection at all.
    const members = (await a.ack('listMembers', { roomId: watched.roomId })).members as Array<Frame>;
    expect(members.find((m) => m.userId === bob.userId)).toMatchObject({ isOnline: true });

    await b.ack('subscribe', { roomId: watched.roomId });
    expect(await a.waitFor(presenceOf(bob.userId, true))).toMatchObject({ roomId: watched.roomId });
    expect(await onlineIds(a, watched.roomId)).toEqual({
      ids: expect.arrayContaining([alice.userId, bob.userId]) as unknown,
      onlineCount: 2,
    });
    expect((await onlineIds(a, other.roomId)).onlineCount).toBe(1);
    // Subscribing again changes nothing.
    await b.ack('subscribe', { roomId: watched.roomId });
    await a.expectNoFrame(presenceOf(bob.userId));

    const leftAt = Date.now();
    await b.ack('unsubscribe', { roomId: watched.roomId });
    const offline = await a.waitFor(presenceOf(bob.userId, false));
    expect(offline).toMatchObject({ roomId: watched.roomId });
    expectIsoTime(offline.lastSeenAt, leftAt, 3_000);
    expect((await onlineIds(a, watched.roomId)).onlineCount).toBe(1);
    await a.expectNoFrame(presenceOf(bob.userId, undefined, other.roomId));
  });

  local.it(
    'a close goes through the grace period: rooms subscribed to again hear nothing, the others offline',
    async () => {
      const { client: a } = await local.connectNew('alice');
      const bob = local.user('bob');
      const b1 = await connectWatching(bob, 'b1');
      const [kept, dropped, never] = [
        await local.createRoom(a, [bob]),
        await local.createRoom(a, [bob]),
        await local.createRoom(a, [bob]),
      ];
      await b1.ack('subscribe', { roomId: kept.roomId });
      await b1.ack('subscribe', { roomId: dropped.roomId });
      await a.waitFor(presenceOf(bob.userId, true, kept.roomId));
      await a.waitFor(presenceOf(bob.userId, true, dropped.roomId));

      // The app went to the background and came back on the screen of one room only.
      await b1.close();
      const b2 = await connectWatching(bob, 'b2');
      await b2.ack('subscribe', { roomId: kept.roomId });
      const offline = await a.waitFor(presenceOf(bob.userId, false), WITHIN_MS);
      expect(offline).toMatchObject({ roomId: dropped.roomId });
      await sleep(GRACE_MS + 4 * SWEEP_PERIOD_MS);
      await a.expectNoFrame(presenceOf(bob.userId), 0);
      expect((await onlineIds(a, kept.roomId)).onlineCount).toBe(2);
      expect((await onlineIds(a, dropped.roomId)).onlineCount).toBe(1);
      expect((await onlineIds(a, never.roomId)).onlineCount).toBe(1);

      // Gone for good: offline where he was, after the grace period; nothing in the room he never opened.
      await b2.close();
      expect(await a.waitFor(presenceOf(bob.userId, false), WITHIN_MS)).toMatchObject({ roomId: kept.roomId });
      await a.expectNoFrame(presenceOf(bob.userId));
      expect((await onlineIds(a, kept.roomId)).onlineCount).toBe(1);
    },
  );

  local.it(
    "a user's other connections keep them in a room: each device's watch, and every room of a plain one",
    async () => {
      const { client: a } = await local.connectNew('alice');
      const bob = local.user('bob');
      const [phone, tablet] = [await connectWatching(bob, 'phone'), await connectWatching(bob, 'tablet')];
      const room = await local.createRoom(a, [bob]);
      await phone.ack('subscribe', { roomId: room.roomId });
      await tablet.ack('subscribe', { roomId: room.roomId });
      await a.waitFor(presenceOf(bob.userId, true));
      await phone.ack('unsubscribe', { roomId: room.roomId });
      await a.expectNoFrame(presenceOf(bob.userId));
      // The tablet still hears the room, and so does nothing else of Bob's.
      await send(a, room.roomId);
      await tablet.waitFor(messageIn(room.roomId));
      await phone.expectNoFrame(messageIn(room.roomId), 0);
      await tablet.close();
      // Still connected (the phone), but no longer in the room: offline there, after the grace period.
      await a.waitFor(presenceOf(bob.userId, false), WITHIN_MS);

      // A plain connection hears every room: it puts him online in all of them, and a watch connection's unsubscribe
      // takes him out of none.
      const desktop = await local.connect(bob, { label: 'desktop' });
      await a.waitFor(presenceOf(bob.userId, true));
      await phone.ack('subscribe', { roomId: room.roomId });
      await phone.ack('unsubscribe', { roomId: room.roomId });
      await a.expectNoFrame(presenceOf(bob.userId));
      expect((await onlineIds(a, room.roomId)).onlineCount).toBe(2);
      await desktop.close();
      await phone.close();
      await a.waitFor(presenceOf(bob.userId, false), WITHIN_MS);
    },
  );

  local.it(
    'push reaches a user whose connections do not hear the room, and not one whose connection does',
    async () => {
      const { client: a } = await local.connectNew('alice');
      // A witness, away with one device: every message's push job pushes to her, so her count says a job has run.
      const { user: carol, client: c } = await local.connectNew('carol');
      await c.ack('registerDevice', { platform: 'fcm', token: `carol-phone-${Date.now()}` });
      await c.close();
      const bob = local.user('bob');
      const b = await connectWatching(bob, 'b');
      await b.ack('registerDevice', { platform: 'fcm', token: `bob-phone-${Date.now()}` });
      const room = await local.createRoom(a, [bob, carol]);
      const pushedToBob = async () => (await pushesTo(local.stack, bob.userId)).map((p) => p.body);

      await send(a, room.roomId, 'on another screen');
      await jobsDone(local.stack, carol.userId, 1);
      expect(await pushedToBob()).toEqual(['on another screen']);

      await b.ack('subscribe', { roomId: room.roomId });
      await send(a, room.roomId, 'in the room');
      await b.waitFor(messageIn(room.roomId));
      await jobsDone(local.stack, carol.userId, 2);
      expect(await pushedToBob()).toEqual(['on another screen']);

      await b.ack('unsubscribe', { roomId: room.roomId });
      await send(a, room.roomId, 'gone again');
      await jobsDone(local.stack, carol.userId, 3);
      expect(await pushedToBob()).toEqual(['on another screen', 'gone again']);
    },
  );

  local.it('leaving a room takes it from the watch connection; a bad watch value refuses the handshake', async () => {
    const { client: a } = await local.connectNew('alice');
    const bob = local.user('bob');
    const b = await connectWatching(bob, 'b');
    const room = await local.createRoom(a, [bob]);
    await b.ack('subscribe', { roomId: room.roomId });
    await a.waitFor(presenceOf(bob.userId, true));
    await b.ack('leaveRoom', { roomId: room.roomId });
    await a.waitFor((f) => f.type === 'memberLeft' && f.userId === bob.userId);
    expect((await onlineIds(a, room.roomId)).onlineCount).toBe(1);
    await send(a, room.roomId);
    await b.expectNoFrame(messageIn(room.roomId));

    for (const value of ['0', 'true', '', '11']) {
      const url = `${local.urlWithToken(await local.token(local.user('eve')))}&watch=${value}`;
      expect(await local.refusal(url)).toBe(400);
    }
  });
});
