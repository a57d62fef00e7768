// Push devices on the table: USER#<user> DEVICE#<token hash> (the user's device: platform, token, endpoint),
// DEVICE#<token hash> OWNER (who the token is registered to, so it moves between users), and
// USER#<user> PUSHED#<room>#<seq>#<token hash> (a push claimed for one device and one message, expiring).
import type { DeviceRecord, DeviceStore } from '../../chat/ports.js';
import type { PushPlatform } from '../../protocol/index.js';
import { SK_PREFIX, expiryAttributes, keys, userPk } from './keys.js';
import { ITEM_ABSENT, ITEM_EXISTS, prefixQuery } from './queries.js';
import type { Item, Table } from './table.js';

const deviceItem = (device: DeviceRecord): Item => ({
  ...keys.device(device.userId, device.token),
  userId: device.userId,
  platform: device.platform,
  token: device.token,
  registeredAt: device.registeredAt,
  ...(device.endpointArn !== undefined && { endpointArn: device.endpointArn }),
});

const deviceFromItem = (item: Item): DeviceRecord => {
  const device: DeviceRecord = {
    userId: item.userId as string,
    platform: item.platform as PushPlatform,
    token: item.token as string,
    registeredAt: item.registeredAt as number,
  };
  if (typeof item.endpointArn === 'string') device.endpointArn = item.endpointArn;
  return device;
};

export function createDeviceStore(table: Table): DeviceStore {
  async function listDevices(operation: string, userId: string): Promise<DeviceRecord[]> {
    // Bounded by the per-user cap; strongly consistent, so a registration sees the one before it.
    const params = { ...prefixQuery(userPk(userId), SK_PREFIX.device), ConsistentRead: true };
    const { items } = await table.collect(operation, params, Infinity);
    return items.map(deviceFromItem);
  }

  async function removeDevice(operation: string, userId: string, token: string): Promise<void> {
    // The owner item goes only if it still names this user: the token may have moved on.
    await table.remove(operation, keys.deviceOwner(token), {
      expression: 'userId = :userId',
      values: { ':userId': userId },
    });
  }

  return {
    async registerDevice(device, maxPerUser) {
      // Owner first: whoever held the token loses its device item before the new user gets one, so a failure in
      // between leaves the token with nobody (a retry completes it), never with two users.
      const previous = await table.update('registerDevice', keys.deviceOwner(device.token), {
        update: {
          expression: 'SET userId = :userId, #token = :token',
          names: { '#token': 'token' },
          values: { ':userId': device.userId, ':token': device.token },
        },
        returnValues: 'UPDATED_OLD',
      });
      const previousOwner = previous.userId as string | undefined;
      if (previousOwner !== undefined && previousOwner !== device.userId) {
        await table.remove('registerDevice', keys.device(previousOwner, device.token));
      }
      const others = (await listDevices('registerDevice', device.userId)).filter((d) => d.token !== device.token);
      const excess = others.length - (maxPerUser - 1);
      if (excess > 0) {
        const oldest = others.sort((a, b) => a.registeredAt - b.registeredAt).slice(0, excess);
        for (const dropped of oldest) {
          await table.remove('registerDevice', keys.device(device.userId, dropped.token));
          await removeDevice('registerDevice', device.userId, dropped.token);
        }
      }
      await table.put('registerDevice', deviceItem(device));
    },

    async unregisterDevice(userId, token, endpointArn) {
      const removed = await table.remove(
        'unregisterDevice',
        keys.device(userId, token),
        endpointArn === undefined
          ? ITEM_EXISTS
          : { expression: 'endpointArn = :endpointArn', values: { ':endpointArn': endpointArn } },
      );
      if (!removed) return false;
      await removeDevice('unregisterDevice', userId, token);
      return true;
    },

    async listDevices(userId) {
      return listDevices('listDevices', userId);
    },

    async setEndpoint(userId, token, endpointArn) {
      const written = await table.updateIf('setEndpoint', keys.device(userId, token), {
        update: { expression: 'SET endpointArn = :endpointArn', values: { ':endpointArn': endpointArn } },
        condition: ITEM_EXISTS,
      });
      return written !== undefined;
    },

    async claimPush(claim, expiresAt) {
      return table.putIf(
        'claimPush',
        { ...keys.pushed(claim.userId, claim.roomId, claim.seq, claim.token), ...expiryAttributes(expiresAt) },
        ITEM_ABSENT,
      );
    },

    async releasePush(claim) {
      await table.remove('releasePush', keys.pushed(claim.userId, claim.roomId, claim.seq, claim.token));
    },
  };
}
