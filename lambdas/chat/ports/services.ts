// The ports that are not storage: the gateway's management API, the redelivery queue, time, logs and metrics.
import type { ServerFrame } from '../../protocol/index.js';

export type PostResult = 'delivered' | 'gone';

/** Sends frames to connections through the gateway's management API. */
export interface Notifier {
  /**
   * Posts an already serialised frame. 'gone' when the gateway no longer knows the connection (410).
   * Failures that may pass (throttling, 5xx, timeouts, reset sockets) are retried inside within a bounded budget;
   * when they outlast it, PostRetriesExhaustedError (errors.ts) is thrown. Other failures throw as they are.
   */
  post(connectionId: string, payload: string): Promise<PostResult>;
  /**
   * Whether the gateway still knows the connection (GET @connections/{id}: false for 410). Retried like a post;
   * PostRetriesExhaustedError when the API stays sick.
   */
  isOpen(connectionId: string): Promise<boolean>;
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
}

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
  /** Connections the sweeper found closed (their $disconnect never arrived) and removed. */
  | 'ConnectionsSwept';

export type { ServerFrame };
