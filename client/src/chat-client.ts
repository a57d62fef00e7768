import { LIMITS } from '../../lambdas/protocol/limits.js';
import type { Message, Room, User } from '../../lambdas/protocol/objects.js';
import { ActionMethods, type RequestArgs } from './action-methods.js';
import { checkTails, fetchPageAfter, retryingRefusals } from './catch-up-requests.js';
import { ChatError, describeError } from './chat-error.js';
import { ChatState } from './chat-state.js';
import { connectionOptionsOf } from './client-options.js';
import { Connection } from './connection.js';
import { Emitter, type Listener } from './emitter.js';
import { randomId } from './ids.js';
import { Outbox } from './outbox.js';
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
} from './types.js';
import { TypingSender } from './typing.js';
import { WatchedRooms } from './watched-rooms.js';

/**
 * A chat connection that survives what mobile networks do to it: it reconnects by itself, keeps unsent messages
 * in an outbox until the server has stored them, and replays what the user missed, so the app sees every message
 * once and in order. See client/README.md.
 *
 * The connection (connection.ts) runs one Transport (transport.ts) at a time, a new one after every drop; what the
 * client knows (rooms, messages, presence, typing) lives in ChatState (chat-state.ts) and outlives them all. The
 * methods that are one action each come from ActionMethods (action-methods.ts).
 */
export class ChatClient extends ActionMethods {
  /** Typing indicators: `start` on every keystroke, `stop` when the input is cleared; `users` who type in a room. */
  readonly typing: {
    start(roomId: string): void;
    stop(roomId: string): void;
    users(roomId: string): TypingUser[];
  };

  /**
   * Who is online: `watch` a room to keep its list (refreshed after every reconnect), `online` reads it. In watch
   * mode `watch` also watches the room (watchRoom), since only a room heard has presence events; `unwatch` leaves
   * the room watched (the app may still show it).
   */
  readonly presence: {
    watch(roomId: string): Promise<User[]>;
    unwatch(roomId: string): void;
    online(roomId: string): User[];
  };

  private readonly requestTimeoutMs: number;
  private readonly events: Emitter<ChatClientEvents>;
  private readonly connection: Connection;
  private readonly typingSender: TypingSender;
  private readonly model: ChatState;
  private readonly outbox: Outbox;
  private readonly watched: WatchedRooms;
  private reportingListenerError = false;

