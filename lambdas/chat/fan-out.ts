// Delivery of frames to connections: to a room's subscribers (one paginated read of its subscriptions, never a
// scan) or to named connections. Each frame is serialised once and the same string posted to every recipient.
// Bounded concurrency with allSettled semantics: a recipient that is gone is cleaned up after the others were
// served; one whose posts kept failing in a way that may pass gets its frames queued for redelivery; one that
// refuses a frame outright is counted and logged. None of them holds up the rest.
import type { ServerFrame } from '../protocol/index.js';
import { describeError, PostRetriesExhaustedError } from './errors.js';
import { settleWithConcurrency } from './paging.js';
import type {
  ChatStores,
  Clock,
  FrameQueue,
  Logger,
  Metrics,
  Notifier,
  Page,
  QueuedFrame,
  SubscriptionRecord,
} from './ports.js';
import { serializeFrame } from './wire-format.js';

export interface Recipient {
  connectionId: string;
  userId: string;
}

/** Who a room broadcast skips: the connection that caused it, and/or every connection of some users. */
export interface Exclusion {
  connectionId?: string;
  userIds?: readonly string[];
}

export interface FanOut {
  /** Every unmuted, live subscriber of the room but the excluded ones. Never throws. */
  toRoom(roomId: string, frames: ServerFrame | readonly ServerFrame[], exclude?: Exclusion): Promise<void>;
  /** The named connections. Never throws. */
  toRecipients(recipients: readonly Recipient[], frames: ServerFrame | readonly ServerFrame[]): Promise<void>;
  /** The answer (ack or error, or one serialised already) to the connection that sent a request. Never throws. */
  reply(recipient: Recipient, frame: ServerFrame | string): Promise<void>;
}

export interface FanOutDeps {
  stores: Pick<ChatStores, 'subscriptions'>;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  /** Where frames go whose posts outlasted their retries; without one they are counted as lost. */
  frameQueue?: FrameQueue;
  /**
   * Removes a connection the gateway answered 410 for, as if it had disconnected; 'opening' when it kept it because
   * the gateway had not opened it yet (see connection-lifecycle.ts).
   */
  onGone: (recipient: Recipient, foundInRoomId?: string) => Promise<'removed' | 'opening'>;
  /** Posts in flight at once (the AWS SDK's default socket count is 50). */
  concurrency?: number;
  subscriptionPageSize?: number;
}

type PostOutcome = 'delivered' | 'gone' | 'deferred' | 'failed';

/** The gateway registers a connection a moment after its $connect returns; frames refused before that wait this long. */
const FRAMES_BEFORE_OPEN_DELAY_S = 1;

const queuedFrame = ({ connectionId, userId }: Recipient, payload: string): QueuedFrame => ({
  connectionId,
  userId,
  payload,
});

/** A recipient the gateway answered 410 for, and the frames it did not get (from the one refused on). */
interface GoneRecipient {
  recipient: Recipient;
  undelivered: readonly string[];
}

