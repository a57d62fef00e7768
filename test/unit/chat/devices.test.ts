// registerDevice, unregisterDevice and muteRoom (PROTOCOL.md, "Push notifications").
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../lambdas/protocol/index.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

describe('registerDevice / unregisterDevice', () => {
  it("registers a user's devices, moves a token between users, and unregisters only one's own", async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    expect(await h.ack(alice, 'registerDevice', { platform: 'apns', token: 'a1' })).toMatchObject({
      action: 'registerDevice',
      platform: 'apns',
    });
    await h.ack(alice, 'registerDevice', { platform: 'fcm', token: 'shared' });
    expect((await h.stores.devices.listDevices('alice')).map((d) => [d.platform, d.token]).sort()).toEqual([
      ['apns', 'a1'],
      ['fcm', 'shared'],
    ]);
    await h.ack(bob, 'registerDevice', { platform: 'fcm', token: 'shared' });
    expect((await h.stores.devices.listDevices('alice')).map((d) => d.token)).toEqual(['a1']);
    expect((await h.ack(alice, 'unregisterDevice', { token: 'shared' })).removed).toBe(false);
    expect((await h.stores.devices.listDevices('bob')).map((d) => d.token)).toEqual(['shared']);
    expect((await h.ack(bob, 'unregisterDevice', { token: 'shared' })).removed).toBe(true);
    expect(await h.stores.devices.listDevices('bob')).toEqual([]);
    // Nobody else hears about devices.
    expect(h.framesOf(bob).filter((f) => f.type !== 'ack')).toEqual([]);
  });

  it(`keeps the ${LIMITS.devicesPerUserMax} most recently registered devices`, async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    for (let i = 0; i <= LIMITS.devicesPerUserMax; i += 1) {
      await h.ack(alice, 'registerDevice', { platform: 'fcm', token: `t${i}` });
      h.clock.advance(1);
    }
    const tokens = (await h.stores.devices.listDevices('alice')).map((d) => d.token);
    expect(tokens).toHaveLength(LIMITS.devicesPerUserMax);
    expect(tokens).not.toContain('t0');
  });

  it('refuses a bad platform or token, naming the field, and stores nothing', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const refusals = [
      [{ platform: 'gcm', token: 't' }, 'platform: must be one of "apns", "apns_sandbox", "fcm"'],
      [{ platform: 'fcm', token: '' }, 'token: must be at least 1 characters'],
      [{ platform: 'fcm', token: 'a b' }, 'token: must be printable ASCII without spaces'],
      [
        { platform: 'fcm', token: 'x'.repeat(LIMITS.deviceTokenMaxLength + 1) },
        'token: must be at most 512 characters',
      ],
      [{ platform: 'fcm' }, 'token: expected string'],
    ] as const;
    for (const [fields, message] of refusals) {
      expect(await h.request(alice, 'registerDevice', fields)).toMatchObject({ code: 'BAD_REQUEST', message });
    }
    expect(await h.request(alice, 'unregisterDevice', { token: 7 })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'token: expected string',
    });
    expect(h.stores.dump().devices).toEqual([]);
  });
});

describe('muteRoom', () => {
  it('mutes and unmutes for the member alone; Room objects say muted', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const bob = await h.connect('bob');
    const room = await h.createRoom(alice, 'r', ['bob']);
    expect(await h.ack(alice, 'muteRoom', { roomId: room.roomId, muted: true })).toMatchObject({
      roomId: room.roomId,
      muted: true,
    });
    expect((await h.ack(alice, 'listRooms')).rooms).toEqual([expect.objectContaining({ muted: true })]);
    expect((await h.ack(alice, 'hello')).rooms).toEqual([expect.objectContaining({ muted: true })]);
    expect((await h.ack(bob, 'listRooms')).rooms).toEqual([expect.not.objectContaining({ muted: true })]);
    await h.ack(alice, 'muteRoom', { roomId: room.roomId, muted: false });
    const [unmuted] = (await h.ack(alice, 'listRooms')).rooms as object[];
    expect(unmuted).not.toHaveProperty('muted');
  });

  it('refuses non-members (FORBIDDEN) and bad fields (BAD_REQUEST), writing nothing', async () => {
    const h = createChatHarness();
    const alice = await h.connect('alice');
    const carol = await h.connect('carol');
    const room = await h.createRoom(alice, 'r');
    const before = JSON.stringify(h.stores.dump());
    expect(await h.request(carol, 'muteRoom', { roomId: room.roomId, muted: true })).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await h.request(carol, 'muteRoom', { roomId: 'no-such-room', muted: true })).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await h.request(alice, 'muteRoom', { roomId: room.roomId, muted: 'yes' })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'muted: expected boolean',
    });
    expect(JSON.stringify(h.stores.dump())).toBe(before);
  });
});