  constructor(options: ChatClientOptions) {
    super();
    const connectionOptions = connectionOptionsOf(options);
    this.requestTimeoutMs = connectionOptions.requestTimeoutMs;
    this.events = new Emitter<ChatClientEvents>((error) => this.reportListenerError(error));
    this.connection = new Connection(connectionOptions, {
      welcome: (user, rooms) => this.model.welcome(user, rooms),
      beforeServing: (transport) => (this.watched.enabled ? this.watched.resubscribe(transport) : undefined),
      opened: () => this.onOpened(),
      ping: (transport, timeoutMs) => checkTails(transport, timeoutMs, (roomSeqs) => this.model.catchUpTails(roomSeqs)),
      ack: (action, fields, ack, sentAt) => {
        if (action === 'sendMessage')
          this.typingSender.messageSent((ack as unknown as Ack<'sendMessage'>).message.roomId);
        this.model.absorbAck(action, fields, ack, sentAt);
      },
      unsolicited: (frame) => {
        if (frame.type === 'error') this.emitError(new ChatError(frame.code, frame.message));
        else this.model.applyEvent(frame);
      },
      lost: () => {
        this.typingSender.reset();
        this.model.pause();
      },
      state: (change) => this.events.emit('state', change),
      error: (error) => this.emitError(error),
    });
    this.model = new ChatState({
      events: this.events,
      fetchAfter: (roomId, after) => fetchPageAfter(this.connection, roomId, after, this.requestTimeoutMs),
      readPresence: (roomId) => this.connection.send('getPresence', { roomId }, this.requestTimeoutMs),
      readUnread: (roomId, seq) => this.connection.send('markRead', { roomId, seq }, this.requestTimeoutMs),
      gapWaitMs: options.gapWaitMs ?? 2_000,
      resumeSeqs: { ...options.lastSeqs },
      hears: (roomId) => this.watched.hears(roomId),
      roomRemoved: (roomId) => this.watched.forget(roomId),
    });
    const timeoutMs = this.requestTimeoutMs;
    this.watched = new WatchedRooms(connectionOptions.watchMode, {
      request: (action, roomId) =>
        retryingRefusals(async () => {
          await this.connection.whenOpen(timeoutMs);
          return this.connection.sendToBoth(action, { roomId }, timeoutMs);
        }),
      subscribeOn: (transport, roomId) => retryingRefusals(() => transport.request('subscribe', { roomId }, timeoutMs)),
      catchUp: (roomId) => this.model.catchUpRoom(roomId),
      unheard: (roomId) => this.model.presenceView.unwatch(roomId),
      notMember: (roomId) => this.model.forgetRoom(roomId),
      isIdle: () => this.state === 'idle',
      error: (error) => this.emitError(error),
    });
    this.typingSender = new TypingSender(
      (roomId, isTyping) => {
        // No requestId: nothing waits for the ack, and an indicator lost with a connection simply lapses.
        this.connection.sendAndForget({ action: 'typing', roomId, isTyping });
      },
      options.typingResendMs ?? LIMITS.typingRebroadcastMs,
      options.typingIdleMs ?? 3_000,
    );
    this.typing = {
      start: (roomId) => this.typingSender.start(roomId),
      stop: (roomId) => this.typingSender.stop(roomId),
      users: (roomId) => this.model.typingTracker.users(roomId),
    };
    this.outbox = new Outbox({
      canSend: () => this.connection.isOpen,
      send: async ({ roomId, clientMessageId, content, messageType, attachmentUrl, replyTo }) => {
        const fields: Record<string, unknown> = { roomId, clientMessageId, content };
        if (messageType) fields.messageType = messageType;
        if (attachmentUrl) fields.attachmentUrl = attachmentUrl;
        if (replyTo !== undefined) fields.replyTo = replyTo;
        return (await this.connection.send('sendMessage', fields, this.requestTimeoutMs)).message;
      },
    });
    this.presence = {
      watch: (roomId) => this.watchPresence(roomId),
      unwatch: (roomId) => this.model.presenceView.unwatch(roomId),
      online: (roomId) => this.model.presenceView.online(roomId),
    };
  }

  // ---- Public surface -------------------------------------------------------------------------------------------

  get state(): ConnectionState {
    return this.connection.state;
  }

  /** The signed-in user, known once the first connection has said hello. */
  get user(): User | undefined {
    return this.model.me;
  }

  /** Starts connecting; resolves once connected (and keeps the connection up until close()). */
  connect(): Promise<void> {
    this.connection.start();
    return this.connection.whenOpen();
  }

  /** Closes for good: pending requests and unsent messages fail with CLOSED (read them first with pendingMessages()). */
  close(): void {
    if (this.state === 'closed') return;
    const closed = () => new ChatError('CLOSED', 'the client was closed');
    this.connection.close(closed());
    this.outbox.rejectAll(closed());
    this.typingSender.reset();
    this.model.dispose();
  }

  /**
   * Call when the app knows the network came back (in browsers the client listens to `online` itself): a waiting
   * retry, or a handshake begun while the network was down, runs again now with the backoff reset, and an open
   * connection is checked with a ping that is also a tail check (a dead connection times out and is replaced).
   */
  reconnectNow(): void {
    this.connection.reconnectNow();
  }

  /**
   * Tells the client whether a user is looking at the app (React Native: AppState `active`; browsers: the page is
   * visible). In the foreground it retries within 5 s and checks for lost messages every minute; in the background
   * within 30 s and every 4.5 minutes (see client/README.md). Coming to the foreground also does `reconnectNow()`.
   */
  setForeground(foreground: boolean): void {
    this.connection.setForeground(foreground);
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
    await this.connection.whenOpen(timeoutMs);
    return this.connection.send(action, (fields ?? {}) as Record<string, unknown>, timeoutMs);
  }

