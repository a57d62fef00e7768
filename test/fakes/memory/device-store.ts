// Push devices, token owners and push claims in memory.
import type { DeviceRecord, DeviceStore, PushClaim } from '../../../lambdas/chat/ports.js';
import { copy, key, type MemoryTable } from './memory-table.js';

const claimKey = (claim: PushClaim) => key(claim.userId, claim.roomId, String(claim.seq), claim.token);

export class MemoryDeviceStore implements DeviceStore {
  constructor(private readonly table: MemoryTable) {}

  async registerDevice(device: Omit<DeviceRecord, 'endpointArn'>, maxPerUser: number): Promise<void> {
    await this.table.enter('registerDevice');
    const previous = this.table.deviceOwners.get(device.token);
    if (previous !== undefined && previous !== device.userId) this.table.devices.delete(key(previous, device.token));
    this.table.deviceOwners.set(device.token, device.userId);
    const others = this.devicesOf(device.userId).filter((d) => d.token !== device.token);
    const excess = others.length - (maxPerUser - 1);
    if (excess > 0) {
      for (const dropped of others.sort((a, b) => a.registeredAt - b.registeredAt).slice(0, excess)) {
        this.table.devices.delete(key(device.userId, dropped.token));
        this.table.deviceOwners.delete(dropped.token);
      }
    }
    this.table.devices.set(key(device.userId, device.token), copy(device));
  }

  async unregisterDevice(userId: string, token: string, endpointArn?: string): Promise<boolean> {
    await this.table.enter('unregisterDevice');
    const device = this.table.devices.get(key(userId, token));
    if (!device || (endpointArn !== undefined && device.endpointArn !== endpointArn)) return false;
    this.table.devices.delete(key(userId, token));
    if (this.table.deviceOwners.get(token) === userId) this.table.deviceOwners.delete(token);
    return true;
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    await this.table.enter('listDevices');
    return this.devicesOf(userId).map(copy);
  }

  async setEndpoint(userId: string, token: string, endpointArn: string): Promise<boolean> {
    await this.table.enter('setEndpoint');
    const device = this.table.devices.get(key(userId, token));
    if (!device) return false;
    device.endpointArn = endpointArn;
    return true;
  }

  async claimPush(claim: PushClaim, expiresAt: number): Promise<boolean> {
    await this.table.enter('claimPush');
    if (this.table.pushClaims.has(claimKey(claim))) return false;
    this.table.pushClaims.set(claimKey(claim), expiresAt);
    return true;
  }

  async releasePush(claim: PushClaim): Promise<void> {
    await this.table.enter('releasePush');
    this.table.pushClaims.delete(claimKey(claim));
  }

  private devicesOf(userId: string): DeviceRecord[] {
    return [...this.table.devices.values()].filter((device) => device.userId === userId);
  }
}
