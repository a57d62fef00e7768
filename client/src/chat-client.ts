import type { AckFrame, ErrorFrame, MessageEvent, ServerEvent } from '../../lambdas/protocol/frames.js';
import { LIMITS } from '../../lambdas/protocol/limits.js';
import type { Message, Room, User } from '../../lambdas/protocol/objects.js';
import { Backoff, jitteredDelayMs } from './backoff.js';
import { ChatError } from './chat-error.js';
import { Emitter, type Listener } from './emitter.js';
import { randomId, utf8Length } from './ids.js';
import { PresenceView } from './presence.js';
import { Outbox } from './outbox.js';
import { RoomSequencer, type HistoryPage } from './room-sequencer.js';
import type {
  Ack,
  ActionFields,
  ActionName,
  ChatClientEvents,
  ChatClientOptions,
  ConnectionState,
  PendingMessage,
  SendMessageOptions,
  TypingUser,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';
import { TypingSender, TypingTracker } from './typing.js';

type Timer = ReturnType<typeof setTimeout>;

export interface RequestOptions {
  /** Overrides the client's requestTimeoutMs for this request. */
  timeoutMs?: number;
}

/** `request(action)` may omit the fields of actions that need none. */
export type RequestArgs<A extends ActionName> =
  Record<string, never> extends ActionFields[A]
    ? [fields?: ActionFields[A], options?: RequestOptions]
    : [fields: ActionFields[A], options?: RequestOptions];

interface PendingRequest {
  action: ActionName;
  fields: Record<string, unknown>;
  socket: WebSocketLike;
  sentAt: number;
  timer: Timer;
  resolve(ack: AckFrame): void;
  reject(error: ChatError): void;
}

const SOCKET_OPEN = 1;
/** A connection that stayed up this long resets the reconnect backoff. */
const STABLE_CONNECTION_MS = 10_000;
/**
 * A broadcast that reaches a connection while the gateway is still running its $connect gets 410 (the gateway
 * cannot post before $connect returns) and may remove the new connection's subscriptions. `hello` restores them,
 * but a removal that lands after the first hello leaves the connection deaf; a second hello a moment later restores
 * them again, and the catch-up that follows fetches whatever was missed in between.
 */
const RECONFIRM_AFTER_OPEN_MS = 2_000;
/** Rooms caught up (and presence refreshed) in parallel after a reconnect. */
const SYNC_CONCURRENCY = 4;
const HISTORY_PAGE = LIMITS.historyMaxLimit;
/** A catch-up page refused for being too fast (or an internal error) is asked for again this many times. */
const FETCH_RETRIES = 5;

/**
 * A chat connection that survives what mobile networks do to it: it reconnects by itself, keeps unsent messages
 * in an outbox until the server has stored them, and replays what the user missed, so the app sees every message
 * once and in order. See client/README.md.
 */
export class ChatClient {
  /** Typing indicators: `start` on every keystroke, `stop` when the input is cleared; `users` who type in a room. */
  readonly typing: {
    start(roomId: string): void;
    stop(roomId: string): void;
    users(roomId: string): TypingUser[];
  };

  /** Who is online: `watch` a room to keep its list (refreshed after every reconnect), `online` reads it. */
  readonly presence: {
    watch(roomId: string): Promise<User[]>;
    unwatch(roomId: string): void;
    online(roomId: string): User[];
  };

  private readonly url: string;
  private readonly getToken: () => string | Promise<string>;
  private readonly WebSocketClass: WebSocketConstructor;
  private readonly pingIntervalMs: number;
  private readonly maxConnectionMs: number;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly events: Emitter<ChatClientEvents>;
  private readonly typingSender: TypingSender;
  private readonly typingTracker: TypingTracker;
  private readonly presenceView = new PresenceView();
  private readonly gapWaitMs: number;
  private readonly resumeSeqs: Record<string, number>;

  private currentState: ConnectionState = 'idle';
  private socket?: WebSocketLike;
  private recycling = false;
  private requestCounter = 0;
  private serverOffsetMs = 0;
  private me?: User;
  private reportingListenerError = false;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly outbox: Outbox;
  private readonly roomMap = new Map<string, Room>();
  private readonly sequencers = new Map<string, RoomSequencer>();
  private openWaiters: Array<{ resolve(): void; reject(error: ChatError): void }> = [];
  private readonly timers: {
    reconnect?: Timer;
    connect?: Timer;
    ping?: Timer;
    recycle?: Timer;
    stable?: Timer;
    reconfirm?: Timer;
  } = {};

  constructor(options: ChatClientOptions) {
    const WebSocketClass =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass) throw new TypeError('ChatClient: no global WebSocket here; pass options.WebSocket (e.g. from "ws")');
    if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
      throw new TypeError('ChatClient: options.url must be a ws:// or wss:// URL');
    }
    if (typeof options.getToken !== 'function') throw new TypeError('ChatClient: options.getToken must be a function');
    this.url = options.url;
    this.getToken = options.getToken;
    this.WebSocketClass = WebSocketClass;
    this.pingIntervalMs = options.pingIntervalMs ?? 270_000;
    this.maxConnectionMs = options.maxConnectionMs ?? 6_900_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.gapWaitMs = options.gapWaitMs ?? 2_000;
    this.resumeSeqs = { ...options.lastSeqs };
    this.backoff = new Backoff(options.reconnectDelay);
    this.events = new Emitter<ChatClientEvents>((error) => this.reportListenerError(error));
    this.typingSender = new TypingSender(
      (roomId, isTyping) => this.sendTyping(roomId, isTyping),
      options.typingResendMs ?? LIMITS.typingRebroadcastMs,
      options.typingIdleMs ?? 3_000,
    );
    this.typingTracker = new TypingTracker(
      (change) => this.events.emit('typingChanged', change),
      () => this.serverOffsetMs,
      LIMITS.typingTtlMs,
    );
    this.typing = {
      start: (roomId) => this.typingSender.start(roomId),
      stop: (roomId) => this.typingSender.stop(roomId),
      users: (roomId) => this.typingTracker.users(roomId),
    };
    this.outbox = new Outbox({
      canSend: () => this.currentState === 'open' && this.socket !== undefined,
      send: async ({ roomId, clientMessageId, content, messageType, attachmentUrl }) => {
        const fields: Record<string, unknown> = { roomId, clientMessageId, content };
        if (messageType) fields.messageType = messageType;
        if (attachmentUrl) fields.attachmentUrl = attachmentUrl;
        return (await this.sendRequest(this.socket, 'sendMessage', fields, this.requestTimeoutMs)).message;
      },
    });
    this.presence = {
      watch: (roomId) => this.watchPresence(roomId),
      unwatch: (roomId) => this.presenceView.unwatch(roomId),
      online: (roomId) => this.presenceView.online(roomId),
    };
  }

  // ---- Public surface -------------------------------------------------------------------------------------------

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The signed-in user, known once the first connection has said hello. */
  get user(): User | undefined {
    return this.me;
  }

  /** Starts connecting; resolves once connected (and keeps the connection up until close()). */
  connect(): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(new ChatError('CLOSED', 'the client was closed'));
    if (this.currentState === 'idle') {
      this.setState('connecting');
      void this.openConnection();
    }
    return this.whenOpen();
  }

  /** Closes for good: pending requests and unsent messages fail with CLOSED (read them first with pendingMessages()). */
  close(): void {
    if (this.currentState === 'closed') return;
    this.setState('closed');
    for (const name of Object.keys(this.timers) as Array<keyof typeof this.timers>) this.clearTimer(name);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) this.detach(socket, 1000, 'client closed');
    const closed = () => new ChatError('CLOSED', 'the client was closed');
    for (const [requestId, request] of this.pending) {
      clearTimeout(request.timer);
      this.pending.delete(requestId);
      request.reject(closed());
    }
    this.outbox.rejectAll(closed());
    for (const waiter of this.openWaiters.splice(0)) waiter.reject(closed());
    this.typingSender.reset();
    this.typingTracker.dispose();
    for (const sequencer of this.sequencers.values()) sequencer.dispose();
  }

  /**
   * Call when the app knows the network came back or it returned to the foreground: a pending retry runs now,
   * and an open connection is checked with a ping (a dead one times out and is replaced).
   */
  reconnectNow(): void {
    if (this.currentState === 'closed' || this.currentState === 'idle') return;
    if (this.timers.reconnect) {
      this.clearTimer('reconnect');
      void this.openConnection();
    } else if (this.currentState === 'open' && this.socket) {
      this.sendRequest(this.socket, 'ping', {}, 5_000).catch(() => undefined);
    }
  }

  on<K extends keyof ChatClientEvents>(type: K, listener: Listener<ChatClientEvents[K]>): () => void {
    return this.events.on(type, listener);
  }

  off<K extends keyof ChatClientEvents>(type: K, listener: Listener<ChatClientEvents[K]>): void {
    this.events.off(type, listener);
  }

  /**
   * Sends any action and resolves with its ack, or rejects with a ChatError (the server's code, or DISCONNECTED /
   * TIMEOUT / CLOSED). Waits for the connection when it is (re)connecting. A request whose connection dies is not
   * retried: the server may have applied it; the error is `retryable`. sendMessage sent this way bypasses the outbox.
   */
  async request<A extends ActionName>(action: A, ...args: RequestArgs<A>): Promise<Ack<A>> {
    const [fields, options] = args;
    const timeoutMs = options?.timeoutMs ?? this.requestTimeoutMs;
    await this.whenOpen(timeoutMs);
    return this.sendRequest(this.socket, action, (fields ?? {}) as Record<string, unknown>, timeoutMs);
  }

  /**
   * Sends a message and resolves with it as stored (with its seq). It waits in an outbox, sent again after every
   * reconnect with the same clientMessageId until the server acks it (the server stores it once). Messages to one
   * room are sent one after another, so they are stored in the order they were sent. The stored message is also
   * emitted as a `message` event, in seq order with everyone else's.
   */
  sendMessage(roomId: string, content: string, options: SendMessageOptions = {}): Promise<Message> {
    if (this.currentState === 'closed') return Promise.reject(new ChatError('CLOSED', 'the client was closed', 'sendMessage'));
    if (typeof content !== 'string' || content.length === 0) {
      return Promise.reject(new ChatError('BAD_REQUEST', 'content: must be at least 1 characters', 'sendMessage'));
    }
    if (content.length > LIMITS.contentMaxLength) {
      return Promise.reject(
        new ChatError('PAYLOAD_TOO_LARGE', `content: must be at most ${LIMITS.contentMaxLength} characters`, 'sendMessage'),
      );
    }
    return this.outbox.enqueue({
      roomId,
      clientMessageId: options.clientMessageId ?? randomId(),
      content,
      ...(options.messageType ? { messageType: options.messageType } : {}),
      ...(options.attachmentUrl ? { attachmentUrl: options.attachmentUrl } : {}),
    });
  }

  /** Messages not yet acked, oldest first (e.g. to show them as "sending", or to save them before the app quits). */
  pendingMessages(roomId?: string): PendingMessage[] {
    return this.outbox.pending(roomId);
  }

  /** The user's rooms as last heard (hello, room events, acks). */
  rooms(): Room[] {
    return [...this.roomMap.values()];
  }

  room(roomId: string): Room | undefined {
    return this.roomMap.get(roomId);
  }

  /** The last seq emitted per room: save it to resume there with `options.lastSeqs` after a restart. */
  lastSeqs(): Record<string, number> {
    const seqs: Record<string, number> = {};
    for (const [roomId, sequencer] of this.sequencers) seqs[roomId] = sequencer.lastSeenSeq;
    return seqs;
  }

  /** A handle for one input box: `keystroke()` on every input event, `stop()` when it is cleared or sent. */
  typingIndicator(roomId: string): { keystroke(): void; stop(): void } {
    return { keystroke: () => this.typingSender.start(roomId), stop: () => this.typingSender.stop(roomId) };
  }

  async createRoom(name: string, memberIds?: string[]): Promise<Room> {
    return (await this.request('createRoom', memberIds ? { name, memberIds } : { name })).room;
  }

  async openDirect(userId: string): Promise<Room> {
    return (await this.request('openDirect', { userId })).room;
  }

  async addMembers(roomId: string, userIds: string[]): Promise<Room> {
    return (await this.request('addMembers', { roomId, userIds })).room;
  }

  async leaveRoom(roomId: string): Promise<void> {
    await this.request('leaveRoom', { roomId });
  }

  /** One page of history: the newest by default, older than `before`, or newer than `after`; ascending seq. */
  async getHistory(
    roomId: string,
    query: { before?: number; after?: number; limit?: number } = {},
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    const { messages, hasMore } = await this.request('getHistory', { roomId, ...query });
    return { messages, hasMore };
  }

  /** Every member of a room (all pages), with isOnline and lastSeenAt. */
  async listMembers(roomId: string): Promise<User[]> {
    const members: User[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.request('listMembers', cursor ? { roomId, cursor } : { roomId });
      members.push(...page.members);
      cursor = page.cursor;
    } while (cursor);
    return members;
  }

  async markRead(roomId: string, seq: number): Promise<void> {
    await this.request('markRead', { roomId, seq });
  }

  async updateProfile(changes: ActionFields['updateProfile']): Promise<User> {
    const { user } = await this.request('updateProfile', changes);
    this.me = user;
    return user;
  }

  // ---- Connection lifecycle -------------------------------------------------------------------------------------

  private async openConnection(): Promise<void> {
    this.recycling = false;
    let token: string;
    try {
      token = await this.getToken();
    } catch (error) {
      if (this.currentState === 'closed') return;
      this.emitError(new ChatError('CONNECT_FAILED', `getToken failed: ${describe(error)}`));
      this.scheduleReconnect();
      return;
    }
    if (this.currentState === 'closed') return;
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(withToken(this.url, token));
    } catch (error) {
      this.emitError(new ChatError('CONNECT_FAILED', `could not open a WebSocket: ${describe(error)}`));
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.timers.connect = setTimeout(() => this.dropConnection(socket, 'connection attempt timed out'), this.connectTimeoutMs);
    let opened = false;
    socket.onopen = () => {
      if (socket !== this.socket) return;
      opened = true;
      this.clearTimer('connect');
      void this.onSocketOpen(socket);
    };
    socket.onmessage = (event: { data?: unknown }) => {
      if (socket === this.socket && typeof event.data === 'string') this.onFrame(event.data);
    };
    // Every error is followed by a close event, which is where recovery happens.
    socket.onerror = () => undefined;
    socket.onclose = (event: { code?: number; reason?: string }) => {
      if (socket !== this.socket) return;
      // Browsers hide why a handshake failed (a 401 for a bad token looks like any network error): 1006.
      if (!opened) this.emitError(new ChatError('CONNECT_FAILED', `the connection was refused or lost while opening (${event?.code ?? 'no code'})`));
      this.onSocketClosed(socket, event?.code);
    };
  }

  private async onSocketOpen(socket: WebSocketLike): Promise<void> {
    try {
      const hello = await this.sendRequest(socket, 'hello', {}, this.requestTimeoutMs);
      const rooms = [...hello.rooms];
      for (let cursor = hello.cursor; cursor; ) {
        const page = await this.sendRequest(socket, 'listRooms', { cursor }, this.requestTimeoutMs);
        rooms.push(...page.rooms);
        cursor = page.cursor;
      }
      if (socket !== this.socket) return;
      this.me = hello.user;
      this.presenceView.learn(hello.user);
      this.replaceRooms(rooms);
    } catch (error) {
      if (socket !== this.socket) return;
      this.emitError(new ChatError('CONNECT_FAILED', `hello failed: ${describe(error)}`));
      this.dropConnection(socket, 'hello failed');
      return;
    }
    this.timers.stable = setTimeout(() => this.backoff.reset(), STABLE_CONNECTION_MS);
    this.timers.recycle = setTimeout(() => this.recycle(socket), this.maxConnectionMs);
    this.schedulePing(socket);
    this.setState('open');
    for (const waiter of this.openWaiters.splice(0)) waiter.resolve();
    this.outbox.flush();
    void this.afterOpen(socket);
    this.timers.reconfirm = setTimeout(() => void this.reconfirm(socket), RECONFIRM_AFTER_OPEN_MS);
  }

  /** Says hello again on a connection that just opened (see RECONFIRM_AFTER_OPEN_MS) and catches up once more. */
  private async reconfirm(socket: WebSocketLike): Promise<void> {
    if (socket !== this.socket) return;
    try {
      const hello = await this.sendRequest(socket, 'hello', {}, this.requestTimeoutMs);
      if (socket !== this.socket) return;
      for (const room of hello.rooms) this.upsertRoom(room, false);
      await this.afterOpen(socket);
    } catch {
      // The connection closed meanwhile: the next one says hello and catches up anyway.
    }
  }

  /** Catches every room up from the last seq seen and refreshes presence of watched rooms. */
  private async afterOpen(socket: WebSocketLike): Promise<void> {
    const catchUps = [...this.sequencers.values()].map(
      (sequencer) => () => sequencer.catchUp(this.roomMap.get(sequencer.roomId)?.lastSeq ?? 0),
    );
    const refreshes = this.presenceView
      .watchedRooms()
      .map((roomId) => () => this.sendRequest(socket, 'getPresence', { roomId }, this.requestTimeoutMs));
    await runLimited([...catchUps, ...refreshes], SYNC_CONCURRENCY);
  }

  private onSocketClosed(socket: WebSocketLike, code?: number): void {
    this.socket = undefined;
    for (const name of ['connect', 'ping', 'recycle', 'stable', 'reconfirm'] as const) this.clearTimer(name);
    for (const [requestId, request] of this.pending) {
      if (request.socket !== socket) continue;
      clearTimeout(request.timer);
      this.pending.delete(requestId);
      request.reject(new ChatError('DISCONNECTED', `the connection closed (${code ?? 'no code'}) before an answer`, request.action));
    }
    this.typingSender.reset();
    for (const sequencer of this.sequencers.values()) sequencer.pause();
    if (this.currentState === 'closed') return;
    if (this.recycling) {
      this.scheduleReconnect(0);
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(delayMs = this.backoff.nextDelayMs()): void {
    if (this.currentState === 'closed') return;
    this.clearTimer('reconnect');
    this.setState(this.currentState === 'connecting' && !this.me ? 'connecting' : 'reconnecting', delayMs);
    this.timers.reconnect = setTimeout(() => {
      this.timers.reconnect = undefined;
      void this.openConnection();
    }, delayMs);
  }

  /** Gives up on a socket at once (a dead TCP connection may take minutes to report its close). */
  private dropConnection(socket: WebSocketLike, reason: string): void {
    if (socket !== this.socket) return;
    this.detach(socket, 4000, reason);
    this.onSocketClosed(socket);
  }

  /** Replaces the connection before the gateway's 2-hour cap cuts it. */
  private recycle(socket: WebSocketLike): void {
    if (socket !== this.socket) return;
    this.recycling = true;
    this.detach(socket, 1000, 'connection recycled');
    this.onSocketClosed(socket);
  }

  private detach(socket: WebSocketLike, code: number, reason: string): void {
    socket.onopen = socket.onmessage = socket.onclose = null;
    socket.onerror = () => undefined;
    try {
      socket.close(code, reason);
    } catch {
      // Closing a socket that never opened throws in some implementations; it is discarded either way.
    }
  }

  private schedulePing(socket: WebSocketLike): void {
    this.timers.ping = setTimeout(() => {
      if (socket !== this.socket) return;
      this.sendRequest(socket, 'ping', {}, this.requestTimeoutMs).catch(() => undefined);
      this.schedulePing(socket);
    }, this.pingIntervalMs);
  }

  private whenOpen(timeoutMs?: number): Promise<void> {
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

  private setState(state: ConnectionState, delayMs?: number): void {
    const previous = this.currentState;
    if (previous === state && delayMs === undefined) return;
    this.currentState = state;
    this.events.emit('state', { state, previous, ...(delayMs !== undefined ? { delayMs } : {}) });
  }

  private clearTimer(name: keyof typeof this.timers): void {
    const timer = this.timers[name];
    if (timer) clearTimeout(timer);
    this.timers[name] = undefined;
  }

  // ---- Requests and frames ---------------------------------------------------------------------------------------

  private sendRequest<A extends ActionName>(
    socket: WebSocketLike | undefined,
    action: A,
    fields: Record<string, unknown>,
    timeoutMs: number,
  ): Promise<Ack<A>> {
    return new Promise<Ack<A>>((resolve, reject) => {
      if (!socket || socket !== this.socket || socket.readyState !== SOCKET_OPEN) {
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
        // No answer usually means a connection that died without a close: replace it.
        this.dropConnection(socket, 'request timed out');
      }, timeoutMs);
      this.pending.set(requestId, {
        action,
        fields,
        socket,
        sentAt: Date.now(),
        timer,
        resolve: resolve as unknown as (ack: AckFrame) => void,
        reject,
      });
      try {
        socket.send(frame);
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(new ChatError('DISCONNECTED', `send failed: ${describe(error)}`, action));
      }
    });
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
    switch (typed.type) {
      case 'ack':
        return this.onAck(typed);
      case 'error':
        return this.onErrorFrame(typed);
      case 'message':
        this.typingTracker.remove(typed.roomId, typed.message.senderId);
        return this.acceptMessage(typed.message);
      case 'typing':
        this.presenceView.learn({ userId: typed.userId, displayName: typed.displayName });
        this.typingTracker.apply(typed);
        return this.events.emit('typing', typed);
      case 'presence':
        this.events.emit('presence', typed);
        if (this.presenceView.apply(typed)) this.emitPresenceChange(typed.roomId, typed.userId, typed.isOnline, typed.lastSeenAt);
        return;
      case 'read':
        return this.events.emit('read', typed);
      case 'roomJoined':
        this.upsertRoom(typed.room);
        return this.events.emit('roomJoined', typed);
      case 'memberJoined':
        this.presenceView.learn(typed.user);
        if (typed.user.isOnline) {
          const event = { type: 'presence' as const, roomId: typed.roomId, userId: typed.user.userId, isOnline: true };
          if (this.presenceView.apply(event)) this.emitPresenceChange(typed.roomId, typed.user.userId, true);
        }
        return this.events.emit('memberJoined', typed);
      case 'memberLeft':
        if (typed.userId === this.me?.userId) this.removeRoom(typed.roomId);
        else {
          this.typingTracker.remove(typed.roomId, typed.userId);
          if (this.presenceView.removeUser(typed.roomId, typed.userId)) this.emitPresenceChange(typed.roomId, typed.userId, false);
        }
        return this.events.emit('memberLeft', typed);
      default:
        // Event types added by a later protocol version are ignored.
        return;
    }
  }

  private onAck(frame: AckFrame): void {
    const request = this.pending.get(frame.requestId);
    if (!request) return;
    clearTimeout(request.timer);
    this.pending.delete(frame.requestId);
    this.absorbAck(request, frame);
    request.resolve(frame);
  }

  private onErrorFrame(frame: ErrorFrame): void {
    const request = frame.requestId ? this.pending.get(frame.requestId) : undefined;
    if (request && frame.requestId) {
      clearTimeout(request.timer);
      this.pending.delete(frame.requestId);
      request.reject(new ChatError(frame.code, frame.message, request.action));
      return;
    }
    this.emitError(new ChatError(frame.code, frame.message));
  }

  /** Keeps the client's picture (rooms, messages, presence, clock) in step with what each ack says. */
  private absorbAck(request: PendingRequest, frame: AckFrame): void {
    const ack = frame as unknown as Ack<ActionName>;
    switch (request.action) {
      case 'hello':
      case 'ping':
        this.noteServerTime((ack as Ack<'ping'>).serverTime, request.sentAt);
        return;
      case 'createRoom':
      case 'openDirect':
      case 'addMembers':
        this.upsertRoom((ack as Ack<'createRoom'>).room);
        return;
      case 'leaveRoom':
        this.removeRoom(request.fields.roomId as string);
        return;
      case 'sendMessage': {
        const { message } = ack as Ack<'sendMessage'>;
        this.typingSender.messageSent(message.roomId);
        this.acceptMessage(message);
        return;
      }
      case 'getPresence':
        this.absorbPresence(request.fields.roomId as string, ack as Ack<'getPresence'>);
        return;
      case 'listMembers':
        for (const member of (ack as Ack<'listMembers'>).members) this.presenceView.learn(member);
        return;
      case 'updateProfile':
        this.me = (ack as Ack<'updateProfile'>).user;
        return;
      default:
        return;
    }
  }

  private noteServerTime(serverTime: string, sentAt: number): void {
    const server = Date.parse(serverTime);
    if (Number.isFinite(server)) this.serverOffsetMs = server - (sentAt + Date.now()) / 2;
  }

  // ---- Rooms and messages ----------------------------------------------------------------------------------------

  private replaceRooms(rooms: readonly Room[]): void {
    const listed = new Set(rooms.map((room) => room.roomId));
    // Rooms left (on another device) while this one was away.
    for (const roomId of [...this.roomMap.keys()]) if (!listed.has(roomId)) this.removeRoom(roomId, false);
    for (const room of rooms) this.upsertRoom(room, false);
    this.events.emit('roomsChanged', this.rooms());
  }

  private upsertRoom(room: Room, announce = true): void {
    const known = this.roomMap.get(room.roomId);
    this.roomMap.set(room.roomId, known ? { ...known, ...room, lastSeq: Math.max(known.lastSeq, room.lastSeq) } : room);
    if (!this.sequencers.has(room.roomId)) this.createSequencer(room.roomId, this.resumeSeqs[room.roomId] ?? room.lastSeq);
    if (announce) this.events.emit('roomsChanged', this.rooms());
  }

  private removeRoom(roomId: string, announce = true): void {
    const existed = this.roomMap.delete(roomId);
    this.sequencers.get(roomId)?.dispose();
    this.sequencers.delete(roomId);
    this.typingTracker.forgetRoom(roomId);
    this.presenceView.unwatch(roomId);
    if (existed && announce) this.events.emit('roomsChanged', this.rooms());
  }

  private createSequencer(roomId: string, startSeq: number): RoomSequencer {
    const sequencer = new RoomSequencer(roomId, startSeq, {
      fetchAfter: (room, after) => this.fetchAfter(room, after),
      emit: (message) => this.emitMessage(message),
      onError: (error) => {
        // A lost connection is routine: the catch-up after the reconnect resumes.
        if (!(error instanceof ChatError && (error.code === 'DISCONNECTED' || error.code === 'CLOSED' || error.code === 'TIMEOUT'))) {
          this.emitError(error instanceof Error ? error : new Error(describe(error)));
        }
      },
      gapWaitMs: this.gapWaitMs,
    });
    this.sequencers.set(roomId, sequencer);
    return sequencer;
  }

  private async fetchAfter(roomId: string, after: number): Promise<HistoryPage> {
    for (let attempt = 0; ; attempt++) {
      if (this.currentState !== 'open') throw new ChatError('DISCONNECTED', 'not connected', 'getHistory');
      try {
        const fields = { roomId, after, limit: HISTORY_PAGE };
        const { messages, hasMore } = await this.sendRequest(this.socket, 'getHistory', fields, this.requestTimeoutMs);
        return { messages, hasMore };
      } catch (error) {
        // Catching up many rooms at once can meet the rate limit; a room left behind would stay behind until the
        // next reconnect, so wait and ask again.
        const transient = error instanceof ChatError && (error.code === 'RATE_LIMITED' || error.code === 'INTERNAL');
        if (!transient || attempt >= FETCH_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, jitteredDelayMs(attempt, 250, 5_000)));
      }
    }
  }

  private acceptMessage(message: Message): void {
    // A message for a room not heard of yet (its roomJoined still on the way) starts that room's stream here.
    const sequencer = this.sequencers.get(message.roomId) ?? this.createSequencer(message.roomId, message.seq - 1);
    sequencer.accept(message);
  }

  private emitMessage(message: Message): void {
    const room = this.roomMap.get(message.roomId);
    if (room && message.seq > room.lastSeq) this.roomMap.set(room.roomId, { ...room, lastSeq: message.seq });
    this.presenceView.learn({ userId: message.senderId, displayName: message.senderName });
    const event: MessageEvent = { type: 'message', roomId: message.roomId, message };
    this.events.emit('message', event);
  }

  // ---- Typing and presence ---------------------------------------------------------------------------------------

  private sendTyping(roomId: string, isTyping: boolean): void {
    const socket = this.socket;
    if (this.currentState !== 'open' || !socket || socket.readyState !== SOCKET_OPEN) return;
    // No requestId: nothing waits for the ack, and an indicator lost with a connection simply lapses.
    try {
      socket.send(JSON.stringify({ action: 'typing', roomId, isTyping }));
    } catch {
      // The close event that follows handles the connection.
    }
  }

  private async watchPresence(roomId: string): Promise<User[]> {
    if (!this.presenceView.isWatched(roomId)) this.presenceView.replace(roomId, []);
    await this.request('getPresence', { roomId });
    return this.presenceView.online(roomId);
  }

  private absorbPresence(roomId: string, ack: Ack<'getPresence'>): void {
    for (const user of ack.online) this.presenceView.learn(user);
    this.typingTracker.seed(roomId, ack.typing);
    if (!this.presenceView.isWatched(roomId)) return;
    const before = new Set(this.presenceView.online(roomId).map((user) => user.userId));
    this.presenceView.replace(roomId, ack.online);
    const after = new Set(ack.online.map((user) => user.userId));
    for (const userId of after) if (!before.has(userId)) this.emitPresenceChange(roomId, userId, true);
    for (const userId of before) if (!after.has(userId)) this.emitPresenceChange(roomId, userId, false);
  }

  private emitPresenceChange(roomId: string, userId: string, isOnline: boolean, lastSeenAt?: string): void {
    this.events.emit('presenceChanged', {
      roomId,
      userId,
      isOnline,
      ...(lastSeenAt ? { lastSeenAt } : {}),
      online: this.presenceView.online(roomId),
    });
  }

  // ---- Errors ----------------------------------------------------------------------------------------------------

  private emitError(error: ChatError | Error): void {
    this.events.emit('error', error);
  }

  private reportListenerError(error: unknown): void {
    // A throwing 'error' listener must not loop; with no 'error' listener, make the bug visible anyway.
    if (this.reportingListenerError || this.events.listenerCount('error') === 0) {
      console.error('ChatClient: an event listener threw', error);
      return;
    }
    this.reportingListenerError = true;
    try {
      this.emitError(error instanceof Error ? error : new Error(describe(error)));
    } finally {
      this.reportingListenerError = false;
    }
  }
}

function withToken(url: string, token: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs tasks with at most `limit` at a time; failures are left to each task's own handling. */
async function runLimited(tasks: ReadonlyArray<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++]!;
      await task().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
