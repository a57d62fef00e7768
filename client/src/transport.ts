import type { AckFrame, ErrorFrame, ServerEvent } from '../../lambdas/protocol/frames.js';
import { LIMITS } from '../../lambdas/protocol/limits.js';
import { ChatError, describeError } from './chat-error.js';
import { utf8Length } from './ids.js';
import type { Ack, ActionName, WebSocketConstructor, WebSocketLike } from './types.js';

type Timer = ReturnType<typeof setTimeout>;

const SOCKET_OPEN = 1;

/** How a transport ended; reported once, unless the owner ended it with `dispose`. */
export interface TransportEnd {
  /**
   * `closed`: the socket closed (the server, the gateway or the network); `dropped`: given up on (no answer, an
   * attempt that never opened, a failed hello); `recycled`: replaced on purpose, so reconnect at once.
   */
  cause: 'closed' | 'dropped' | 'recycled';
  /** The close code, when the socket reported one. */
  code?: number;
  /** False when the socket never opened (a refused handshake, a network that is down). */
  opened: boolean;
}

export interface TransportHooks {
  /** The socket opened: the owner says hello. */
  onOpen(): void;
  /** Server events, and error frames that answer no request of this transport. */
  onUnsolicited(frame: ServerEvent | ErrorFrame): void;
  /** An ack, before its request resolves: the owner updates its picture of the world from it. */
  onAck(action: ActionName, fields: Record<string, unknown>, ack: AckFrame, sentAt: number): void;
  /** The transport is dead: every request in flight has been rejected with DISCONNECTED. */
  onEnd(end: TransportEnd): void;
}

export interface TransportOptions {
  WebSocket: WebSocketConstructor;
  /** The full URL, token included. */
  url: string;
  /** An attempt that has not opened by then is dropped. */
  connectTimeoutMs: number;
  hooks: TransportHooks;
}

interface PendingRequest {
  action: ActionName;
  fields: Record<string, unknown>;
  sentAt: number;
  timer: Timer;
  resolve(ack: AckFrame): void;
  reject(error: ChatError): void;
}

/**
 * One WebSocket, from its handshake to its death, and everything that lives exactly as long: the requests sent on
 * it and their timers, and any timer its owner schedules on it. It dies once (a close, a drop, a recycle, a
 * dispose), rejecting what is in flight, and is then thrown away: the next connection is a new Transport, so
 * nothing here ever has to ask whether it is still the current one.
 */
export class Transport {
  private readonly socket: WebSocketLike;
  private readonly hooks: TransportHooks;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly timers = new Set<Timer>();
  private requestCounter = 0;
  private sentAt = Date.now();
  private opened = false;
  private dead = false;

  /** Opens the socket at once; throws when the WebSocket constructor does (a malformed URL). */
  constructor(options: TransportOptions) {
    this.hooks = options.hooks;
    this.socket = new options.WebSocket(options.url);
    const connectTimer = this.schedule(() => this.drop('connection attempt timed out'), options.connectTimeoutMs);
    this.socket.onopen = () => {
      this.opened = true;
      connectTimer();
      this.hooks.onOpen();
    };
    this.socket.onmessage = (event: { data?: unknown }) => {
      if (typeof event.data === 'string') this.onFrame(event.data);
    };
    // Every error is followed by a close event, which is where the end is handled.
    this.socket.onerror = () => undefined;
    this.socket.onclose = (event: { code?: number } | undefined) =>
      this.end({ cause: 'closed', code: event?.code, opened: this.opened });
  }

  /** True from the open event until the transport dies. */
  get isOpen(): boolean {
    return !this.dead && this.opened && this.socket.readyState === SOCKET_OPEN;
  }

  get isDead(): boolean {
    return this.dead;
  }

  /** When the last frame went out (Date.now()); its creation until then. The keep-alive counts from it. */
  get lastSentAt(): number {
    return this.sentAt;
  }

