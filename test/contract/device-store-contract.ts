// The behaviour every DeviceStore must have, and the push mute of RoomStore (see ./store-fixtures.ts for how the
// contracts run).
import { describe, expect, it } from 'vitest';
import type { DeviceRecord, PushClaim } from '../../lambdas/chat/ports.js';
import { member, roomWithMembers, storesPerTest, T0, uid, type MakeStores } from './store-fixtures.js';

const device = (userId: string, token: string, registeredAt = T0, platform: DeviceRecord['platform'] = 'fcm') => ({
  userId,
  platform,
  token,
  registeredAt,
});

const tokensOf = (devices: DeviceRecord[]) => devices.map((d) => d.token).sort();

export function describeDeviceStoreContract(name: string, makeStores: MakeStores): void {
  describe(`DeviceStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('keeps several devices per user, each with its platform and token', async () => {
      const alice = uid('alice');
      const [apns, fcm] = [uid('apns-token'), uid('fcm-token')];
      await stores.devices.registerDevice(device(alice, apns, T0, 'apns_sandbox'), 20);
      await stores.devices.registerDevice(device(alice, fcm, T0 + 1), 20);
      const listed = await stores.devices.listDevices(alice);
      expect(listed.sort((a, b) => a.registeredAt - b.registeredAt)).toEqual([
        device(alice, apns, T0, 'apns_sandbox'),
        device(alice, fcm, T0 + 1),
      ]);
      expect(await stores.devices.listDevices(uid('nobody'))).toEqual([]);
    });

    it('moves a token registered by another user to the new user', async () => {
      const [alice, bob, token] = [uid('alice'), uid('bob'), uid('token')];
      await stores.devices.registerDevice(device(alice, token), 20);
      await stores.devices.registerDevice(device(bob, token, T0 + 5), 20);
      expect(await stores.devices.listDevices(alice)).toEqual([]);
      expect(await stores.devices.listDevices(bob)).toEqual([device(bob, token, T0 + 5)]);
      // Alice no longer has it: her unregister changes nothing of Bob's.
      expect(await stores.devices.unregisterDevice(alice, token)).toBe(false);
      expect(tokensOf(await stores.devices.listDevices(bob))).toEqual([token]);
    });

    it('keeps at most the cap, dropping the least recently registered', async () => {
      const alice = uid('alice');
      const tokens = [0, 1, 2, 3].map((i) => `${uid('token')}-${i}`);
      for (const [index, token] of tokens.entries()) {
        await stores.devices.registerDevice(device(alice, token, T0 + index), 3);
      }
      expect(tokensOf(await stores.devices.listDevices(alice))).toEqual(tokens.slice(1).sort());
      // Re-registering one it has already does not drop another, and refreshes its time.
      await stores.devices.registerDevice(device(alice, tokens[1]!, T0 + 10), 3);
      expect(tokensOf(await stores.devices.listDevices(alice))).toEqual(tokens.slice(1).sort());
      await stores.devices.registerDevice(device(alice, tokens[0]!, T0 + 11), 3);
      expect(tokensOf(await stores.devices.listDevices(alice))).toEqual([tokens[0]!, tokens[1]!, tokens[3]!].sort());
      // A dropped token is free: another user takes it with nothing left behind.
      const bob = uid('bob');
      await stores.devices.registerDevice(device(bob, tokens[2]!, T0 + 12), 3);
      expect(tokensOf(await stores.devices.listDevices(bob))).toEqual([tokens[2]!]);
    });

    it('records the endpoint, clears it on re-registration, and refuses it for a device the user lacks', async () => {
      const [alice, token] = [uid('alice'), uid('token')];
      expect(await stores.devices.setEndpoint(alice, token, 'arn:endpoint/1')).toBe(false);
      expect(await stores.devices.listDevices(alice)).toEqual([]);
      await stores.devices.registerDevice(device(alice, token), 20);
      expect(await stores.devices.setEndpoint(alice, token, 'arn:endpoint/1')).toBe(true);
      expect(await stores.devices.listDevices(alice)).toEqual([
        { ...device(alice, token), endpointArn: 'arn:endpoint/1' },
      ]);
      await stores.devices.registerDevice(device(alice, token, T0 + 1), 20);
      expect(await stores.devices.listDevices(alice)).toEqual([device(alice, token, T0 + 1)]);
    });

    it('unregisters a device, only while it has the endpoint named', async () => {
      const [alice, token, other] = [uid('alice'), uid('token'), uid('other')];
      await stores.devices.registerDevice(device(alice, token), 20);
      await stores.devices.registerDevice(device(alice, other), 20);
      await stores.devices.setEndpoint(alice, token, 'arn:endpoint/old');
      expect(await stores.devices.unregisterDevice(alice, token, 'arn:endpoint/new')).toBe(false);
      expect(tokensOf(await stores.devices.listDevices(alice))).toEqual([token, other].sort());
      expect(await stores.devices.unregisterDevice(alice, token, 'arn:endpoint/old')).toBe(true);
      expect(await stores.devices.unregisterDevice(alice, other)).toBe(true);
      expect(await stores.devices.unregisterDevice(alice, other)).toBe(false);
      expect(await stores.devices.listDevices(alice)).toEqual([]);
      // Unregistered tokens are free for anyone.
      const bob = uid('bob');
      await stores.devices.registerDevice(device(bob, token), 20);
      expect(tokensOf(await stores.devices.listDevices(bob))).toEqual([token]);
    });

    it('claims a push once per device and message; a released claim can be taken again', async () => {
      const claim: PushClaim = { userId: uid('alice'), token: uid('token'), roomId: uid('room'), seq: 7 };
      expect(await stores.devices.claimPush(claim, T0 + 86_400_000)).toBe(true);
      expect(await stores.devices.claimPush(claim, T0 + 86_400_000)).toBe(false);
      expect(await stores.devices.claimPush({ ...claim, seq: 8 }, T0)).toBe(true);
      expect(await stores.devices.claimPush({ ...claim, token: uid('token') }, T0)).toBe(true);
      const racing = await Promise.all([1, 2, 3].map(() => stores.devices.claimPush({ ...claim, seq: 9 }, T0)));
      expect(racing.filter(Boolean)).toHaveLength(1);
      await stores.devices.releasePush(claim);
      expect(await stores.devices.claimPush(claim, T0)).toBe(true);
    });
  });

  describe(`RoomStore push mute contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it("mutes and unmutes a member's pushes, seen in the membership; refuses a non-member", async () => {
      const created = await roomWithMembers(stores.rooms, ['alice', 'bob']);
      expect(await stores.rooms.setPushMuted(created.roomId, 'alice', true)).toBe(true);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'alice')).member).toEqual({
        ...member(created.roomId, 'alice'),
        pushMuted: true,
      });
      const listed = await stores.rooms.listMembers(created.roomId, { limit: 10 });
      expect(listed.items.find((m) => m.userId === 'alice')?.pushMuted).toBe(true);
      expect(listed.items.find((m) => m.userId === 'bob')).toEqual(member(created.roomId, 'bob'));
      const memberships = await stores.rooms.listMemberships('alice', { limit: 100 });
      expect(memberships.items.find((m) => m.roomId === created.roomId)?.pushMuted).toBe(true);
      // The read marker still moves, and keeps the mute.
      await stores.rooms.advanceReadMarker(created.roomId, 'alice', 3);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'alice')).member?.pushMuted).toBe(true);

      expect(await stores.rooms.setPushMuted(created.roomId, 'alice', false)).toBe(true);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'alice')).member).toEqual(
        member(created.roomId, 'alice', { lastReadSeq: 3 }),
      );
      expect(await stores.rooms.setPushMuted(created.roomId, 'carol', true)).toBe(false);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'carol')).member).toBeUndefined();
      await stores.rooms.removeMember(created.roomId, 'bob');
      expect(await stores.rooms.setPushMuted(created.roomId, 'bob', true)).toBe(false);
      expect((await stores.rooms.getRoomAndMember(created.roomId, 'bob')).member).toBeUndefined();
    });
  });
}
