// The push path on the local stack, as on AWS: the message handler queues a push job per message in an SQS queue
// with a delay, the very same push handler takes the jobs from it (local/queued-function.ts), and publishes through
// the real SNS client to the SNS emulation (local/sns), which keeps every push for GET /dev/push.
import type { PushConfig } from '../lambdas/adapters/config.js';
import type { Logger } from '../lambdas/chat/ports.js';
import { startLocalQueuedFunction, type LocalQueuedFunction } from './queued-function.js';
import { startLocalSns, type LocalSns } from './sns/local-sns.js';

export interface LocalPushOptions {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  logger: Logger;
  /** Seconds a push job waits before it runs; default 5, as deployed (tests shorten it). */
  delaySeconds?: number;
  /** Message previews in pushes; default true. */
  preview?: boolean;
  /** How long a job taken from the queue stays out of sight; default 60 s, longer than one run of the function. */
  visibilityTimeoutMs?: number;
}

export interface LocalPush {
  sns: LocalSns;
  jobs: LocalQueuedFunction;
  delaySeconds: number;
  /** The push function's settings for the handlers' config. */
  config: PushConfig;
  stop(): Promise<void>;
}

export async function startLocalPush(options: LocalPushOptions): Promise<LocalPush> {
  const sns = await startLocalSns({ region: options.region });
  try {
    const jobs = await startLocalQueuedFunction({
      queueName: 'chat-push',
      region: options.region,
      credentials: options.credentials,
      logger: options.logger,
      visibilityTimeoutMs: options.visibilityTimeoutMs ?? 60_000,
      maxReceiveCount: 5,
    });
    return {
      sns,
      jobs,
      delaySeconds: options.delaySeconds ?? 5,
      config: { applications: sns.applications, preview: options.preview ?? true, snsEndpoint: sns.endpoint },
      async stop() {
        await jobs.stop();
        await sns.stop();
      },
    };
  } catch (error) {
    await sns.stop();
    throw error;
  }
}
