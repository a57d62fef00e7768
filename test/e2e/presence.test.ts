// PROTOCOL.md "presence": online with the first connection, offline with the last, nothing for the devices between,
// to every room of the user but never to the user's own connections; getPresence and listMembers agree.
import { describe, expect } from 'vitest';
import type { User } from '../../lambdas/protocol/index.js';
import { useLocalStack } from './support/local-stack-fixture.js';
import { expectIsoTime, frameOf } from './support/wire.js';

const local = useLocalStack();

const presenceOf =
  (userId: string, isOnline?: boolean) => (frame: { type?: string; userId?: unknown; isOnline?: unknown }) =>
    frame.type === 'presence' && frame.userId === userId && (isOnline === undefined || frame.isOnline === isOnline);

describe('presence', () => {
  local.it(
    'across two devices: online once, nothing for the second device, offline with lastSeenAt after the last',
    async () => {
      const alice = local.user('alice');
      const a0 = await local.connect(alice, { label: 'a0' });
      const { user: bob, client: b } = await local.connectNew('bob');
      const { client: c } = await local.connectNew('carol');
      // Alice shares one room with Bob and another with Carol and Bob.
      const withBob = await b.ack('createRoom', { name: 'ab', memberIds: [alice.userId] });
      const withBoth = await c.ack('createRoom', { name: 'abc', memberIds: [alice.userId, bob.userId] });
      const roomAB = (withBob.room as { roomId: string }).roomId;
      const roomABC = (withBoth.room as { roomId: string }).roomId;
      // Alice starts offline; Carol hearing so shows the backend has finished with that connection.
      await a0.close();
      await c.waitFor(presenceOf(alice.userId, false));
      await b.waitFor(presenceOf(alice.userId, false));
      await b.waitFor(presenceOf(alice.userId, false));

      const a1 = await local.connect(alice, { label: 'a1' });
      const onlineForBob = [
        await b.waitFor(presenceOf(alice.userId, true)),
        await b.waitFor(presenceOf(alice.userId, true)),
      ];
      expect(onlineForBob.map((f) => f.roomId).sort()).toEqual([roomAB, roomABC].sort());
      for (const event of onlineForBob) {
        expect(event).toMatchObject({ type: 'presence', userId: alice.userId, isOnline: true });
      }
      const onlineForCarol = await c.waitFor(presenceOf(alice.userId, true));
      expect(onlineForCarol.roomId).toBe(roomABC);
      await b.expectNoFrame(presenceOf(alice.userId));
      await c.expectNoFrame(presenceOf(alice.userId), 0);
      await a1.expectNoFrame(presenceOf(alice.userId), 0);

      const a2 = await local.connect(alice, { label: 'a2' });
      await a2.ack('ping');
      await b.expectNoFrame(presenceOf(alice.userId));
      await a2.close();
      await b.expectNoFrame(presenceOf(alice.userId));
      await c.expectNoFrame(presenceOf(alice.userId), 0);
      await a1.expectNoFrame(presenceOf(alice.userId), 0);

      const closedAt = Date.now();
      await a1.close();
      const offline = [
        await b.waitFor(presenceOf(alice.userId, false)),
        await b.waitFor(presenceOf(alice.userId, false)),
      ];
      expect(offline.map((f) => f.roomId).sort()).toEqual([roomAB, roomABC].sort());
      for (const event of offline) expectIsoTime(event.lastSeenAt, closedAt, 3_000);
      const carolOffline = await c.waitFor(presenceOf(alice.userId, false));
      expect(carolOffline.roomId).toBe(roomABC);
      expectIsoTime(carolOffline.lastSeenAt, closedAt, 3_000);
    },
  );

  local.it("is never sent to the user's own connections", async () => {
    const alice = local.user('alice');
    const a1 = await local.connect(alice, { label: 'a1' });
    const { user: bob, client: b } = await local.connectNew('bob');
    await local.createRoom(a1, [bob]);
    const a2 = await local.connect(alice, { label: 'a2' });
    await a2.close();
    await b.close();
    await a1.waitFor(presenceOf(bob.userId, false));
    await a1.expectNoFrame(presenceOf(alice.userId));
  });

  local.it('getPresence lists the online members and listMembers tells online from offline', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const [carol] = await local.registered('carol');
    const room = await local.createRoom(a, [bob, carol!]);

    const presence = await a.ack('getPresence', { roomId: room.roomId });
    expect(Object.keys(presence).sort()).toEqual(['action', 'online', 'onlineCount', 'requestId', 'type', 'typing']);
    const online = (presence.online as User[]).map((u) => u.userId);
    expect(online).toContain(bob.userId);
    expect(online).not.toContain(carol!.userId);
    expect((presence.online as User[]).find((u) => u.userId === bob.userId)).toMatchObject({ displayName: bob.name });
    expect(presence.typing).toEqual([]);

    await b.close();
    await a.waitFor(presenceOf(bob.userId, false));
    const after = await a.ack('getPresence', { roomId: room.roomId });
    expect((after.online as User[]).map((u) => u.userId)).not.toContain(bob.userId);
    // Alice alone: Bob has gone, Carol never came.
    expect(after.onlineCount).toBe(1);

    const members = (await a.ack('listMembers', { roomId: room.roomId })).members as User[];
    expect(members.find((m) => m.userId === alice.userId)).toMatchObject({ isOnline: true });
    expect(members.find((m) => m.userId === bob.userId)).toMatchObject({
      isOnline: false,
      lastSeenAt: expect.any(String),
    });
    expect(members.find((m) => m.userId === carol!.userId)).toMatchObject({
      isOnline: false,
      lastSeenAt: expect.any(String),
    });
  });

  local.it('a connection dropped without a close handshake still ends in offline', async () => {
    const { client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    await local.createRoom(a, [bob]);
    b.terminate();
    const offline = await a.waitFor(presenceOf(bob.userId, false));
    expectIsoTime(offline.lastSeenAt);
  });

  local.it('getPresence is FORBIDDEN to a non-member', async () => {
    const { client: a } = await local.connectNew('alice');
    const { client: mallory } = await local.connectNew('mallory');
    const room = await local.createRoom(a);
    expect((await mallory.error('getPresence', { roomId: room.roomId })).code).toBe('FORBIDDEN');
    await mallory.expectNoFrame(frameOf('presence'), 0);
  });
});
