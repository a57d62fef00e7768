// The Notifier port over API Gateway's management API (@connections): signed requests over keep-alive sockets
// (management-http.ts), with bounded retries of what may pass. On AWS the endpoint is https://{domainName}/{stage};
// on the local stack it is the emulator's http:// endpoint. Same code.
import { PostRetriesExhaustedError } from '../chat/errors.js';
import type { GatewayConnection, Notifier, PostResult } from '../chat/ports.js';
import { cachedByKey } from './cached-by-key.js';
import { createManagementHttp, type ManagementHttp } from './management-http.js';

export interface ManagementNotifierOptions {
  /** https://{domainName}/{stage} on AWS; the local stack's http://127.0.0.1:PORT. */
  endpoint: string;
  region: string;
  /** Local only; on AWS the SDK's default chain (the function's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * Attempts per call while it fails in a way that may pass (throttling, a 5xx, a timeout, a reset socket), the first
   * one included.
   */
  maxAttempts?: number;
  /**
   * The invocation's retry deadline (epoch ms), read at the start of each call: no attempt starts and no backoff is
   * waited past it, so a big fan-out against a sick API ends in time for its frames to be queued for redelivery.
   */
  retryDeadline?: () => number | undefined;
  /** Full-jitter exponential backoff: the n-th retry waits a random time below min(maxDelayMs, baseDelayMs * 2^n). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Sockets per endpoint; fan-out keeps about this many posts in flight. */
  maxSockets?: number;
  /** Gives up on a call that has not connected / answered by then, so one stuck post cannot hold up a fan-out. */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface ManagementNotifier extends Notifier {
  readonly endpoint: string;
  /** Closes the keep-alive sockets (the local stack's shutdown, tests). */
  destroy(): void;
}

const DEFAULTS = {
  maxAttempts: 4,
  baseDelayMs: 50,
  maxDelayMs: 1_000,
  maxSockets: 50,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
};

const THROTTLING_ERROR_NAMES = new Set([
  'LimitExceededException',
  'TooManyRequestsException',
  'TooManyRequests',
  'ThrottlingException',
  'Throttling',
]);

export function createManagementNotifier(options: ManagementNotifierOptions): ManagementNotifier {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  const http = createManagementHttp({
    endpoint: options.endpoint,
    region: options.region,
    ...(options.credentials && { credentials: options.credentials }),
    maxSockets: settings.maxSockets,
    connectionTimeoutMs: settings.connectionTimeoutMs,
    requestTimeoutMs: settings.requestTimeoutMs,
  });
  return notifierOver(http, options);
}

/**
 * The notifier's rules over any way of making the calls: the bench measures the AWS SDK client through it, and the
 * same retries, outcomes and errors hold whatever sends the requests. No one else retries: 410 is an answer, and
 * a failure that may pass is retried here, where the backoff is ours to bound so one slow recipient cannot hold a
 * fan-out near the integration timeout.
 */
export function notifierOver(
  http: ManagementHttp,
  options: Pick<ManagementNotifierOptions, 'endpoint' | 'maxAttempts' | 'retryDeadline' | 'baseDelayMs' | 'maxDelayMs'>,
): ManagementNotifier {
  const settings = { ...DEFAULTS, ...definedOnly(options) };
  if (!Number.isInteger(settings.maxAttempts) || settings.maxAttempts < 1) {
    throw new RangeError('maxAttempts: must be a whole number of at least 1');
  }

  /**
   * Full-jitter exponential backoff within two bounds: maxAttempts per call, and the invocation's retry deadline.
   * Throws PostRetriesExhaustedError when a transient failure outlasts them; anything else (410 included) at once.
   */
  async function withRetries<T>(call: () => Promise<T>): Promise<T> {
    const deadline = settings.retryDeadline?.();
    let lastFailure: { kind: TransientFailure; error: unknown } | undefined;
    for (let attempt = 1; ; attempt += 1) {
      if (deadline !== undefined && Date.now() >= deadline) {
        throw new PostRetriesExhaustedError(attempt - 1, lastFailure?.kind ?? 'budget', { cause: lastFailure?.error });
      }
      try {
        return await call();
      } catch (error) {
        const kind = transientFailureOf(error);
        if (!kind) throw error;
        lastFailure = { kind, error };
        if (attempt >= settings.maxAttempts) throw new PostRetriesExhaustedError(attempt, kind, { cause: error });
        const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
        const wait = Math.random() * ceiling;
        if (deadline !== undefined && Date.now() + wait >= deadline) {
          throw new PostRetriesExhaustedError(attempt, kind, { cause: error });
        }
        await sleep(wait);
      }
    }
  }

  return {
    endpoint: options.endpoint,
    async post(connectionId: string, payload: string): Promise<PostResult> {
      try {
        await withRetries(() => http.call('POST', connectionId, payload));
        return 'delivered';
      } catch (error) {
        if (isGone(error)) return 'gone';
        throw error;
      }
    },
    async describeConnection(connectionId: string): Promise<GatewayConnection | undefined> {
      try {
        const answer = await withRetries(() => http.call('GET', connectionId));
        return gatewayConnectionOf(answer.body);
      } catch (error) {
        if (isGone(error)) return undefined;
        throw error;
      }
    },
    async close(connectionId: string): Promise<void> {
      try {
        await withRetries(() => http.call('DELETE', connectionId));
      } catch (error) {
        // Already gone is what closing wanted.
        if (!isGone(error)) throw error;
      }
    },
    destroy(): void {
      http.destroy();
    },
  };
}

/** One notifier (and socket pool) per endpoint for the life of the execution environment. */
export const managementNotifierFor = cachedByKey(
  (options: ManagementNotifierOptions) => options.endpoint,
  createManagementNotifier,
);

/**
 * The management endpoint for an event: the configured one (local stack), else the API's own, https://{domainName}/{stage}.
 * Behind a custom domain, requestContext carries the custom domain name: configure the execute-api endpoint instead.
 */
export function managementEndpointFor(
  configured: string | undefined,
  requestContext: { domainName?: string; stage?: string },
): string {
  if (configured) return configured;
  const { domainName, stage } = requestContext;
  if (!domainName || !stage) {
    throw new Error(
      'requestContext.domainName and .stage are needed to derive the management endpoint (or set MANAGEMENT_ENDPOINT)',
    );
  }
  return `https://${domainName}/${stage}`;
}

/**
 * GetConnection's answer: `{ connectedAt, identity, lastActiveAt }`, times in ISO 8601. An answer without a readable
 * lastActiveAt still says the connection is open: nothing is decided on a time it did not give.
 */
export function gatewayConnectionOf(body: string): GatewayConnection {
  let lastActiveAt: unknown;
  try {
    lastActiveAt = (JSON.parse(body) as { lastActiveAt?: unknown } | null)?.lastActiveAt;
  } catch {
    return {};
  }
  const at = typeof lastActiveAt === 'string' ? Date.parse(lastActiveAt) : NaN;
  return Number.isFinite(at) ? { lastActiveAt: at } : {};
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isGone(error: unknown): boolean {
  return (error as Error | null)?.name === 'GoneException' || statusOf(error) === 410;
}

/**
 * The call died on its socket before any answer: a keep-alive socket the server closed as the request went out
 * (ECONNRESET, EPIPE), or a connect refused. Not sending again would lose the frame for that recipient.
 */
const CONNECTION_LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED']);

type TransientFailure = 'throttled' | 'server-error' | 'timeout' | 'connection-lost';

/**
 * Failures that may pass if the same call is sent again. A timed-out or reset post may still have reached the
 * connection, so a retry can deliver a frame twice: clients drop a message whose seq they have (docs/PROTOCOL.md).
 * 4xx answers other than 429 (403, 413, 410) say the call itself is refused: sending it again changes nothing.
 */
function transientFailureOf(error: unknown): TransientFailure | undefined {
  const name = (error as Error | null)?.name ?? '';
  const status = statusOf(error);
  if (THROTTLING_ERROR_NAMES.has(name) || status === 429) return 'throttled';
  if (status !== undefined && status >= 500) return 'server-error';
  // The SDK's HTTP handler names socket errors TimeoutError too: the code tells a reset from a timeout.
  const code = (error as { code?: unknown } | null)?.code;
  if (CONNECTION_LOST_CODES.has(code as string)) return 'connection-lost';
  if (name === 'TimeoutError' || code === 'ETIMEDOUT') return 'timeout';
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
