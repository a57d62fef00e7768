// Push devices: the tokens a user registered with APNs or FCM, the platform endpoint created for each, and the
// markers that keep a repeated push job from notifying a device twice about one message.
import type { PushPlatform } from '../../protocol/index.js';

export interface DeviceRecord {
  userId: string;
  platform: PushPlatform;
  /** The token the app got from APNs or FCM; identifies the device (one user at a time). */
  token: string;
  registeredAt: number;
  /** The SNS platform endpoint made from the token; absent until the first push (and after a re-registration). */
  endpointArn?: string;
}

/** One push: a message of a room to one device of one user. */
export interface PushClaim {
  userId: string;
  token: string;
  roomId: string;
  seq: number;
}

export interface DeviceStore {
  /**
   * Registers the token for the user, taking it from any other user it was registered to (a phone changed hands, or
   * another account signed in on it). A re-registration clears the endpoint, so the next push creates (and if need
   * be re-enables) it afresh. Keeps at most `maxPerUser` devices, dropping the least recently registered ones.
   */
  registerDevice(device: Omit<DeviceRecord, 'endpointArn'>, maxPerUser: number): Promise<void>;
  /**
   * Removes the user's device; true when it was theirs. With `endpointArn`, only while the device still has that
   * endpoint (a device re-registered meanwhile is kept).
   */
  unregisterDevice(userId: string, token: string, endpointArn?: string): Promise<boolean>;
  /** The user's devices (at most the cap, give or take racing registrations). */
  listDevices(userId: string): Promise<DeviceRecord[]>;
  /** Records the endpoint made for the device; false (nothing written) when the user no longer has it. */
  setEndpoint(userId: string, token: string, endpointArn: string): Promise<boolean>;
  /**
   * Marks the push as sent before it is sent; false when it was marked already (a repeated job). The mark expires
   * at `expiresAt` (epoch ms).
   */
  claimPush(claim: PushClaim, expiresAt: number): Promise<boolean>;
  /** Takes a mark back after the push failed, so the job's next try sends it. */
  releasePush(claim: PushClaim): Promise<void>;
}
