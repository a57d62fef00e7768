// The ports that are not storage: the gateway's management API, time, logs and metrics.
import type { ServerFrame } from '../../protocol/index.js';

export type PostResult = 'delivered' | 'gone';

/** Sends frames to connections through the gateway's management API. */
export interface Notifier {
  /**
   * Posts an already serialised frame. 'gone' when the gateway no longer knows the connection (410).
   * Throttling is retried inside; other failures throw.
   */
  post(connectionId: string, payload: string): Promise<PostResult>;
  /** Closes a connection at the gateway (used for connections that must not stay open). */
  close(connectionId: string): Promise<void>;
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
  | 'ActionErrors';

export type { ServerFrame };
