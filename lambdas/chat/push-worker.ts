// The push function's work: one job per stored message, taken from the queue a few seconds after the message was
// sent. It pages through the room's members and pushes to every registered device of each member who is away:
// not the sender, not one who blocked the sender (a push would show what the socket hides from them), not one who
// muted the room, not one whose read marker already covers the message, and not one with a live connection that
// hears the room at this moment (the job's delay lets a reconnecting member come back first). Each push is
// claimed in the store before it is sent, so a job that SQS delivers twice, or that runs again after a failure,
// never notifies a device twice about one message. A room too large for one run continues in a job of its own.
import { describeError } from './errors.js';
import { settleWithConcurrency } from './paging.js';
import { notificationFor } from './push-notification.js';
import { hearsRoom } from './ports/connections.js';
import type {
  ChatStores,
  Clock,
  DeviceRecord,
  Logger,
  MemberRecord,
  Metrics,
  PushGateway,
  PushJob,
  PushJobQueue,
  PushNotification,
} from './ports.js';
import type { Message } from '../protocol/index.js';

export interface PushSettings {
  /** Message previews in pushes; off, every push says only GENERIC_PUSH_BODY. */
  preview: boolean;
  /** Members read per page. */
  membersPerPage: number;
  /** Members handled at once. */
  concurrency: number;
  /** How long a push claim is kept: longer than any job is retried. */
  claimTtlMs: number;
  /** Time a run keeps in hand: with less left than this, the rest of the room goes to a job of its own. */
  reserveMs: number;
}

export const DEFAULT_PUSH_SETTINGS: PushSettings = {
  preview: true,
  membersPerPage: 100,
  concurrency: 8,
  claimTtlMs: 24 * 3_600_000,
  reserveMs: 15_000,
};

export interface PushWorkerDeps {
  stores: Pick<ChatStores, 'rooms' | 'connections' | 'messages' | 'devices' | 'blocks'>;
  gateway: PushGateway;
  /** Where the rest of a large room goes. */
  jobs: PushJobQueue;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  settings: PushSettings;
  /** The badge of a user's pushes (their unread count); without it pushes carry no badge. */
  badgeFor?: (userId: string) => Promise<number | undefined>;
}

/** Some pushes of the job failed (they were not sent): the job must be tried again, and sends only those. */
export class PushJobIncompleteError extends Error {
  constructor(readonly failures: number) {
    super(`${failures} push${failures === 1 ? '' : 'es'} failed`);
    this.name = 'PushJobIncompleteError';
  }
}

type DeviceResult = 'sent' | 'repeat' | 'removed' | 'unregistered';

/** Runs one job; `remainingMs` tells how long the run may still take. Throws when it must be tried again. */
export type PushWorker = (job: PushJob, remainingMs: () => number) => Promise<void>;