  /**
   * Sends an action and resolves with its ack, or rejects with a ChatError: the server's code, DISCONNECTED (not
   * open, or it died before the answer) or TIMEOUT (no answer; the transport is then dropped, since a dead TCP
   * connection often reports nothing).
   */
  request<A extends ActionName>(action: A, fields: Record<string, unknown>, timeoutMs: number): Promise<Ack<A>> {
    return new Promise<Ack<A>>((resolve, reject) => {
      if (!this.isOpen) {
        reject(new ChatError('DISCONNECTED', 'not connected', action));
        return;
      }
      const requestId = `r${++this.requestCounter}`;
      const frame = JSON.stringify({ ...fields, action, requestId });
      if (utf8Length(frame) > LIMITS.frameMaxBytes) {
        // The gateway would close the connection (1009) instead of answering.
        reject(new ChatError('BAD_REQUEST', `request: over ${LIMITS.frameMaxBytes} bytes`, action));
        return;
      }
      const timer = setTimeout(() => {
        if (!this.pending.delete(requestId)) return;
        reject(new ChatError('TIMEOUT', `no answer to ${action} within ${timeoutMs} ms`, action));
        this.drop('request timed out');
      }, timeoutMs);
      const settle = resolve as unknown as (ack: AckFrame) => void;
      this.pending.set(requestId, { action, fields, sentAt: Date.now(), timer, resolve: settle, reject });
      try {
        this.socket.send(frame);
        this.sentAt = Date.now();
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new ChatError('DISCONNECTED', `send failed: ${describeError(error)}`, action));
      }
    });
  }

  /** Sends a frame nobody waits for (typing); dropped silently when not open, like an indicator lost in transit. */
  sendAndForget(frame: Record<string, unknown>): void {
    if (!this.isOpen) return;
    try {
      this.socket.send(JSON.stringify(frame));
      this.sentAt = Date.now();
    } catch {
      // The close event that follows ends the transport.
    }
  }

  /** Runs `task` after `delayMs` unless the transport dies first; returns a cancel function. */
  schedule(task: () => void, delayMs: number): () => void {
    if (this.dead) return () => undefined;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, delayMs);
    this.timers.add(timer);
    return () => {
      clearTimeout(timer);
      this.timers.delete(timer);
    };
  }

  /** Gives up on the socket at once (a dead TCP connection may take minutes to report its close). */
  drop(reason: string): void {
    this.closeSocket(4000, reason);
    this.end({ cause: 'dropped', opened: this.opened });
  }

  /** Replaces the connection on purpose (before the gateway's 2-hour cut): the owner reconnects without waiting. */
  recycle(): void {
    this.closeSocket(1000, 'connection recycled');
    this.end({ cause: 'recycled', opened: this.opened });
  }

  /** The owner is done with it (the client was closed): requests reject with `error`, and no end is reported. */
  dispose(error: ChatError): void {
    this.closeSocket(1000, 'client closed');
    this.die(() => error);
  }

  private end(end: TransportEnd): void {
    if (this.dead) return;
    const code = end.code ?? 'no code';
    this.die((action) => new ChatError('DISCONNECTED', `the connection closed (${code}) before an answer`, action));
    this.hooks.onEnd(end);
  }

  private die(errorFor: (action: ActionName) => ChatError): void {
    if (this.dead) return;
    this.dead = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const requests = [...this.pending.values()];
    this.pending.clear();
    for (const request of requests) {
      clearTimeout(request.timer);
      request.reject(errorFor(request.action));
    }
  }

  private closeSocket(code: number, reason: string): void {
    if (this.dead) return;
    const socket = this.socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => undefined;
    try {
      socket.close(code, reason);
    } catch {
      // Closing a socket that never opened throws in some implementations; it is discarded either way.
    }
  }

  private onFrame(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    // Frames without a type (API Gateway's own integration errors) are not part of the protocol.
    if (!frame || typeof frame !== 'object' || typeof (frame as { type?: unknown }).type !== 'string') return;
    const typed = frame as AckFrame | ErrorFrame | ServerEvent;
    if (typed.type === 'ack') {
      const request = this.take(typed.requestId);
      if (!request) return;
      this.hooks.onAck(request.action, request.fields, typed, request.sentAt);
      request.resolve(typed);
      return;
    }
    if (typed.type === 'error' && typed.requestId) {
      const request = this.take(typed.requestId);
      if (request) {
        request.reject(new ChatError(typed.code, typed.message, request.action));
        return;
      }
    }
    this.hooks.onUnsolicited(typed);
  }

  private take(requestId: string): PendingRequest | undefined {
    const request = this.pending.get(requestId);
    if (!request) return undefined;
    clearTimeout(request.timer);
    this.pending.delete(requestId);
    return request;
  }
}
