// A WebSocket client for end-to-end tests: it keeps every frame the server sends, pairs replies with requests by
// requestId, and lets a test wait for a frame or assert that none arrives. A frame is claimed at most once (by a
// request or a waitFor), so a later expectation never matches a frame an earlier step already accounted for.
import WebSocket from 'ws';
import { ERROR_CODES } from '../../../lambdas/protocol/index.js';

export type Frame = { type?: string; [field: string]: unknown };
export type FramePredicate = (frame: Frame) => boolean;

/** The handshake was answered with an HTTP status instead of 101. */
export class HandshakeRefused extends Error {
  constructor(readonly statusCode: number) {
    super(`handshake refused with HTTP ${statusCode}`);
  }
}

interface Waiter {
  predicate: FramePredicate;
  resolve: (frame: Frame) => void;
}

export interface RequestOptions {
  requestId?: string;
  timeoutMs?: number;
}

export const DEFAULT_WAIT_MS = 5_000;
export const QUIET_MS = 300;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The protocol promises at least 20 frames a second with bursts of 50. Requests made through the client stay well
 * inside that, so no test is rate limited by accident; the rate-limit tests use sendRaw to go past it on purpose.
 */
class ClientPacer {
  private tokens: number;
  private updatedAt = Date.now();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
  ) {
    this.tokens = burst;
  }

  async take(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
      this.updatedAt = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    }
  }
}

