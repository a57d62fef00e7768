// The ports that are not storage: the gateway's management API, the redelivery queue, time, logs and metrics.
import type { ServerFrame } from '../../protocol/index.js';
import type { ReportRecord } from './reports.js';

export type PostResult = 'delivered' | 'gone';

/** An open connection as the gateway describes it. */
export interface GatewayConnection {
  /** When the client last sent a frame (epoch ms), if the answer said so readably. */
  lastActiveAt?: number;
}

/** Sends frames to connections through the gateway's management API. */
export interface Notifier {
  /**
   * Posts an already serialised frame. 'gone' when the gateway no longer knows the connection (410).
   * Failures that may pass (throttling, 5xx, timeouts, reset sockets) are retried inside within a bounded budget;
   * when they outlast it, PostRetriesExhaustedError (errors.ts) is thrown. Other failures throw as they are.
   */
  post(connectionId: string, payload: string): Promise<PostResult>;
  /**
   * What the gateway knows of the connection (GET @connections/{id}); undefined when it no longer knows it (410).
   * Retried like a post; PostRetriesExhaustedError when the API stays sick.
   */
  describeConnection(connectionId: string): Promise<GatewayConnection | undefined>;
  /** Closes a connection at the gateway (used for connections that must not stay open). */
  close(connectionId: string): Promise<void>;
}

/** A frame that could not be delivered yet, kept for another try later. */
export interface QueuedFrame {
  connectionId: string;
  userId: string;
  /** The serialised frame, exactly as it would have been posted. */
  payload: string;
}

/** Durable storage for frames whose posts kept failing: redelivered later, apart from the request that sent them. */
export interface FrameQueue {
  /**
   * Queues every frame it can; never throws. `failed` frames are lost (the caller logs and counts them). With
   * `delaySeconds` the first try comes no sooner than that.
   */
  enqueue(
    frames: readonly QueuedFrame[],
    options?: { delaySeconds?: number },
  ): Promise<{ queued: number; failed: number }>;
}

/**
 * One page of a large room's recipients, handed to a fan-out worker: the frames exactly as they are posted, and the
 * recipients already filtered by the exclusion (which travels along, and the worker applies again).
 */
export interface FanOutBatch {
  roomId: string;
  payloads: readonly string[];
  recipients: readonly { connectionId: string; userId: string }[];
  exclude: { connectionId?: string; userIds?: readonly string[] };
  /** Live subscribers the room had when the fan-out read it: the size bucket of FanOutDuration. */
  roomSize: number;
  /** Epoch ms when the fan-out started (the message function's clock): FanOutDuration runs from here. */
  startedAt: number;
}

/** Hands pages of a large room's recipients to worker invocations that deliver them in parallel. */
export interface FanOutDispatcher {
  /** The largest batch dispatch takes, in UTF-8 bytes of its JSON (the invocation payload limit). */
  readonly maxBatchBytes: number;
  /**
   * Starts one worker per batch and returns without waiting for their deliveries. Never throws: the batches it could
   * not hand over are returned, and the caller delivers them itself.
   */
  dispatch(batches: readonly FanOutBatch[]): Promise<{ failed: readonly FanOutBatch[] }>;
}

/** Where moderation events go for an operator to route (EventBridge on AWS and on the local stack). */
export interface ModerationEvents {
  /** Publishes that a message was reported; throws when the event could not be published. */
  messageReported(report: ReportRecord): Promise<void>;
}

export interface Clock {
  now(): number;
}

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Counters the handlers publish (CloudWatch metrics on AWS). */
export interface Metrics {
  count(name: MetricName, value?: number): void;
  /**
   * Milliseconds from a room fan-out's start to the last delivery of one invocation's share, by room size. Optional:
   * a Metrics without it records no durations.
   */
  fanOutDuration?(ms: number, roomSize: RoomSizeBucket): void;
}

/** The dimension FanOutDuration is split by: the room's live subscribers when the fan-out read them. */
export type RoomSizeBucket = '≤100' | '≤1k' | '≤10k' | '>10k';

export type MetricName =
  | 'ConnectionsOpened'
  | 'ConnectionsClosed'
  | 'MessagesSent'
  | 'Deliveries'
  | 'FanOutFailures'
  | 'GoneConnections'
  | 'ActionErrors'
  /** Frames handed to the redelivery queue after their posts kept failing. */
  | 'FramesQueued'
  /** Queued frames a later try delivered. */
  | 'FramesRedelivered'
  /** Queued frames no try could deliver: the client closes the gap with getHistory. */
  | 'FramesGivenUp'
  /** Push notifications handed to the push service, one per device. */
  | 'PushesSent'
  /** Devices removed because the push service reported their endpoint disabled. */
  | 'PushEndpointsRemoved'
  /** Pushes that failed (the job is tried again), and push jobs that could not be queued (lost). */
  | 'PushFailures'
  /** Pages of a large room's recipients handed to fan-out workers. */
  | 'FanOutBatchesDispatched'
  /** Pages that could not be handed to a worker (dispatch failed, or frames too large): delivered inline instead. */
  | 'FanOutBatchesInline'
  | 'MessagesReported'
  /** Reports stored whose moderation event could not be published (the report itself is kept). */
  | 'ModerationEventsFailed'
  /** Files of deleted messages whose removal failed (each is left to the bucket's lifecycle rule, see the log). */
  | 'AttachmentRemovalFailures'
  /** Connections the sweeper found closed (their $disconnect never arrived) and removed. */
  | 'ConnectionsSwept'
  /** Of those, connections the sweeper closed because they were silent past their declared heartbeat. */
  | 'ConnectionsSilent';

export type { ServerFrame };
