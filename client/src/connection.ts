import type { AckFrame, ErrorFrame, ServerEvent } from '../../lambdas/protocol/frames.js';
import type { Room, User } from '../../lambdas/protocol/objects.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ChatError, describeError } from './chat-error.js';
import { Transport, type TransportEnd } from './transport.js';
import type { Ack, ActionName, ConnectionState, StateChange, WebSocketConstructor } from './types.js';

type Timer = ReturnType<typeof setTimeout>;

/** reconnectNow's check of an open connection: a connection that cannot answer a ping this fast is replaced. */
const LIVENESS_TIMEOUT_MS = 5_000;

export interface ConnectionOptions {
  url: string;
  getToken: () => string | Promise<string>;
  WebSocket: WebSocketConstructor;
  pingIntervalMs: number;
  foregroundPingIntervalMs: number;
  /** Declared in every hello; the keep-alive never leaves the connection silent longer (see keepAlive). */
  heartbeatMs?: number;
  maxConnectionMs: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectDelay?: BackoffOptions;
  foreground: boolean;
  /** Every socket asks for watch mode (`&watch=1`): it hears only the rooms it subscribes to. */
  watchMode: boolean;
}

export interface ConnectionHooks {
  /** A connection said hello and listed every room; `open` follows. */
  welcome(user: User, rooms: Room[]): void;
  /**
   * A new socket said hello (after welcome, for a reconnect): what it must do before it serves, i.e. before `open`
   * or before a successor takes over (watch mode: subscribe the watched rooms). A promise holds it back until
   * settled; it never rejects.
   */
  beforeServing(transport: Transport): Promise<void> | undefined;
  /** The connection is open (after welcome): flush, catch up. */
  opened(transport: Transport): void;
  /** Time for a ping (keep-alive, or reconnectNow's liveness check) on this transport, within `timeoutMs`. */
  ping(transport: Transport, timeoutMs: number): Promise<void>;
  ack(action: ActionName, fields: Record<string, unknown>, ack: AckFrame, sentAt: number): void;
  unsolicited(frame: ServerEvent | ErrorFrame): void;
  /** The connection of the moment died; a new attempt is scheduled. */
  lost(): void;
  state(change: StateChange): void;
  error(error: ChatError): void;
}

interface OnlineEvents {
  addEventListener?(type: 'online', listener: () => void): void;
  removeEventListener?(type: 'online', listener: () => void): void;
}

/**
 * The chat connection across sockets: one Transport at a time, hello before `open`, and after every death a new
 * one (a fresh token each time) after a jittered backoff that a successful hello resets, capped lower while the
 * app is in the foreground, and cut short by the browser's `online` event and `reconnectNow()`.
 *
 * Ahead of the gateway's 2-hour cut the connection is replaced make-before-break: a successor socket opens and says
 * hello while the old one still serves, then takes over, and the old one closes once its answers are in (a request
 * timeout later). The user always has a connection, so nobody is told they went offline, and no event is missed
 * (the successor is subscribed to every room when it opens, or in watch mode to the watched rooms before it takes
 * over; what both sockets deliver is dropped as a repeat).
 */
export class Connection {
  private currentState: ConnectionState = 'idle';
  /** The socket of the moment; undefined between one's death and the next one's creation. */
  private transport?: Transport;
  /** A replacement opening while `transport` still serves (see replace()). */
  private successor?: Transport;
  private reconnectTimer?: Timer;
  private cancelKeepAlive?: () => void;
  private welcomed = false;
  private openWaiters: Array<{ resolve(): void; reject(error: ChatError): void }> = [];
  private readonly backoff: Backoff;
  private readonly onOnline = () => this.reconnectNow();