export class TestClient {
  /** Every frame received, in arrival order (for diagnostics). */
  readonly received: Frame[] = [];
  /** Broken protocol rules seen in passing (a second reply to one requestId, a frame that is not JSON, ...). */
  readonly violations: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private readonly unclaimed: Frame[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly replyWaiters = new Map<string, (frame: Frame) => void>();
  private readonly answeredRequestIds = new Set<string>();
  private readonly pacer = new ClientPacer(40, 20);
  private requestCounter = 0;
  private closeCode: number | undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly label: string,
  ) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeCode = code;
        resolve({ code, reason: reason.toString('utf8') });
      });
    });
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
  }

  /** Opens a connection; rejects with HandshakeRefused when the server answers the upgrade with a status. */
  static open(url: string, label = 'client'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      // Kept for the socket's whole life: an 'error' without a listener would crash the test process.
      socket.on('error', (error) => reject(error));
      socket.once('unexpected-response', (request, response) => {
        reject(new HandshakeRefused(response.statusCode ?? 0));
        response.resume();
        request.destroy();
      });
      // Built synchronously inside 'open', so the message listener is attached before the first frame is emitted.
      socket.once('open', () => resolve(new TestClient(socket, label)));
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get closedWith(): number | undefined {
    return this.closeCode;
  }

  /** Sends a frame as is (an object is JSON-encoded), without pacing and without waiting for a reply. */
  sendRaw(frame: unknown, options?: { fin?: boolean }): void {
    const text = typeof frame === 'string' ? frame : JSON.stringify(frame);
    this.socket.send(text, { binary: false, fin: options?.fin ?? true });
  }

  nextRequestId(): string {
    this.requestCounter += 1;
    return `${this.label}-${this.requestCounter}`;
  }

  /** Sends an action with a fresh requestId and resolves with the ack or error that carries it. */
  async request(action: string, fields: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<Frame> {
    const requestId = options.requestId ?? this.nextRequestId();
    await this.pacer.take();
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    const reply = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.replyWaiters.delete(requestId);
        reject(new Error(`${this.label}: no reply to ${action} (${requestId}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.replyWaiters.set(requestId, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
    this.sendRaw({ ...fields, action, requestId });
    return reply;
  }

  /** Like request, but the reply must be an ack for this action. */
  async ack(action: string, fields: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<Frame> {
    const reply = await this.request(action, fields, options);
    if (reply.type !== 'ack' || reply.action !== action) {
      throw new Error(`${this.label}: expected an ack for ${action}, got ${JSON.stringify(reply)}`);
    }
    return reply;
  }

  /** Like request, but the reply must be an error. */
  async error(action: string, fields: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<Frame> {
    const reply = await this.request(action, fields, options);
    if (reply.type !== 'error') {
      throw new Error(`${this.label}: expected an error for ${action}, got ${JSON.stringify(reply)}`);
    }
    return reply;
  }

  /** Resolves with (and claims) the first unclaimed frame that matches, received before or after the call. */
  waitFor(predicate: FramePredicate, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const index = this.unclaimed.findIndex(predicate);
    if (index >= 0) return Promise.resolve(this.unclaimed.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `${this.label}: no matching frame within ${timeoutMs} ms; unclaimed: ${JSON.stringify(this.unclaimed)}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits `ms`, then fails if any unclaimed frame (however early it came) matches. */
  async expectNoFrame(predicate: FramePredicate = () => true, ms = QUIET_MS): Promise<void> {
    await sleep(ms);
    const unexpected = this.unclaimed.filter(predicate);
    if (unexpected.length > 0) {
      throw new Error(`${this.label}: unexpected frame(s): ${JSON.stringify(unexpected)}`);
    }
  }

  /** Claims and returns every unclaimed frame that matches (for events a test does not care about). */
  discard(predicate: FramePredicate = () => true): Frame[] {
    const matched: Frame[] = [];
    for (let i = this.unclaimed.length - 1; i >= 0; i -= 1) {
      if (predicate(this.unclaimed[i]!)) matched.unshift(...this.unclaimed.splice(i, 1));
    }
    return matched;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    if (this.socket.readyState !== WebSocket.CLOSING) this.socket.close(1000);
    await this.closed;
  }

  /** A WebSocket-level ping frame (not the ping action): API Gateway does not count it as activity. */
  sendWebSocketPing(): void {
    this.socket.ping();
  }

  /** Drops the TCP connection without a close handshake (a phone losing its network). */
  terminate(): void {
    this.socket.terminate();
  }

  private onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
    if (isBinary) this.violations.push(`binary frame: ${text.slice(0, 200)}`);
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.violations.push(`frame is not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
      this.violations.push(`frame is not an object: ${text.slice(0, 200)}`);
      return;
    }
    this.received.push(frame);
    this.violations.push(...wireRuleBreaches(frame, text));
    if ((frame.type === 'ack' || frame.type === 'error') && typeof frame.requestId === 'string') {
      if (this.answeredRequestIds.has(frame.requestId)) {
        this.violations.push(`second reply for requestId ${frame.requestId}: ${text.slice(0, 200)}`);
      }
      this.answeredRequestIds.add(frame.requestId);
      const replyWaiter = this.replyWaiters.get(frame.requestId);
      if (replyWaiter) {
        this.replyWaiters.delete(frame.requestId);
        replyWaiter(frame);
        return;
      }
    }
    for (const waiter of this.waiters) {
      if (waiter.predicate(frame)) {
        this.waiters.delete(waiter);
        waiter.resolve(frame);
        return;
      }
    }
    this.unclaimed.push(frame);
  }
}

const SERVER_FRAME_TYPES = new Set([
  'ack',
  'error',
  'message',
  'change',
  'typing',
  'presence',
  'occupancy',
  'read',
  'roomJoined',
  'memberJoined',
  'memberLeft',
]);
const ERROR_FIELDS = new Set(['type', 'requestId', 'code', 'message']);
const TIME_FIELDS = new Set(['createdAt', 'editedAt', 'expiresAt', 'lastSeenAt', 'serverTime']);
const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Rules every server frame keeps, checked on every frame of the suite (PROTOCOL.md "Frames" and "Errors"). */
function wireRuleBreaches(frame: Frame, text: string): string[] {
  const breaches: string[] = [];
  const excerpt = text.slice(0, 200);
  if (typeof frame.type !== 'string' || !SERVER_FRAME_TYPES.has(frame.type))
    breaches.push(`unknown frame type: ${excerpt}`);
  if ('requestId' in frame && (typeof frame.requestId !== 'string' || frame.requestId.length === 0)) {
    breaches.push(`ill-formed requestId: ${excerpt}`);
  }
  if (frame.type === 'ack' && (typeof frame.requestId !== 'string' || typeof frame.action !== 'string')) {
    breaches.push(`ack without requestId or action: ${excerpt}`);
  }
  if (frame.type === 'error') {
    if (!(ERROR_CODES as readonly unknown[]).includes(frame.code)) breaches.push(`unknown error code: ${excerpt}`);
    if (typeof frame.message !== 'string' || frame.message.length === 0)
      breaches.push(`error without message: ${excerpt}`);
    if (Object.keys(frame).some((key) => !ERROR_FIELDS.has(key))) breaches.push(`error with extra fields: ${excerpt}`);
  }
  visitTimes(frame, (field, value) => {
    if (typeof value !== 'string' || !ISO_UTC_MS.test(value))
      breaches.push(`${field} is not ISO 8601 UTC with ms: ${excerpt}`);
  });
  return breaches;
}

function visitTimes(value: unknown, visit: (field: string, value: unknown) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item) => visitTimes(item, visit));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (TIME_FIELDS.has(key)) visit(key, inner);
      else visitTimes(inner, visit);
    }
  }
}
