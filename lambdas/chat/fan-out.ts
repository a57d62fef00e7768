// Delivery of frames to connections: to a room's subscribers (one paginated read of its subscriptions, never a
// scan) or to named connections. Each frame is serialised once and the same string posted to every recipient.
// A room larger than the inline threshold is split: its first recipients are served here, the rest are read in
// large pages and handed in batches to fan-out workers (FanOutDispatcher), which deliver them in parallel through
// deliverBatch with the same rules; a batch that cannot be handed over is delivered here, never dropped.
// Bounded concurrency with allSettled semantics: a recipient that is gone is cleaned up after the others were
// served; one whose posts kept failing in a way that may pass gets its frames queued for redelivery; one that
// refuses a frame outright is counted and logged. None of them holds up the rest.
import type { ServerFrame } from '../protocol/index.js';
import { describeError, FanOutBatchIncompleteError, PostRetriesExhaustedError } from './errors.js';
import { DEFAULT_FAN_OUT_SETTINGS, planBatches, roomSizeBucket, type FanOutSettings } from './fan-out-batches.js';
import { settleWithConcurrency } from './paging.js';
import type {
  ChatStores,
  Clock,
  FanOutBatch,
  FanOutDispatcher,
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
  /**
   * A worker's share of a large room (see toRoom). Throws FanOutBatchIncompleteError when frames could neither be
   * delivered nor queued, so the batch is tried again as a whole.
   */
  deliverBatch(batch: FanOutBatch): Promise<void>;
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
  /** Where a large room's recipients beyond `fanOut.inlineMax` go; without one every room is served inline. */
  dispatcher?: FanOutDispatcher;
  fanOut?: FanOutSettings;
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

/** Subscriptions per read once a room is known to be large: one DynamoDB page holds about 6,000 of them. */
const LARGE_ROOM_PAGE_SIZE = 1_000;

export function createFanOut(deps: FanOutDeps): FanOut {
  const concurrency = deps.concurrency ?? 50;
  const pageSize = deps.subscriptionPageSize ?? 100;
  const settings = deps.fanOut ?? DEFAULT_FAN_OUT_SETTINGS;

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

  /** Hands frames to the redelivery queue; returns how many it could not take. */
  async function enqueue(frames: readonly QueuedFrame[], options?: { delaySeconds?: number }): Promise<number> {
    const { queued, failed } = deps.frameQueue
      ? await deps.frameQueue.enqueue(frames, options)
      : { queued: 0, failed: frames.length };
    if (queued > 0) deps.metrics.count('FramesQueued', queued);
    return failed;
  }

  /** Hands frames that could not be delivered yet to the redelivery queue; what it cannot take is lost. */
  async function defer(frames: readonly QueuedFrame[], options?: { delaySeconds?: number }): Promise<void> {
    if (frames.length === 0) return;
    const failed = await enqueue(frames, options);
    if (failed > 0) {
      deps.metrics.count('FanOutFailures', failed);
      // Connection ids only: frame content never reaches a log line.
      deps.logger.error('frames lost: posts kept failing and they could not be queued', {
        frames: failed,
        connectionIds: connectionIdsOf(frames),
      });
    }
  }

  /**
   * Posts every payload, in order, to every recipient; returns the recipients found gone and the frames to queue for
   * redelivery. Once a recipient's post is deferred, its later payloads are queued behind it untried: they would
   * meet the same sick API, and queued together they keep their order better.
   */
  async function postAll(
    recipients: readonly Recipient[],
    payloads: readonly string[],
  ): Promise<{ gone: GoneRecipient[]; deferred: QueuedFrame[] }> {
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
    return { gone, deferred };
  }

  /** postAll, with what failed handed to the redelivery queue; returns the recipients found gone. */
  async function deliver(recipients: readonly Recipient[], payloads: readonly string[]): Promise<GoneRecipient[]> {
    const { gone, deferred } = await postAll(recipients, payloads);
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

  function listPage(roomId: string, cursor: string | undefined, limit: number): Promise<Page<SubscriptionRecord>> {
    const page = deps.stores.subscriptions.listSubscriptions(roomId, deps.clock.now(), { cursor, limit });
    // The next page is read while the current one is delivered; it is awaited later, so its failure must not
    // count as unhandled in the meantime.
    page.catch(() => undefined);
    return page;
  }

  const asList = (frames: ServerFrame | readonly ServerFrame[]): readonly ServerFrame[] =>
    Array.isArray(frames) ? frames : [frames as ServerFrame];

  return {
    async toRoom(roomId, frames, exclude = {}) {
      const startedAt = deps.clock.now();
      const payloads = asList(frames).map(serializeFrame);
      const excludedUsers = new Set(exclude.userIds ?? []);
      const isRecipient = (subscription: SubscriptionRecord): boolean =>
        !subscription.muted &&
        subscription.connectionId !== exclude.connectionId &&
        !excludedUsers.has(subscription.userId);
      const inlineMax = deps.dispatcher ? settings.inlineMax : Infinity;
      const gone: GoneRecipient[] = [];
      /** Recipients beyond inlineMax: known only once the room proved larger than it. */
      const overflow: Recipient[] = [];
      let inlineShare: Promise<GoneRecipient[]> = Promise.resolve([]);
      let recipients = 0;
      try {
        let pending: Promise<Page<SubscriptionRecord>> | undefined = listPage(roomId, undefined, pageSize);
        while (pending) {
          const page: Page<SubscriptionRecord> = await pending;
          const pageRecipients: Recipient[] = page.items.filter(isRecipient).map(recipientOf);
          const inlineCount = Math.max(0, Math.min(pageRecipients.length, inlineMax - recipients));
          recipients += pageRecipients.length;
          overflow.push(...pageRecipients.slice(inlineCount));
          const nextLimit = recipients > inlineMax ? LARGE_ROOM_PAGE_SIZE : pageSize;
          pending = page.cursor === undefined ? undefined : listPage(roomId, page.cursor, nextLimit);
          if (overflow.length === 0) {
            // A room within the threshold so far: its pages are delivered one after the other, the next one read
            // meanwhile.
            gone.push(...(await deliver(pageRecipients, payloads)));
          } else if (inlineCount > 0) {
            // The page that crossed the threshold: its first part is served here while the rest of the room is read.
            inlineShare = deliver(pageRecipients.slice(0, inlineCount), payloads);
          }
        }
      } catch (error) {
        // Subscribers not read yet miss this event; clients close such gaps with getHistory.
        deps.metrics.count('FanOutFailures');
        deps.logger.error("reading a room's subscribers failed", { roomId, ...describeError(error) });
      }
      if (overflow.length > 0) {
        const template = { roomId, payloads, exclude: exclusionOf(exclude), roomSize: recipients, startedAt };
        const leftOver = await dispatchOverflow(template, overflow);
        gone.push(...(await inlineShare), ...(await deliver(leftOver, payloads)));
      }
      recordDuration(startedAt, recipients);
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

    async deliverBatch(batch) {
      // The exclusion is applied again here: a batch never reaches a connection or user its event must skip.
      const excludedUsers = new Set(batch.exclude.userIds ?? []);
      const recipients = [...new Map(batch.recipients.map((r) => [r.connectionId, recipientOf(r)])).values()].filter(
        (r) => r.connectionId !== batch.exclude.connectionId && !excludedUsers.has(r.userId),
      );
      const { gone, deferred } = await postAll(recipients, batch.payloads);
      // In a worker, frames the queue could not take are not lost yet: the batch is tried again.
      const unsettled = deferred.length > 0 ? await enqueue(deferred) : 0;
      if (unsettled > 0) {
        deps.logger.error('fan-out batch: frames could not be queued; the batch is tried again', {
          frames: unsettled,
          connectionIds: connectionIdsOf(deferred),
        });
      }
      recordDuration(batch.startedAt, batch.roomSize);
      await removeGone(gone, batch.roomId);
      if (unsettled > 0) throw new FanOutBatchIncompleteError(unsettled);
    },
  };

  /**
   * Hands the overflow to workers; returns the recipients it could not hand over (the frames outgrow an invocation,
   * or the dispatch failed), which the caller delivers itself.
   */
  async function dispatchOverflow(template: Omit<FanOutBatch, 'recipients'>, overflow: Recipient[]) {
    const dispatcher = deps.dispatcher!;
    const plan = planBatches(template, overflow, {
      batchSize: settings.batchSize,
      maxBytes: dispatcher.maxBatchBytes,
    });
    if (plan.tooLarge.length > 0) {
      deps.metrics.count('FanOutBatchesInline');
      deps.logger.warn('frames too large for a fan-out worker: delivered inline', {
        roomId: template.roomId,
        recipients: plan.tooLarge.length,
      });
    }
    const { failed } = plan.batches.length > 0 ? await dispatcher.dispatch(plan.batches) : { failed: [] };
    const dispatched = plan.batches.length - failed.length;
    if (dispatched > 0) deps.metrics.count('FanOutBatchesDispatched', dispatched);
    if (failed.length > 0) {
      deps.metrics.count('FanOutBatchesInline', failed.length);
      deps.logger.warn('fan-out batches could not be dispatched: delivered inline', {
        roomId: template.roomId,
        batches: failed.length,
      });
    }
    return [...plan.tooLarge, ...failed.flatMap((batch) => batch.recipients)].map(recipientOf);
  }

  function recordDuration(startedAt: number, roomSize: number): void {
    deps.metrics.fanOutDuration?.(Math.max(0, deps.clock.now() - startedAt), roomSizeBucket(roomSize));
  }
}

const connectionIdsOf = (frames: readonly QueuedFrame[]): string[] =>
  [...new Set(frames.map((frame) => frame.connectionId))].slice(0, 20);

const recipientOf = ({ connectionId, userId }: Recipient): Recipient => ({ connectionId, userId });

/** The exclusion as plain data for a batch (no undefined fields: it travels as JSON). */
function exclusionOf(exclude: Exclusion): FanOutBatch['exclude'] {
  return {
    ...(exclude.connectionId !== undefined && { connectionId: exclude.connectionId }),
    ...(exclude.userIds && exclude.userIds.length > 0 && { userIds: [...exclude.userIds] }),
  };
}
