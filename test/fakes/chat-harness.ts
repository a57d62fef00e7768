// Wires createChat with the in-memory stores, the recording notifier and a manual clock, and offers the moves a
// unit test makes: connect a user, send a frame, read what a connection received.
import { createChat } from '../../lambdas/chat/index.js';
import type {
  AttachmentStorage,
  FanOutDispatcher,
  FrameQueue,
  Logger,
  MetricName,
  Metrics,
  PushJobQueue,
  RoomSizeBucket,
  ModerationEvents,
} from '../../lambdas/chat/ports.js';
import { DEFAULT_CHAT_CONFIG, type ChatConfig, type ChatService } from '../../lambdas/chat/service.js';
import type { AckFrame, ErrorFrame, Room, ServerEvent, ServerFrame } from '../../lambdas/protocol/index.js';
import { ManualClock } from './manual-clock.js';
import { createMemoryStores, type MemoryStores } from './memory-stores.js';
import { RecordingNotifier } from './recording-notifier.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra?: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(message: string, extra?: Record<string, unknown>): void {
    this.entries.push({ level: 'debug', message, extra });
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.entries.push({ level: 'info', message, extra });
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, extra });
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, extra });
  }
  /** Everything logged, as one string, for "this never appears in a log" assertions. */
  text(): string {
    return JSON.stringify(this.entries);
  }
}

export class RecordingMetrics implements Metrics {
  readonly totals = new Map<MetricName, number>();
  count(name: MetricName, value = 1): void {
    this.totals.set(name, (this.totals.get(name) ?? 0) + value);
  }
  total(name: MetricName): number {
    return this.totals.get(name) ?? 0;
  }
  /** Every FanOutDuration recorded, in order. */
  readonly durations: { ms: number; roomSize: RoomSizeBucket }[] = [];
  fanOutDuration(ms: number, roomSize: RoomSizeBucket): void {
    this.durations.push({ ms, roomSize });
  }
}

export interface TestConnection {
  connectionId: string;
  userId: string;
  connectedAt: number;
}

export interface ConnectOptions {
  /** The token's display name; defaults to the user id. */
  name?: string;
  connectionId?: string;
  connectedAt?: number;
  /** Watch mode (the handshake's watch=1). */
  watch?: boolean;
}

export type Answer = AckFrame | ErrorFrame;

export interface ChatHarness {
  chat: ChatService;
  stores: MemoryStores;
  notifier: RecordingNotifier;
  clock: ManualClock;
  logger: RecordingLogger;
  metrics: RecordingMetrics;
  config: ChatConfig;
  connect(userId: string, options?: ConnectOptions): Promise<TestConnection>;
  /** Closes the connection as the gateway would: onDisconnect, then posts to it find it gone. */
  disconnect(connection: TestConnection): Promise<void>;
  /** Sends a raw frame (an object is JSON-serialised, a string sent as is). */
  send(connection: TestConnection, frame: object | string): Promise<void>;
  /** Sends `{ action, requestId, ...fields }` and returns the one answer with that requestId. */
  request(connection: TestConnection, action: string, fields?: Record<string, unknown>): Promise<Answer>;
  /** request() that must be acked; throws with the error frame otherwise. */
  ack(connection: TestConnection, action: string, fields?: Record<string, unknown>): Promise<AckFrame>;
  /** Every frame delivered to the connection, in order. */
  framesOf(connection: TestConnection): ServerFrame[];
  /** The events (frames that are neither ack nor error) delivered to the connection, optionally of one type. */
  eventsOf<T extends ServerEvent['type']>(connection: TestConnection, type?: T): Extract<ServerEvent, { type: T }>[];
  /** Forgets every frame delivered so far (to assert on what a later step sends). */
  clearFrames(): void;
  /** createRoom through the protocol; returns the acked room. */
  createRoom(owner: TestConnection, name: string, memberIds?: string[]): Promise<Room>;
}

