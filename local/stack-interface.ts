// What startLocalStack takes (every option, with its default) and what it hands back: the endpoints, and a handle on
// each emulation that tests read or drive.
import type { RuntimeConfig } from '../lambdas/adapters/config.js';
import type { HandlerOverrides } from '../lambdas/adapters/wiring.js';
import type { FanOutSettings, HeartbeatPolicy } from '../lambdas/chat/index.js';
import type { DevTokenIssuer } from './dev-token-issuer.js';
import type { LocalEventBridge } from './eventbridge/local-eventbridge.js';
import type { FunctionPlacement } from './functions/function-host.js';
import type { WebSocketRouteEvent } from './gateway/events.js';
import type { AsyncInvokerStats } from './lambda/async-invoker.js';
import type { ManagementApi } from './management-api.js';
import type { LocalPush, LocalPushOptions } from './push.js';
import type { LocalRedelivery, LocalRedeliveryOptions } from './redelivery.js';
import type { LocalS3 } from './s3/local-s3.js';
import type { LocalSchedule } from './schedule.js';

export interface LocalStackOptions {
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Default '.local-data' (relative to the working directory); null keeps everything in memory. */
  dataDir?: string | null;
  /** Seconds without a client frame before the gateway closes a connection; default 600, as API Gateway. */
  idleTimeoutS?: number;
  /** Seconds before the gateway closes any connection; default 7200, as API Gateway. */
  maxConnectionS?: number;
  /** Log level of the handlers and the gateway; default 'WARN'. */
  logLevel?: string;
  /** Replaces parts of the handlers' wiring, for fault injection in tests (the handlers then run in process). */
  overrides?: Partial<Omit<HandlerOverrides, 'verifier'>>;
  /**
   * Where the handlers run: 'in-worker' (the default) on a worker thread of their own, so they do not compete with
   * the gateway, the management API and dynalite for one event loop; 'in-process' on the caller's thread, as they must
   * when `overrides` hands them objects.
   */
  handlers?: FunctionPlacement;
  /**
   * How many handler invocations run at once; more wait, in order, until one finishes (see withConcurrencyLimit).
   * Default 16; Infinity for no limit.
   */
  maxConcurrentInvocations?: number;
  /** Sees every event handed to $connect, $disconnect and the message route, before the handler runs (tests). */
  onIntegrationEvent?: (event: WebSocketRouteEvent) => void;
  /** The folder the demo page is served from; default local/public. */
  publicDir?: string;
  /**
   * Where the handlers post (MANAGEMENT_ENDPOINT on AWS); default the stack's own @connections. A fault proxy in front
   * of `httpUrl` goes here.
   */
  managementEndpoint?: string;
  /** The redelivery queue's timing (tests shorten it). */
  redelivery?: Pick<LocalRedeliveryOptions, 'visibilityTimeoutMs' | 'maxReceiveCount'>;
  /**
   * Default true: the management API refuses (403) calls whose SigV4 signature does not verify against the local
   * credentials' secret key and region, as API Gateway does.
   */
  verifySignatures?: boolean;
  /** The push path's delay (default 5 s; tests shorten it), previews (default on) and queue timing. */
  push?: Pick<LocalPushOptions, 'delaySeconds' | 'preview' | 'visibilityTimeoutMs'>;
  /** What createUpload accepts; default images and PDF up to 25 MB, as on AWS. */
  uploads?: { contentTypes?: string[]; maxBytes?: number };
  /**
   * The split fan-out: which rooms stay inline and the batch size (default the deployed values), the fan-out worker's
   * concurrency (its reserved concurrency on AWS; default 10) and the waits before Lambda's two retries.
   */
  fanOut?: Partial<FanOutSettings> & { workerConcurrency?: number; retryDelaysMs?: readonly number[] };
  /** How often the sweeper runs (milliseconds); default every minute, as deployed. Tests shorten it. */
  sweepPeriodMs?: number;
  /**
   * How long a user whose last connection closed stays online before the sweeper announces them offline
   * (milliseconds). Default 0: at the close, which most tests rely on; deployed, 15 s (OFFLINE_GRACE_S).
   */
  offlineGraceMs?: number;
  /**
   * The heartbeat a client may declare in hello (bounds) and the sweeper's margin past it (milliseconds); default
   * the protocol's, 30 s to 9 minutes and 60 s. Tests shorten them.
   */
  heartbeat?: Partial<HeartbeatPolicy>;
}

export interface LocalStack {
  port: number;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  /** http://127.0.0.1:PORT, also the management API endpoint */
  httpUrl: string;
  /** The dev token issuer behind GET /dev/token. */
  issuer: Pick<DevTokenIssuer, 'mint' | 'jwks'>;
  /** What the handlers run with (endpoints, table, auth). */
  config: RuntimeConfig;
  /** Where the handlers run (see `LocalStackOptions.handlers`). */
  handlers: FunctionPlacement;
  /** Management API calls whose signature verified, and those refused for it (403). */
  managementSignatures: ManagementApi['signatures'];
  /** The attachment bucket's emulation (tests read an object's tags). */
  attachments: Pick<LocalS3, 'tagsOf'>;
  /** The SQS endpoint and queues of the redelivery path. */
  redelivery: Pick<LocalRedelivery, 'endpoint' | 'queueUrl' | 'deadLetterQueueUrl' | 'maxReceiveCount'>;
  /** The push path: its job queue, and the SNS emulation with what it would have sent. */
  push: {
    jobs: Pick<LocalRedelivery, 'endpoint' | 'queueUrl' | 'deadLetterQueueUrl'>;
    sns: Pick<LocalPush['sns'], 'endpoint' | 'applications' | 'pushes' | 'disableToken'>;
  };
  /** The asynchronous invocations of the fan-out worker (the Lambda Invoke API on `httpUrl`). */
  lambda: { stats(): AsyncInvokerStats; idle(): Promise<void> };
  /** The EventBridge endpoint and bus reportMessage publishes to, and what was published (GET /dev/events). */
  moderationEvents: Pick<LocalEventBridge, 'endpoint' | 'events'> & { eventBusName: string };
  /** The sweeper's schedule: `runNow()` sweeps between two ticks. */
  sweeper: Pick<LocalSchedule, 'runNow'>;
  /** Runs $disconnect for every open connection, then closes the servers and the store. */
  stop(): Promise<void>;
}
