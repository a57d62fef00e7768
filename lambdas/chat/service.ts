// The chat logic's entry points, one per gateway route kind. Handlers (AWS) and the local stack call these.
import { DEFAULT_FAN_OUT_SETTINGS, type FanOutSettings } from './fan-out-batches.js';
import { DEFAULT_HEARTBEAT_POLICY, type HeartbeatPolicy } from './heartbeat.js';
import type {
  AttachmentStorage,
  ChatStores,
  Clock,
  FanOutBatch,
  FanOutDispatcher,
  FrameQueue,
  Logger,
  Metrics,
  ModerationEvents,
  Notifier,
  PushJobQueue,
  UploadConfig,
} from './ports.js';
import type { RedeliveryOutcome, RedeliveryRequest } from './redelivery.js';

export interface ChatConfig {
  /** The gateway's maximum connection duration (API Gateway: 2 hours); connection items expire after it. */
  maxConnectionMs: number;
  /** Per-connection token bucket; the protocol promises at least 20 frames a second with bursts of 50. */
  rateLimit: { perSecond: number; burst: number };
  /**
   * How long after $connect returned a 410 may still mean "not registered by the gateway yet" rather than "gone"
   * (see connection-lifecycle.ts). A few seconds on AWS; none for a gateway that registers a connection in the
   * same turn as its $connect returns.
   */
  connectGraceMs: number;
  /**
   * How long a push job waits before it runs: a member who is only reconnecting is online again by then (and has
   * perhaps read the message), so gets no push.
   */
  pushDelaySeconds: number;
  /** What createUpload accepts (set by the stack) and how long its signed requests last. */
  uploads: UploadConfig;
  /** Which rooms are served inline and how the rest is batched for fan-out workers (with a dispatcher only). */
  fanOut: FanOutSettings;
  /**
   * How long a user whose last connection closed stays online before "offline" is announced (by the sweeper); a
   * reconnect within it announces nothing. 0 announces at the close.
   */
  offlineGraceMs: number;
  /** The heartbeat a client may declare in hello, and how long past it the sweeper waits (heartbeat.ts). */
  heartbeat: HeartbeatPolicy;
}

/** createUpload's defaults: images and PDF up to 25 MB. */
export const DEFAULT_UPLOADS: UploadConfig = {
  contentTypes: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'application/pdf'],
  maxBytes: 25 * 1024 * 1024,
  // Long enough for 25 MB on a slow phone link; a signed request also ends with the signing credentials' session.
  uploadUrlTtlS: 900,
  downloadUrlTtlS: 3_600,
};

export const DEFAULT_CHAT_CONFIG: ChatConfig = {
  maxConnectionMs: 7_200_000,
  rateLimit: { perSecond: 25, burst: 60 },
  connectGraceMs: 5_000,
  pushDelaySeconds: 5,
  uploads: DEFAULT_UPLOADS,
  fanOut: DEFAULT_FAN_OUT_SETTINGS,
  offlineGraceMs: 15_000,
  heartbeat: DEFAULT_HEARTBEAT_POLICY,
};

export interface ChatDeps {
  stores: ChatStores;
  notifier: Notifier;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  config: ChatConfig;
  /** Where frames go whose posts outlasted their retries (the redelivery queue); without one they are lost. */
  frameQueue?: FrameQueue;
  /** Where a push job goes for every message stored; without one nobody is pushed to. */
  pushJobs?: PushJobQueue;
  /** The attachment bucket; without one createUpload and getAttachmentUrl are refused. */
  attachments?: AttachmentStorage;
  /** Where large rooms' recipients go beyond config.fanOut.inlineMax (the message function's); else all inline. */
  fanOutDispatcher?: FanOutDispatcher;
  /** Where reportMessage publishes its event; without one, reports are only stored. */
  moderationEvents?: ModerationEvents;
}

export interface ConnectRequest {
  connectionId: string;
  userId: string;
  /** The display name the verified token carries (name, preferred_username, cognito:username, else sub). */
  tokenDisplayName: string;
  /** Epoch ms, API Gateway's requestContext.connectedAt. */
  connectedAt: number;
  /** The client asked for watch mode (`watch=1` in the query string; PROTOCOL.md, "Watch mode"). */
  watch?: boolean;
}

export interface FrameRequest {
  connectionId: string;
  /** Always from the verified token (the authorizer's context), never from the frame. */
  userId: string;
  connectedAt: number;
  body: string;
}

export interface DisconnectRequest {
  connectionId: string;
  userId: string;
}

/** What one sweep did (see sweeper.ts). */
export interface SweepOutcome {
  /** Connections looked at. */
  checked: number;
  /** Connections found gone (or expired) and removed. */
  removed: number;
  /** Of those, connections open at the gateway but silent past their declared heartbeat: closed there first. */
  silent: number;
  /** Leaving users whose grace period had passed: announced offline, or found back online. */
  settled: number;
  /** Rooms told their occupancy after a window in which it changed more than once. */
  occupancyTold: number;
  /** Connections that could not be checked or removed this time (the next sweep tries again). */
  failed: number;
}

export interface ChatService {
  onConnect(request: ConnectRequest): Promise<void>;
  onDisconnect(request: DisconnectRequest): Promise<void>;
  /** Answers the frame (ack / error through the notifier) and broadcasts; never throws for bad input. */
  onFrame(request: FrameRequest): Promise<void>;
  /** Tries queued frames again; a connection found gone is removed as by the fan-out. */
  redeliver(frames: readonly RedeliveryRequest[]): Promise<RedeliveryOutcome>;
  /** A fan-out worker's batch; throws FanOutBatchIncompleteError when it must be tried again (see fan-out.ts). */
  deliverBatch(batch: FanOutBatch): Promise<void>;
  /**
   * Finds connections closed without their $disconnect and removes them (see sweeper.ts), in the given sweep shards
   * (default all); never throws.
   */
  sweep(shards?: readonly number[]): Promise<SweepOutcome>;
}
