// Builds the push function's handler from a RuntimeConfig: the stores, the SNS gateway and the job queue once per
// execution environment, then each SQS record of push jobs run by the push worker (lambdas/chat/push-worker.ts).
import type { Context } from 'aws-lambda';
import {
  createPushWorker,
  DEFAULT_PUSH_SETTINGS,
  type PushSettings,
  type PushWorkerDeps,
} from '../chat/push-worker.js';
import { describeError } from '../chat/errors.js';
import { settleWithConcurrency } from '../chat/paging.js';
import { unreadTotalOf } from '../chat/unread.js';
import type { ChatStores, Clock, Logger, Metrics, PushGateway, PushJob, PushJobQueue } from '../chat/ports.js';
import { ConfigError, type RuntimeConfig } from './config.js';
import { createDynamoStores } from './dynamo-stores.js';
import { observabilityFor } from './observability.js';
import { createSnsPushGateway } from './sns-push-gateway.js';
import { pushJobOf } from './sqs-push-queue.js';
import { documentClientFor, pushJobQueueFor, systemClock, type QueueHandler } from './wiring.js';

export interface PushHandlerOverrides {
  stores: ChatStores;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  gateway: PushGateway;
  jobs: PushJobQueue;
  settings: Partial<PushSettings>;
  badgeFor: PushWorkerDeps['badgeFor'];
}

/** Without a Lambda context (the local stack), a run may take this long; Lambda tells the real time left. */
const LOCAL_RUN_MS = 60_000;
/** Jobs of one batch run at once (each with its own bounded concurrency over members). */
const JOBS_AT_ONCE = 4;

/**
 * Runs the push jobs of an SQS batch. A job that failed in part (pushes not sent) is reported back, so SQS hands it
 * over again after the visibility timeout; the claims make that retry send only what was not sent.
 */
export function createPushHandler(config: RuntimeConfig, overrides: Partial<PushHandlerOverrides> = {}): QueueHandler {
  if (!overrides.stores && !config.tableName) throw new ConfigError('TABLE_NAME', 'the push handler needs the table');
  if (!config.push && !overrides.gateway) {
    throw new ConfigError('PUSH_APNS_APPLICATION_ARN', 'the push handler needs a platform application (load "push")');
  }
  const observability = observabilityFor(config, overrides);
  const clock = overrides.clock ?? systemClock;
  const jobs = overrides.jobs ?? pushJobQueueFor(config, observability.logger);
  if (!jobs) throw new ConfigError('PUSH_QUEUE_URL', 'the push handler needs its queue (to continue large rooms)');
  const gateway =
    overrides.gateway ??
    createSnsPushGateway({
      region: config.region,
      applications: config.push!.applications,
      ...(config.push!.snsEndpoint && { endpoint: config.push!.snsEndpoint }),
      ...(config.credentials && { credentials: config.credentials }),
    });
  const stores =
    overrides.stores ?? createDynamoStores({ client: documentClientFor(config), tableName: config.tableName! });
  const worker = createPushWorker({
    stores,
    gateway,
    jobs,
    clock,
    logger: observability.logger,
    metrics: observability.metrics,
    settings: { ...DEFAULT_PUSH_SETTINGS, preview: config.push?.preview ?? true, ...overrides.settings },
    // The badge is the user's unread total, counted as hello counts it.
    badgeFor: overrides.badgeFor ?? ((userId) => unreadTotalOf(stores, userId)),
  });

  return (event, context?: Context) =>
    observability.run(context, {}, async () => {
      const deadline = clock.now() + LOCAL_RUN_MS;
      const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? deadline - clock.now();
      const runnable: { id: string; job: PushJob }[] = [];
      for (const record of event.Records) {
        const job = pushJobOf(record);
        // Not a job this backend queued: trying again would not change that.
        if (job) runnable.push({ id: record.messageId, job });
        else observability.logger.error('queue record is not a push job, dropped', { messageId: record.messageId });
      }
      const results = await settleWithConcurrency(runnable, JOBS_AT_ONCE, ({ job }) => worker(job, remainingMs));
      const batchItemFailures: { itemIdentifier: string }[] = [];
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') return;
        const { id, job } = runnable[index]!;
        observability.logger.warn('push job to be tried again', {
          roomId: job.roomId,
          seq: job.seq,
          ...describeError(result.reason),
        });
        batchItemFailures.push({ itemIdentifier: id });
      });
      return { batchItemFailures };
    });
}