  /**
   * Sends a message and resolves with it as stored (with its seq). It waits in an outbox, sent again after every
   * reconnect with the same clientMessageId until the server acks it (the server stores it once). Messages to one
   * room are sent one after another, so they are stored in the order they were sent. The stored message is also
   * emitted as a `message` event, in seq order with everyone else's.
   */
  sendMessage(roomId: string, content: string, options: SendMessageOptions = {}): Promise<Message> {
    if (this.state === 'closed') return Promise.reject(new ChatError('CLOSED', 'the client was closed', 'sendMessage'));
    if (typeof content !== 'string' || content.length === 0) {
      return Promise.reject(new ChatError('BAD_REQUEST', 'content: must be at least 1 characters', 'sendMessage'));
    }
    if (content.length > LIMITS.contentMaxLength) {
      return Promise.reject(
        new ChatError(
          'PAYLOAD_TOO_LARGE',
          `content: must be at most ${LIMITS.contentMaxLength} characters`,
          'sendMessage',
        ),
      );
    }
    return this.outbox.enqueue({
      roomId,
      clientMessageId: options.clientMessageId ?? randomId(),
      content,
      ...(options.messageType ? { messageType: options.messageType } : {}),
      ...(options.attachmentUrl ? { attachmentUrl: options.attachmentUrl } : {}),
      ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
    });
  }

  /** A message this client emitted, as it is now (every change applied), if it is among its room's newest 1,000. */
  message(roomId: string, seq: number): Message | undefined {
    return this.model.message(roomId, seq);
  }

  /** Messages not yet acked, oldest first (e.g. to show them as "sending", or to save them before the app quits). */
  pendingMessages(roomId?: string): PendingMessage[] {
    return this.outbox.pending(roomId);
  }

  /** The user's rooms as last heard (hello, room events, acks). */
  rooms(): Room[] {
    return this.model.rooms();
  }

  room(roomId: string): Room | undefined {
    return this.model.room(roomId);
  }

  /** The last seq emitted per room: save it to resume there with `options.lastSeqs` after a restart. */
  lastSeqs(): Record<string, number> {
    return this.model.lastSeqs();
  }

  /** A handle for one input box: `keystroke()` on every input event, `stop()` when it is cleared or sent. */
  typingIndicator(roomId: string): { keystroke(): void; stop(): void } {
    return { keystroke: () => this.typingSender.start(roomId), stop: () => this.typingSender.stop(roomId) };
  }

  /**
   * Ordinary messages from others after the read marker, kept live across messages, this device's and other
   * devices' markRead, and reconnects. At most LIMITS.unreadCountMax (100), which means "100 or more": show "99+".
   * Changes come as `unreadChanged` events.
   */
  unreadCount(roomId: string): number {
    return this.model.unread.count(roomId);
  }

  /** The sum of `unreadCount` over the user's rooms. */
  get unreadTotal(): number {
    return this.model.unread.total;
  }

  /**
   * Watch mode: the room's events reach this client from now on (the server is asked to `subscribe` this socket
   * and every later one), and what it missed while not heard is caught up (emitted as `message` and
   * `messageChanged`) before this resolves. At most 100 rooms at once: one more rejects with BAD_REQUEST, nothing
   * sent. Without watch mode every room is heard: it resolves at once and sends nothing.
   */
  watchRoom(roomId: string): Promise<void> {
    return this.watched.watch(roomId);
  }

  /** Watch mode: the room's events stop (`unsubscribe`), and its presence list is no longer kept. */
  unwatchRoom(roomId: string): Promise<void> {
    return this.watched.unwatch(roomId);
  }

  /** The rooms watched (watch mode); always empty without it, where every room is heard. */
  watchedRooms(): string[] {
    return this.watched.list();
  }

  async updateProfile(changes: ActionFields['updateProfile']): Promise<User> {
    const { user } = await this.request('updateProfile', changes);
    this.model.me = user;
    return user;
  }

  // ---- Connections and catching up ------------------------------------------------------------------------------

  /** A connection is open: send what waits in the outbox, catch every room heard up. */
  private onOpened(): void {
    this.outbox.flush();
    void this.model.catchUpAll();
  }

  private async watchPresence(roomId: string): Promise<User[]> {
    if (this.watched.enabled) await this.watched.watch(roomId);
    const view = this.model.presenceView;
    if (!view.isWatched(roomId)) view.replace(roomId, []);
    await this.request('getPresence', { roomId });
    return view.online(roomId);
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
      this.emitError(error instanceof Error ? error : new Error(describeError(error)));
    } finally {
      this.reportingListenerError = false;
    }
  }
}