export function createChatHarness(
  options: {
    config?: Partial<ChatConfig>;
    start?: number;
    frameQueue?: FrameQueue;
    attachments?: AttachmentStorage;
    pushJobs?: PushJobQueue;
    fanOutDispatcher?: FanOutDispatcher;
    moderationEvents?: ModerationEvents;
  } = {},
): ChatHarness {
  const stores = createMemoryStores();
  const notifier = new RecordingNotifier();
  const clock = new ManualClock(options.start);
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  // No offline grace unless a test asks for one: most tests look at what a close announces at once.
  const config: ChatConfig = { ...DEFAULT_CHAT_CONFIG, offlineGraceMs: 0, ...options.config };
  const chat = createChat({
    stores,
    notifier,
    clock,
    logger,
    metrics,
    config,
    ...(options.frameQueue && { frameQueue: options.frameQueue }),
    ...(options.pushJobs && { pushJobs: options.pushJobs }),
    ...(options.attachments && { attachments: options.attachments }),
    ...(options.fanOutDispatcher && { fanOutDispatcher: options.fanOutDispatcher }),
    ...(options.moderationEvents && { moderationEvents: options.moderationEvents }),
  });
  let connectionCounter = 0;
  let requestCounter = 0;

  const harness: ChatHarness = {
    chat,
    stores,
    notifier,
    clock,
    logger,
    metrics,
    config,

    async connect(userId, connectOptions = {}) {
      connectionCounter += 1;
      const connection: TestConnection = {
        connectionId: connectOptions.connectionId ?? `conn-${connectionCounter}-${userId}`,
        userId,
        connectedAt: connectOptions.connectedAt ?? clock.now(),
      };
      notifier.markActive(connection.connectionId, connection.connectedAt);
      await chat.onConnect({
        connectionId: connection.connectionId,
        userId,
        tokenDisplayName: connectOptions.name ?? userId,
        connectedAt: connection.connectedAt,
        ...(connectOptions.watch && { watch: true }),
      });
      return connection;
    },

    async disconnect(connection) {
      await chat.onDisconnect({ connectionId: connection.connectionId, userId: connection.userId });
      notifier.markGone(connection.connectionId);
    },

    async send(connection, frame) {
      // Any frame moves the gateway's lastActiveAt, well-formed or not.
      notifier.markActive(connection.connectionId, clock.now());
      await chat.onFrame({
        connectionId: connection.connectionId,
        userId: connection.userId,
        connectedAt: connection.connectedAt,
        body: typeof frame === 'string' ? frame : JSON.stringify(frame),
      });
    },

    async request(connection, action, fields = {}) {
      requestCounter += 1;
      const requestId = `req-${requestCounter}`;
      await harness.send(connection, { ...fields, action, requestId });
      const answers = harness
        .framesOf(connection)
        .filter(
          (frame): frame is Answer => (frame.type === 'ack' || frame.type === 'error') && frame.requestId === requestId,
        );
      if (answers.length !== 1) {
        throw new Error(`expected exactly one answer to ${action} (${requestId}), got ${JSON.stringify(answers)}`);
      }
      return answers[0]!;
    },

    async ack(connection, action, fields) {
      const answer = await harness.request(connection, action, fields);
      if (answer.type !== 'ack') throw new Error(`${action} was not acked: ${JSON.stringify(answer)}`);
      return answer;
    },

    framesOf(connection) {
      return notifier.framesFor(connection.connectionId);
    },

    eventsOf(connection, type) {
      return harness
        .framesOf(connection)
        .filter((frame) => frame.type !== 'ack' && frame.type !== 'error')
        .filter((frame) => type === undefined || frame.type === type) as never;
    },

    clearFrames() {
      notifier.clear();
    },

    async createRoom(owner, name, memberIds) {
      const ack = await harness.ack(owner, 'createRoom', memberIds === undefined ? { name } : { name, memberIds });
      return ack.room as Room;
    },
  };
  return harness;
}
