// PROTOCOL.md "Push notifications", through the local stack: the message handler queues a job per message, the push
// function takes it after its delay and publishes through the real SNS client to the SNS emulation, whose record
// (GET /dev/push) is what these tests read.
import { describe, expect } from 'vitest';
import { useLocalStack, type TestUser } from './support/local-stack-fixture.js';
import { jobsDone, pushesTo, waitForPushes } from './support/push-watch.js';
import type { TestClient } from './support/test-client.js';

const local = useLocalStack({ push: { delaySeconds: 1 } });

/** A user who registered the tokens on one connection and then closed it: away, with devices. */
async function awayWith(label: string, devices: Array<[platform: string, token: string]>): Promise<TestUser> {
  const { user, client } = await local.connectNew(label);
  for (const [platform, token] of devices) await client.ack('registerDevice', { platform, token });
  await client.close();
  return user;
}

const tokenFor = (label: string) => `${label}-${Math.random().toString(36).slice(2)}`;

async function send(client: TestClient, roomId: string, content: string) {
  return (await client.ack('sendMessage', { roomId, clientMessageId: tokenFor('c'), content })).message as {
    seq: number;
  };
}

describe('push notifications', () => {
  local.it('a user with no live connection gets exactly one push per device per message; the sender none', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    await a.ack('registerDevice', { platform: 'fcm', token: tokenFor('alice-phone') });
    const [iphone, android] = [tokenFor('bob-iphone'), tokenFor('bob-android')];
    const bob = await awayWith('bob', [
      ['apns', iphone],
      ['fcm', android],
    ]);
    const room = await local.createRoom(a, [bob]);
    await send(a, room.roomId, 'Lunch at noon?');
    await send(a, room.roomId, 'Or one?');
    await jobsDone(local.stack, bob.userId, 4);
    const pushes = await pushesTo(local.stack, bob.userId);
    expect(pushes.map((p) => `${p.token} ${p.seq}`).sort()).toEqual(
      [`${android} 1`, `${android} 2`, `${iphone} 1`, `${iphone} 2`].sort(),
    );
    const first = pushes.find((p) => p.token === iphone && p.seq === 1)!;
    expect(first).toMatchObject({
      platform: 'apns',
      userId: bob.userId,
      roomId: room.roomId,
      title: alice.name,
      body: 'Lunch at noon?',
      collapseKey: room.roomId,
    });
    expect(pushes.find((p) => p.token === android && p.seq === 2)).toMatchObject({ platform: 'fcm', body: 'Or one?' });
    expect(await pushesTo(local.stack, alice.userId)).toEqual([]);
  });

  local.it('none while the user is online on any device, none for a muted room, none once read', async () => {
    const { client: a } = await local.connectNew('alice');
    const witness = await awayWith('witness', [['fcm', tokenFor('witness')]]);
    const { user: bob, client: bobOnline } = await local.connectNew('bob');
    await bobOnline.ack('registerDevice', { platform: 'apns', token: tokenFor('bob-phone') });
    const { user: carol, client: carolClient } = await local.connectNew('carol');
    await carolClient.ack('registerDevice', { platform: 'fcm', token: tokenFor('carol-phone') });
    const room = await local.createRoom(a, [bob, carol, witness]);
    await carolClient.ack('muteRoom', { roomId: room.roomId, muted: true });
    const rooms = (await carolClient.ack('listRooms')).rooms as { roomId: string; muted?: boolean }[];
    expect(rooms.find((r) => r.roomId === room.roomId)?.muted).toBe(true);
    await carolClient.close();

    await send(a, room.roomId, 'one');
    await jobsDone(local.stack, witness.userId, 1);
    expect(await pushesTo(local.stack, bob.userId)).toEqual([]);
    expect(await pushesTo(local.stack, carol.userId)).toEqual([]);

    // Bob leaves after reading; his marker covers the message: still nothing. The next message reaches him.
    const { seq } = await send(a, room.roomId, 'two');
    await bobOnline.ack('markRead', { roomId: room.roomId, seq });
    await bobOnline.close();
    await jobsDone(local.stack, witness.userId, 2);
    expect(await pushesTo(local.stack, bob.userId)).toEqual([]);
    await send(a, room.roomId, 'three');
    expect((await waitForPushes(local.stack, bob.userId, 1)).map((p) => p.body)).toEqual(['three']);
  });

  local.it('a disabled endpoint is removed from the user devices', async () => {
    const { client: a } = await local.connectNew('alice');
    const witness = await awayWith('witness', [['fcm', tokenFor('witness')]]);
    const [refused, good] = [`disabled-${tokenFor('old-phone')}`, tokenFor('new-phone')];
    const bob = await awayWith('bob', [
      ['fcm', refused],
      ['apns_sandbox', good],
    ]);
    const room = await local.createRoom(a, [bob, witness]);
    await send(a, room.roomId, 'one');
    await jobsDone(local.stack, witness.userId, 1);
    expect((await pushesTo(local.stack, bob.userId)).map((p) => [p.token, p.platform])).toEqual([
      [good, 'apns_sandbox'],
    ]);
    // The platform now refuses the other token too (the app was removed from that phone).
    const disabled = await fetch(`${local.stack.httpUrl}/dev/push/disable?token=${good}`, { method: 'POST' });
    expect(await disabled.json()).toEqual({ disabled: 1 });
    await send(a, room.roomId, 'two');
    await jobsDone(local.stack, witness.userId, 2);
    // Both devices are gone: unregistering finds neither.
    const bobBack = await local.connect(bob);
    expect((await bobBack.ack('unregisterDevice', { token: good })).removed).toBe(false);
    expect((await bobBack.ack('unregisterDevice', { token: refused })).removed).toBe(false);
    expect((await pushesTo(local.stack, bob.userId)).map((p) => p.seq)).toEqual([1]);
  });

  local.it('a token registered by another user moves to that user; tokens are checked', async () => {
    const { client: a } = await local.connectNew('alice');
    const shared = tokenFor('shared-tablet');
    const carol = await awayWith('carol', [['fcm', shared]]);
    const dave = await awayWith('dave', [['fcm', shared]]);
    const room = await local.createRoom(a, [carol, dave]);
    await send(a, room.roomId, 'hello');
    await jobsDone(local.stack, dave.userId, 1);
    expect((await pushesTo(local.stack, dave.userId)).map((p) => p.token)).toEqual([shared]);
    expect(await pushesTo(local.stack, carol.userId)).toEqual([]);

    expect(await a.error('registerDevice', { platform: 'fcm', token: 'has space' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'token: must be printable ASCII without spaces',
    });
    expect(await a.error('registerDevice', { platform: 'gcm', token: 'x' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'platform: must be one of "apns", "apns_sandbox", "fcm"',
    });
    expect(await a.error('muteRoom', { roomId: 'not-my-room', muted: true })).toMatchObject({ code: 'FORBIDDEN' });
  });

  local.it("the badge is the user's unread total over all rooms, as hello counts it", async () => {
    const { client: a } = await local.connectNew('alice');
    const bob = await awayWith('bob', [['fcm', tokenFor('bob-phone')]]);
    const [first, second] = [await local.createRoom(a, [bob]), await local.createRoom(a, [bob])];
    await send(a, first.roomId, 'one');
    await waitForPushes(local.stack, bob.userId, 1);
    await send(a, second.roomId, 'two');
    await waitForPushes(local.stack, bob.userId, 2);
    // Bob reads the first room on a device, then goes away again.
    const bobBack = await local.connect(bob);
    expect((await bobBack.ack('hello')).unreadTotal).toBe(2);
    await bobBack.ack('markRead', { roomId: first.roomId, seq: 1 });
    await bobBack.close();
    await send(a, second.roomId, 'three');
    const pushes = await waitForPushes(local.stack, bob.userId, 3);
    expect(pushes.map((p) => [p.body, p.badge])).toEqual([
      ['one', 1],
      ['two', 2],
      ['three', 2],
    ]);
  });

  local.it('the dev routes: GET /dev/push filters by user and token; disabling needs a token and POST', async () => {
    const base = local.stack.httpUrl;
    expect(await (await fetch(`${base}/dev/push?userId=nobody-${tokenFor('x')}`)).json()).toEqual({ pushes: [] });
    expect((await fetch(`${base}/dev/push/disable?token=t`)).status).toBe(405);
    const missing = await fetch(`${base}/dev/push/disable`, { method: 'POST' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ parameter: 'token' });
    expect(await (await fetch(`${base}/dev/push/disable?token=never-seen`, { method: 'POST' })).json()).toEqual({
      disabled: 0,
    });
  });
});
