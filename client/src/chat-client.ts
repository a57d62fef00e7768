import { LIMITS } from '../../lambdas/protocol/limits.js';
import type { AckFields } from '../../lambdas/protocol/frames.js';
import type { BlockedUser, Message, MessageChange, PushPlatform, Room, User } from '../../lambdas/protocol/objects.js';
import { jitteredDelayMs } from './backoff.js';
import { ChatError, describeError } from './chat-error.js';
import { uploadFile } from './attachments.js';
import { ChatState } from './chat-state.js';
import { Connection } from './connection.js';
import { Emitter, type Listener } from './emitter.js';
import { heartbeatFor } from './heartbeat.js';
import { randomId } from './ids.js';
import { Outbox } from './outbox.js';
import type { HistoryPage } from './room-sequencer.js';
import type { Transport } from './transport.js';
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
} from './types.js';
import { TypingSender } from './typing.js';

export interface RequestOptions {
  /** Overrides the client's requestTimeoutMs for this request. */
  timeoutMs?: number;
}

/** `request(action)` may omit the fields of actions that need none. */
export type RequestArgs<A extends ActionName> =
  Record<string, never> extends ActionFields[A]
    ? [fields?: ActionFields[A], options?: RequestOptions]
    : [fields: ActionFields[A], options?: RequestOptions];

const HISTORY_PAGE = LIMITS.historyMaxLimit;
/** A catch-up page refused for being too fast (or an internal error) is asked for again this many times. */
const FETCH_RETRIES = 5;