  constructor(
    private readonly options: ConnectionOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    this.backoff = new Backoff(options.reconnectDelay);
    this.backoff.foreground = options.foreground;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** True while requests can go out now. */
  get isOpen(): boolean {
    return this.currentState === 'open' && this.transport !== undefined;
  }

  start(): void {
    if (this.currentState !== 'idle') return;
    this.setState('connecting');
    // Browsers say when the network is back: retry then rather than at the end of a backoff wait.
    (globalThis as OnlineEvents).addEventListener?.('online', this.onOnline);
    void this.openConnection();
  }

  /** Ends for good: requests in flight and waiters reject with CLOSED. */
  close(error: ChatError): void {
    if (this.currentState === 'closed') return;
    this.setState('closed');
    this.clearReconnectTimer();
    (globalThis as OnlineEvents).removeEventListener?.('online', this.onOnline);
    this.transport?.dispose(error);
    this.transport = undefined;
    this.successor?.dispose(error);
    this.successor = undefined;
    for (const waiter of this.openWaiters.splice(0)) waiter.reject(error);
  }

  /** See ChatClient.reconnectNow. */
  reconnectNow(): void {
    if (this.currentState === 'closed' || this.currentState === 'idle') return;
    // Still opening: the attempt may hang on a network that is gone; its end schedules the retry run below.
    if (this.transport && !this.transport.isOpen) this.transport.drop('retrying at once');
    this.backoff.reset();
    if (this.reconnectTimer) {
      this.clearReconnectTimer();
      void this.openConnection();
    } else if (this.currentState === 'open' && this.transport) {
      this.hooks.ping(this.transport, LIVENESS_TIMEOUT_MS).catch(() => undefined);
    }
  }

  /** See ChatClient.setForeground. */
  setForeground(foreground: boolean): void {
    if (this.backoff.foreground === foreground) return;
    this.backoff.foreground = foreground;
    if (this.isOpen) this.keepAlive(this.transport!);
    if (foreground) this.reconnectNow();
  }

  /** A request on the connection of the moment (DISCONNECTED when there is none). */
  send<A extends ActionName>(action: A, fields: Record<string, unknown>, timeoutMs: number): Promise<Ack<A>> {
    if (!this.transport) return Promise.reject(new ChatError('DISCONNECTED', 'not connected', action));
    return this.transport.request(action, fields, timeoutMs);
  }

  /**
   * A request on the connection of the moment that a successor already open must get too (watch mode's subscribe
   * and unsubscribe): whatever the moment of the takeover, the socket that serves next has it. Only the answer of
   * the connection of the moment is waited for.
   */
  sendToBoth<A extends ActionName>(action: A, fields: Record<string, unknown>, timeoutMs: number): Promise<Ack<A>> {
    if (this.successor?.isOpen) this.successor.request(action, fields, timeoutMs).catch(() => undefined);
    return this.send(action, fields, timeoutMs);
  }

  /** A frame nobody waits for, sent only while open. */
  sendAndForget(frame: Record<string, unknown>): void {
    if (this.currentState === 'open') this.transport?.sendAndForget(frame);
  }

  whenOpen(timeoutMs?: number): Promise<void> {
    if (this.currentState === 'open') return Promise.resolve();
    if (this.currentState === 'closed') return Promise.reject(new ChatError('CLOSED', 'the client was closed'));
    if (this.currentState === 'idle') return Promise.reject(new ChatError('DISCONNECTED', 'call connect() first'));
    return new Promise<void>((resolve, reject) => {
      let timer: Timer | undefined;
      const waiter = {
        resolve: () => {
          if (timer) clearTimeout(timer);
          resolve();
        },
        reject: (error: ChatError) => {
          if (timer) clearTimeout(timer);
          reject(error);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.openWaiters = this.openWaiters.filter((w) => w !== waiter);
          reject(new ChatError('TIMEOUT', `not connected within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.openWaiters.push(waiter);
    });
  }

  private async openConnection(): Promise<void> {
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      if (this.currentState === 'closed') return;
      this.hooks.error(new ChatError('CONNECT_FAILED', `getToken failed: ${describeError(error)}`));
      this.scheduleReconnect();
      return;
    }
    if (this.currentState === 'closed') return;
    try {
      const transport: Transport = this.newTransport(token, {
        onOpen: () => void this.sayHello(transport),
        // Only the transport of the moment reports its end: a replaced one closing is expected.
        onEnd: (end) => {
          if (transport === this.transport) this.onTransportEnd(end);
        },
      });
      this.transport = transport;
    } catch (error) {
      this.hooks.error(new ChatError('CONNECT_FAILED', `could not open a WebSocket: ${describeError(error)}`));
      this.scheduleReconnect();
    }
  }

  /** The socket opened: hello, every page of rooms, and only then `open`. */
  private async sayHello(transport: Transport): Promise<void> {
    const timeoutMs = this.options.requestTimeoutMs;
    try {
      const hello = await transport.request('hello', this.helloFields(), timeoutMs);
      const rooms = [...hello.rooms];
      for (let cursor = hello.cursor; cursor;) {
        const page = await transport.request('listRooms', { cursor }, timeoutMs);
        rooms.push(...page.rooms);
        cursor = page.cursor;
      }
      this.welcomed = true;
      this.hooks.welcome(hello.user, rooms);
    } catch (error) {
      // A transport that died meanwhile has already scheduled the next attempt.
      if (transport.isDead) return;
      this.hooks.error(new ChatError('CONNECT_FAILED', `hello failed: ${describeError(error)}`));
      transport.drop('hello failed');
      return;
    }
    const preparing = this.hooks.beforeServing(transport);
    if (preparing) {
      await preparing;
      if (transport.isDead) return;
    }
    // The server knows this client again: whatever failed before, the next drop starts from the shortest wait.
    this.backoff.reset();
    this.serve(transport);
    this.setState('open');
    for (const waiter of this.openWaiters.splice(0)) waiter.resolve();
    this.hooks.opened(transport);
  }

  private newTransport(token: string, hooks: { onOpen(): void; onEnd(end: TransportEnd): void }): Transport {
    return new Transport({
      WebSocket: this.options.WebSocket,
      url: socketUrl(this.options.url, token, this.options.watchMode),
      connectTimeoutMs: this.options.connectTimeoutMs,
      hooks: {
        ...hooks,
        onUnsolicited: (frame) => this.hooks.unsolicited(frame),
        onAck: (action, fields, ack, sentAt) => this.hooks.ack(action, fields, ack, sentAt),
      },
    });
  }

  /** The transport of the moment, welcomed: keep it alive, and replace it before the gateway cuts it. */
  private serve(transport: Transport): void {
    transport.schedule(() => void this.replace(transport), this.options.maxConnectionMs);
    this.keepAlive(transport);
  }

  /**
   * Make-before-break (see the class comment). A successor that fails to open or to say hello leaves the old way:
   * the old transport is recycled, and the usual reconnect follows at once.
   */
  private async replace(old: Transport): Promise<void> {
    if (old !== this.transport || this.successor || this.currentState !== 'open') return;
    const fallBack = () => {
      if (old === this.transport && !old.isDead) old.recycle();
    };
    let token: string;
    try {
      token = await this.options.getToken();
    } catch {
      fallBack();
      return;
    }
    if (old !== this.transport || this.currentState !== 'open') return;
    let failed = false;
    const fail = () => {
      if (failed) return;
      failed = true;
      if (this.successor === next) this.successor = undefined;
      fallBack();
    };
    const next: Transport = this.newTransport(token, {
      onOpen: () => {
        next.request('hello', this.helloFields(), this.options.requestTimeoutMs).then(
          () => {
            const preparing = this.hooks.beforeServing(next);
            // A successor that dies while preparing has reported its end (fail() above).
            if (!preparing) this.handOver(old, next);
            else
              void preparing.then(() => {
                if (!next.isDead) this.handOver(old, next);
              });
          },
          () => {
            next.drop('hello failed');
            fail();
          },
        );
      },
      onEnd: (end) => {
        if (next === this.transport) this.onTransportEnd(end);
        else fail();
      },
    });
    this.successor = next;
  }

  private handOver(old: Transport, next: Transport): void {
    if (this.successor !== next || old !== this.transport || this.currentState !== 'open') {
      if (this.successor === next) this.successor = undefined;
      next.dispose(new ChatError('CLOSED', 'replacement no longer needed'));
      return;
    }
    this.successor = undefined;
    this.transport = next;
    this.serve(next);
    // Requests already sent on the old socket get their answers there; then it closes (its end is not reported).
    // It pings no more, so it closes by the time its next ping was due: the heartbeat holds for it too (a request
    // still waiting by then was sent an interval ago, past its timeout unless the intervals are shorter).
    old.schedule(() => old.recycle(), Math.min(this.options.requestTimeoutMs, this.untilPingDue(old)));
  }

  private onTransportEnd(end: TransportEnd): void {
    this.transport = undefined;
    // Browsers hide why a handshake failed (a 401 for a bad token looks like any network error): 1006.
    if (end.cause === 'closed' && !end.opened) {
      this.hooks.error(
        new ChatError('CONNECT_FAILED', `the connection was refused or lost while opening (${end.code ?? 'no code'})`),
      );
    }
    this.hooks.lost();
    this.scheduleReconnect(end.cause === 'recycled' ? 0 : this.backoff.nextDelayMs());
  }

  private scheduleReconnect(delayMs = this.backoff.nextDelayMs()): void {
    if (this.currentState === 'closed') return;
    this.clearReconnectTimer();
    this.setState(this.currentState === 'connecting' && !this.welcomed ? 'connecting' : 'reconnecting', delayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.openConnection();
    }, delayMs);
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private helloFields(): { heartbeatMs?: number } {
    const { heartbeatMs } = this.options;
    return heartbeatMs === undefined ? {} : { heartbeatMs };
  }

  /**
   * Pings on the transport's clock: every minute in the foreground, every 4.5 in the background (by default). The
   * wait counts from the last frame sent on the transport, not from now: a hello that took its time, or a switch to
   * the background just after a ping, never stretches a silence past the interval, so the heartbeat declared in
   * hello (the longer interval) holds.
   */
  private keepAlive(transport: Transport): void {
    this.cancelKeepAlive?.();
    this.cancelKeepAlive = transport.schedule(() => {
      this.hooks.ping(transport, this.options.requestTimeoutMs).catch(() => undefined);
      this.keepAlive(transport);
    }, this.untilPingDue(transport));
  }

  /** How long until the transport has been silent for the ping interval of the moment. */
  private untilPingDue(transport: Transport): number {
    const { foregroundPingIntervalMs, pingIntervalMs } = this.options;
    const intervalMs = this.backoff.foreground ? foregroundPingIntervalMs : pingIntervalMs;
    return Math.max(0, transport.lastSentAt + intervalMs - Date.now());
  }

  private setState(state: ConnectionState, delayMs?: number): void {
    const previous = this.currentState;
    if (previous === state && delayMs === undefined) return;
    this.currentState = state;
    this.hooks.state({ state, previous, ...(delayMs !== undefined ? { delayMs } : {}) });
  }
}

function socketUrl(url: string, token: string, watchMode: boolean): string {
  const withToken = `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  return watchMode ? `${withToken}&watch=1` : withToken;
}