export function createFanOut(deps: FanOutDeps): FanOut {
  const concurrency = deps.concurrency ?? 50;
  const pageSize = deps.subscriptionPageSize ?? 100;

  async function post(recipient: Recipient, payload: string): Promise<PostOutcome> {
    try {
      return await deps.notifier.post(recipient.connectionId, payload);
    } catch (error) {
      const deferred = error instanceof PostRetriesExhaustedError;
      const cause = deferred && error.cause !== undefined ? describeError(error.cause) : undefined;
      deps.logger.warn('post to connection failed', {
        connectionId: recipient.connectionId,
        deferred,
        ...describeError(error),
        ...(cause && { causeName: cause.errorName, causeMessage: cause.errorMessage }),
      });
      return deferred ? 'deferred' : 'failed';
    }
  }

  /** Hands frames that could not be delivered yet to the redelivery queue; what it cannot take is lost. */
  async function defer(frames: readonly QueuedFrame[], options?: { delaySeconds?: number }): Promise<void> {
    if (frames.length === 0) return;
    const { queued, failed } = deps.frameQueue
      ? await deps.frameQueue.enqueue(frames, options)
      : { queued: 0, failed: frames.length };
    if (queued > 0) deps.metrics.count('FramesQueued', queued);
    if (failed > 0) {
      deps.metrics.count('FanOutFailures', failed);
      // Connection ids only: frame content never reaches a log line.
      deps.logger.error('frames lost: posts kept failing and they could not be queued', {
        frames: failed,
        connectionIds: [...new Set(frames.map((frame) => frame.connectionId))].slice(0, 20),
      });
    }
  }

  /**
   * Posts every payload, in order, to every recipient; returns the recipients found gone. Once a recipient's post is
   * deferred, its later payloads are queued behind it untried: they would meet the same sick API, and queued
   * together they keep their order better.
   */
  async function deliver(recipients: readonly Recipient[], payloads: readonly string[]): Promise<GoneRecipient[]> {
    let delivered = 0;
    let failed = 0;
    const gone: GoneRecipient[] = [];
    const deferred: QueuedFrame[] = [];
    await settleWithConcurrency(recipients, concurrency, async (recipient) => {
      for (const [index, payload] of payloads.entries()) {
        const outcome = await post(recipient, payload);
        if (outcome === 'gone') {
          gone.push({ recipient, undelivered: payloads.slice(index) });
          return;
        }
        if (outcome === 'deferred') {
          for (const later of payloads.slice(index)) deferred.push(queuedFrame(recipient, later));
          return;
        }
        if (outcome === 'delivered') delivered += 1;
        else failed += 1;
      }
    });
    if (delivered > 0) deps.metrics.count('Deliveries', delivered);
    if (failed > 0) deps.metrics.count('FanOutFailures', failed);
    if (gone.length > 0) deps.metrics.count('GoneConnections', gone.length);
    await defer(deferred);
    return gone;
  }

  /**
   * Frames that reached a connection before the gateway had opened it (410 while its $connect ran, or just after).
   * They go to the redelivery queue like frames whose posts kept failing, held back for a moment so that the
   * connection is open when they are tried again (one still opening then is tried later still; one closed meanwhile
   * is cleaned up). Clients drop what they already have by seq, e.g. a message their history catch-up brought.
   */
  async function framesBeforeOpen(gone: GoneRecipient): Promise<void> {
    deps.logger.info('frames reached a connection before it opened', {
      connectionId: gone.recipient.connectionId,
      frames: gone.undelivered.length,
    });
    await defer(
      gone.undelivered.map((payload) => queuedFrame(gone.recipient, payload)),
      { delaySeconds: FRAMES_BEFORE_OPEN_DELAY_S },
    );
  }

  async function removeGone(gone: readonly GoneRecipient[], foundInRoomId?: string): Promise<void> {
    const results = await settleWithConcurrency(gone, 10, async (entry) => {
      if ((await deps.onGone(entry.recipient, foundInRoomId)) === 'opening') await framesBeforeOpen(entry);
    });
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        deps.logger.error('removing a gone connection failed', {
          connectionId: gone[index]!.recipient.connectionId,
          ...describeError(result.reason),
        });
      }
    });
  }

  function listPage(roomId: string, cursor: string | undefined): Promise<Page<SubscriptionRecord>> {
    const page = deps.stores.subscriptions.listSubscriptions(roomId, deps.clock.now(), { cursor, limit: pageSize });
    // The next page is read while the current one is delivered; it is awaited later, so its failure must not
    // count as unhandled in the meantime.
    page.catch(() => undefined);
    return page;
  }

  const asList = (frames: ServerFrame | readonly ServerFrame[]): readonly ServerFrame[] =>
    Array.isArray(frames) ? frames : [frames as ServerFrame];

  return {
    async toRoom(roomId, frames, exclude = {}) {
      const payloads = asList(frames).map(serializeFrame);
      const excludedUsers = new Set(exclude.userIds ?? []);
      const isRecipient = (subscription: SubscriptionRecord): boolean =>
        !subscription.muted &&
        subscription.connectionId !== exclude.connectionId &&
        !excludedUsers.has(subscription.userId);
      const gone: GoneRecipient[] = [];
      try {
        let pending: Promise<Page<SubscriptionRecord>> | undefined = listPage(roomId, undefined);
        while (pending) {
          const page: Page<SubscriptionRecord> = await pending;
          pending = page.cursor === undefined ? undefined : listPage(roomId, page.cursor);
          gone.push(...(await deliver(page.items.filter(isRecipient), payloads)));
        }
      } catch (error) {
        // Subscribers not reached yet miss this event; clients close such gaps with getHistory.
        deps.metrics.count('FanOutFailures');
        deps.logger.error("reading a room's subscribers failed", { roomId, ...describeError(error) });
      }
      await removeGone(gone, roomId);
    },

    async toRecipients(recipients, frames) {
      const payloads = asList(frames).map(serializeFrame);
      const distinct = [...new Map(recipients.map((r) => [r.connectionId, r])).values()];
      await removeGone(await deliver(distinct, payloads));
    },

    async reply(recipient, frame) {
      const payload = typeof frame === 'string' ? frame : serializeFrame(frame);
      const outcome = await post(recipient, payload);
      if (outcome === 'gone') {
        deps.metrics.count('GoneConnections');
        await removeGone([{ recipient, undelivered: [payload] }]);
      } else if (outcome === 'deferred') {
        await defer([queuedFrame(recipient, payload)]);
      }
    },
  };
}