export function createPushWorker(deps: PushWorkerDeps): PushWorker {
  const { stores, gateway, settings } = deps;

  async function loadMessage(job: PushJob): Promise<Message | undefined> {
    const { messages } = await stores.messages.getMessages(job.roomId, { after: job.seq - 1, limit: 1 });
    return messages[0]?.seq === job.seq ? messages[0] : undefined;
  }

  /** Away and wanting pushes, as far as the membership tells; the live connections are checked later. */
  const mayBePushed = (member: MemberRecord, message: Message, blockers: ReadonlySet<string>) =>
    member.userId !== message.senderId &&
    !blockers.has(member.userId) &&
    !member.pushMuted &&
    member.lastReadSeq < message.seq;

  async function pushToDevice(
    device: DeviceRecord,
    message: Message,
    notify: () => Promise<PushNotification>,
  ): Promise<DeviceResult> {
    const claim = { userId: device.userId, token: device.token, roomId: message.roomId, seq: message.seq };
    if (!(await stores.devices.claimPush(claim, deps.clock.now() + settings.claimTtlMs))) return 'repeat';
    try {
      let endpointArn = device.endpointArn;
      if (endpointArn === undefined) {
        endpointArn = await gateway.createEndpoint(device.platform, device.token);
        // Unregistered meanwhile: the user no longer wants pushes there.
        if (!(await stores.devices.setEndpoint(device.userId, device.token, endpointArn))) return 'unregistered';
      }
      if ((await gateway.publish(endpointArn, device.platform, await notify())) === 'sent') return 'sent';
      // Only while the device still has this endpoint: one registered again meanwhile gets a fresh endpoint.
      await stores.devices.unregisterDevice(device.userId, device.token, endpointArn);
      await gateway.deleteEndpoint(endpointArn).catch((error: unknown) => {
        deps.logger.warn('deleting a disabled push endpoint failed', describeError(error));
      });
      return 'removed';
    } catch (error) {
      // Not sent: the next try of the job must be able to send it.
      await stores.devices.releasePush(claim).catch(() => undefined);
      throw error;
    }
  }

  async function pushToMember(member: MemberRecord, message: Message, now: number): Promise<DeviceResult[]> {
    const devices = (await stores.devices.listDevices(member.userId)).filter((d) => gateway.supports(d.platform));
    if (devices.length === 0) return [];
    // A live connection that hears the room, on any device: the message reached (or will reach) the user in the app.
    // A watch connection hears only the rooms it subscribed to: a user on another screen gets the push.
    const live = await stores.connections.listConnections(member.userId, now);
    if (live.some((connection) => hearsRoom(connection, message.roomId))) return [];
    // One badge per user, read only if a push goes out at all.
    let notification: Promise<PushNotification> | undefined;
    const notify = () =>
      (notification ??= (deps.badgeFor?.(member.userId) ?? Promise.resolve(undefined)).then((badge) =>
        notificationFor(message, member.userId, { preview: settings.preview, ...(badge !== undefined && { badge }) }),
      ));
    const results = await settleWithConcurrency(devices, devices.length, (device) =>
      pushToDevice(device, message, notify),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<DeviceResult>).value);
  }

  return async (job, remainingMs) => {
    const message = await loadMessage(job);
    if (!message) {
      // Messages are stored before their job is queued: a missing one is not coming back.
      deps.logger.error('push job for a message that is not stored, dropped', { roomId: job.roomId, seq: job.seq });
      return;
    }
    // Read once per run: a block made while the job waited holds for this push too.
    const blockers = new Set(await stores.blocks.blockersOf(message.senderId));
    let cursor = job.cursor;
    let failures = 0;
    do {
      const page = await stores.rooms.listMembers(job.roomId, {
        limit: settings.membersPerPage,
        ...(cursor !== undefined && { cursor }),
      });
      const now = deps.clock.now();
      const candidates = page.items.filter((member) => mayBePushed(member, message, blockers));
      const results = await settleWithConcurrency(candidates, settings.concurrency, (member) =>
        pushToMember(member, message, now),
      );
      const tally = new Map<DeviceResult, number>();
      for (const [index, result] of results.entries()) {
        if (result.status === 'fulfilled') {
          for (const outcome of result.value) tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
          continue;
        }
        failures += 1;
        deps.logger.warn('push to a member failed; the job will be tried again', {
          roomId: job.roomId,
          seq: job.seq,
          userId: candidates[index]!.userId,
          ...describeError(result.reason),
        });
      }
      if ((tally.get('sent') ?? 0) > 0) deps.metrics.count('PushesSent', tally.get('sent'));
      if ((tally.get('removed') ?? 0) > 0) deps.metrics.count('PushEndpointsRemoved', tally.get('removed'));
      cursor = page.cursor;
      // A failure ends the run here: its retry starts from this job's cursor, and the claims skip what was sent.
      if (failures > 0) break;
      if (cursor !== undefined && remainingMs() < settings.reserveMs) {
        if (!(await deps.jobs.enqueue({ roomId: job.roomId, seq: job.seq, cursor }, 0))) {
          throw new Error('the rest of the room could not be queued as a job of its own');
        }
        return;
      }
    } while (cursor !== undefined);
    if (failures > 0) {
      deps.metrics.count('PushFailures', failures);
      throw new PushJobIncompleteError(failures);
    }
  };
}