/**
 * A chat connection that survives what mobile networks do to it: it reconnects by itself, keeps unsent messages
 * in an outbox until the server has stored them, and replays what the user missed, so the app sees every message
 * once and in order. See client/README.md.
 *
 * The connection (connection.ts) runs one Transport (transport.ts) at a time, a new one after every drop; what the
 * client knows (rooms, messages, presence, typing) lives in ChatState (chat-state.ts) and outlives them all.
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

  private readonly requestTimeoutMs: number;
  private readonly events: Emitter<ChatClientEvents>;
  private readonly connection: Connection;
  private readonly typingSender: TypingSender;
  private readonly model: ChatState;
  private readonly outbox: Outbox;
  private reportingListenerError = false;

  constructor(options: ChatClientOptions) {
    const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocketClass)
      throw new TypeError('ChatClient: no global WebSocket here; pass options.WebSocket (e.g. from "ws")');
    if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
      throw new TypeError('ChatClient: options.url must be a ws:// or wss:// URL');
    }
    if (typeof options.getToken !== 'function') throw new TypeError('ChatClient: options.getToken must be a function');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 20_000;
    const pingIntervalMs = options.pingIntervalMs ?? 270_000;
    const foregroundPingIntervalMs = options.foregroundPingIntervalMs ?? Math.min(60_000, pingIntervalMs);
    const heartbeatMs =
      options.declareHeartbeat === false ? undefined : heartbeatFor(pingIntervalMs, foregroundPingIntervalMs);
    this.events = new Emitter<ChatClientEvents>((error) => this.reportListenerError(error));
    this.connection = new Connection(
      {
        url: options.url,
        getToken: options.getToken,
        WebSocket: WebSocketClass,
        pingIntervalMs,
        foregroundPingIntervalMs,
        ...(heartbeatMs !== undefined && { heartbeatMs }),
        maxConnectionMs: options.maxConnectionMs ?? 6_900_000,
        requestTimeoutMs: this.requestTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
        reconnectDelay: options.reconnectDelay,
        foreground: options.foreground ?? true,
      },
      {
        welcome: (user, rooms) => this.model.welcome(user, rooms),
        opened: () => this.onOpened(),
        ping: (transport, timeoutMs) => this.checkTails(transport, timeoutMs),
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
      },
    );
    this.model = new ChatState({
      events: this.events,
      fetchAfter: (roomId, after) => this.fetchAfter(roomId, after),
      readPresence: (roomId) => this.connection.send('getPresence', { roomId }, this.requestTimeoutMs),
      readUnread: (roomId, seq) => this.connection.send('markRead', { roomId, seq }, this.requestTimeoutMs),
      gapWaitMs: options.gapWaitMs ?? 2_000,
      resumeSeqs: { ...options.lastSeqs },
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

  /**
   * Replaces the content of one of the user's own messages; resolves with the message as it is now. The edit is
   * also emitted as a `messageChanged` event, in seq order. Repeating it changes nothing more.
   */
  async editMessage(roomId: string, seq: number, content: string): Promise<Message> {
    return (await this.request('editMessage', { roomId, seq, content })).message;
  }

  /**
   * Deletes a message (the user's own, or any in a group room the user created): its content is removed from the
   * server. Resolves with the message as it is now (`deleted: true`); emitted as a `messageChanged` event.
   */
  async deleteMessage(roomId: string, seq: number): Promise<Message> {
    return (await this.request('deleteMessage', { roomId, seq })).message;
  }

  /** Gives (`on`, the default) or takes back the user's reaction with one emoji; resolves with the message now. */
  async react(roomId: string, seq: number, emoji: string, on = true): Promise<Message> {
    return (await this.request('react', { roomId, seq, emoji, on })).message;
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

  /**
   * One page of history: the newest by default, older than `before`, or newer than `after`; ascending seq. Messages
   * and changes of users this user blocked are left out; `hiddenSeqs` lists their seqs, so paging goes on from the
   * farthest of those and the seqs of the messages and changes.
   */
  async getHistory(
    roomId: string,
    query: { before?: number; after?: number; limit?: number } = {},
  ): Promise<{ messages: Message[]; changes: MessageChange[]; hasMore: boolean; hiddenSeqs: number[] }> {
    const { messages, changes, hasMore, hiddenSeqs } = await this.request('getHistory', { roomId, ...query });
    return { messages, changes, hasMore, hiddenSeqs: hiddenSeqs ?? [] };
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

  /** Moves the user's read marker forward (never back); resolves with the room's unread count after it. */
  async markRead(roomId: string, seq: number): Promise<number> {
    return (await this.request('markRead', { roomId, seq })).unreadCount;
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

  // ---- Push notifications ---------------------------------------------------------------------------------------

  /**
   * Registers this device's push token (from APNs or FCM) for the signed-in user; call it whenever the app starts,
   * since tokens change. A token registered by another user moves to this one.
   */
  async registerDevice(platform: PushPlatform, token: string): Promise<void> {
    await this.request('registerDevice', { platform, token });
  }

  /** Stops pushes to this token for the signed-in user (at sign-out); false when it was not theirs. */
  async unregisterDevice(token: string): Promise<boolean> {
    return (await this.request('unregisterDevice', { token })).removed;
  }

  /** Mutes (or unmutes) a room's push notifications for the signed-in user; rooms() shows it as `muted`. */
  async muteRoom(roomId: string, muted = true): Promise<void> {
    await this.request('muteRoom', { roomId, muted });
  }

  /**
   * Asks for an upload of one file to a room (members only): a presigned PUT (`uploadUrl` with `headers`) valid until
   * `expiresAt`, and the `attachmentUrl` to send once the file is there. See `uploadFile` for all of it at once.
   */
  async createUpload(
    roomId: string,
    file: Omit<ActionFields['createUpload'], 'roomId'>,
  ): Promise<AckFields['createUpload']> {
    const { uploadUrl, headers, attachmentUrl, expiresAt } = await this.request('createUpload', { roomId, ...file });
    return { uploadUrl, headers, attachmentUrl, expiresAt };
  }

  /**
   * Uploads a file (a Blob / File in browsers, bytes anywhere) and resolves with the `attachmentUrl` to pass to
   * `sendMessage` (with `messageType: 'image'` or `'file'`). A refused type or size rejects with the server's
   * ChatError before anything is sent; a refused PUT with `UPLOAD_FAILED`.
   */
  uploadFile(roomId: string, body: Blob | Uint8Array, options: { contentType: string; fileName?: string }) {
    return uploadFile((room, file) => this.createUpload(room, file), roomId, body, options);
  }

  /** A link that reads an attachment of the room until `expiresAt` (about an hour): ask again after. */
  async getAttachmentUrl(roomId: string, attachmentUrl: string): Promise<{ url: string; expiresAt: string }> {
    const { url, expiresAt } = await this.request('getAttachmentUrl', { roomId, attachmentUrl });
    return { url, expiresAt };
  }

  async updateProfile(changes: ActionFields['updateProfile']): Promise<User> {
    const { user } = await this.request('updateProfile', changes);
    this.model.me = user;
    return user;
  }

  /**
   * Blocks a user: none of their messages, typing, presence or read markers reach any of this user's devices any
   * more, history leaves their messages out, and they cannot open a direct room with this user or add them to rooms
   * (docs/PROTOCOL.md, "Blocking"). Idempotent; resolves with when the block was made (ISO 8601).
   */
  async blockUser(userId: string): Promise<string> {
    return (await this.request('blockUser', { userId })).blockedAt;
  }

  /** Lifts a block (idempotent): the user's messages and activity reach this user again from now on. */
  async unblockUser(userId: string): Promise<void> {
    await this.request('unblockUser', { userId });
  }

  /** Every user this user blocked (all pages). */
  async listBlocked(): Promise<BlockedUser[]> {
    const blocked: BlockedUser[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.request('listBlocked', cursor ? { cursor } : {});
      blocked.push(...page.blocked);
      cursor = page.cursor;
    } while (cursor);
    return blocked;
  }

  /**
   * Reports a message to the operator (reason: 1 to 1,000 characters); resolves with the report id, the same for a
   * repeat. At most 10 reports an hour: the 11th rejects with RATE_LIMITED.
   */
  async reportMessage(roomId: string, seq: number, reason: string): Promise<string> {
    return (await this.request('reportMessage', { roomId, seq, reason })).reportId;
  }

  // ---- Connections and catching up ------------------------------------------------------------------------------

  /** A connection is open: send what waits in the outbox, catch every room up. */
  private onOpened(): void {
    this.outbox.flush();
    void this.model.catchUpAll();
  }

  /**
   * A ping that also asks for the lastSeq of every room of the user (a page of up to 100 rooms per ping): a room
   * that moved past what was emitted lost its last messages on the way, and is caught up with getHistory.
   */
  private async checkTails(transport: Transport, timeoutMs: number): Promise<void> {
    let cursor: string | undefined;
    do {
      const ack = await transport.request('ping', cursor ? { roomSeqs: true, cursor } : { roomSeqs: true }, timeoutMs);
      await this.model.catchUpTails(ack.roomSeqs ?? []);
      cursor = ack.cursor;
    } while (cursor);
  }

  private async fetchAfter(roomId: string, after: number): Promise<HistoryPage> {
    for (let attempt = 0; ; attempt++) {
      if (this.state !== 'open') throw new ChatError('DISCONNECTED', 'not connected', 'getHistory');
      try {
        const fields = { roomId, after, limit: HISTORY_PAGE };
        const { messages, changes, hasMore, hiddenSeqs } = await this.connection.send(
          'getHistory',
          fields,
          this.requestTimeoutMs,
        );
        return hiddenSeqs ? { messages, changes, hasMore, hiddenSeqs } : { messages, changes, hasMore };
      } catch (error) {
        // Catching up many rooms at once can meet the rate limit; a room left behind would stay behind until the
        // next reconnect, so wait and ask again.
        const transient = error instanceof ChatError && (error.code === 'RATE_LIMITED' || error.code === 'INTERNAL');
        if (!transient || attempt >= FETCH_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, jitteredDelayMs(attempt, 250, 5_000)));
      }
    }
  }

  private async watchPresence(roomId: string): Promise<User[]> {
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
