// An SDK ChatClient that loses its network on a schedule: down for `downMs` of every `periodMs`, cut either by the
// gateway (DELETE /@connections/<id>) or by the client's side dying without a close. While it is down its token
// requests hang, so it stays away the whole time, then it reconnects and catches up by itself. It records what it
// emits (the app's view), which messages reached it live on the socket, and how long each catch-up took.
import WebSocket from 'ws';
import { ChatClient } from '../../../client/src/index.js';
import type { Message, WebSocketConstructor, WebSocketLike } from '../../../client/src/index.js';

export interface ChurnSchedule {
  downMs: number;
  periodMs: number;
  /** When the first drop happens, from start(). */
  firstDropAfterMs: number;
}

export interface ChurningClientOptions {
  url: string;
  userId: string;
  mintToken(): string | Promise<string>;
  /** DELETE /@connections/<id> of the client's current connection; resolves with the HTTP status. */
  deleteConnection(userId: string): Promise<number | undefined>;
  schedule: ChurnSchedule;
}

/** A ws socket that reports every text frame it receives before the SDK sees it, and can be cut. */
class WatchedSocket implements WebSocketLike {
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly inner: WebSocket;

  constructor(url: string, onFrame: (data: string) => void, register: (socket: WatchedSocket) => void) {
    this.inner = new WebSocket(url, { perMessageDeflate: false });
    register(this);
    this.inner.onopen = (event) => this.onopen?.(event);
    this.inner.onclose = (event) => this.onclose?.(event);
    this.inner.onerror = (event) => this.onerror?.(event);
    this.inner.onmessage = (event) => {
      if (typeof event.data === 'string') onFrame(event.data);
      this.onmessage?.(event);
    };
  }

  get readyState(): number {
    return this.inner.readyState;
  }

  send(data: string): void {
    this.inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.inner.close(code, reason);
  }
}

export class ChurningClient {
  readonly client: ChatClient;
  /** Per room, the messages the SDK emitted, in emission order. */
  readonly emitted = new Map<string, Message[]>();
  /** Ids of messages that arrived as live `message` frames (not through catch-up or an ack). */
  readonly seenLive = new Set<string>();
  /** Milliseconds from each reconnect to the moment every room had caught up to what hello reported. */
  readonly catchUpMs: number[] = [];
  drops = 0;
  dropsByGateway = 0;
  reconnects = 0;

  private socket?: WatchedSocket;
  private gate?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];
  private catchUp?: { startedAt: number; targets: Map<string, number> };
  private stopped = false;

  constructor(private readonly options: ChurningClientOptions) {
    const register = (socket: WatchedSocket) => (this.socket = socket);
    const onFrame = (data: string) => this.watchFrame(data);
    this.client = new ChatClient({
      url: options.url,
      WebSocket: class extends WatchedSocket {
        constructor(url: string) {
          super(url, onFrame, register);
        }
      } as unknown as WebSocketConstructor,
      reconnectDelay: { initialMs: 100, maxMs: 1_000 },
      requestTimeoutMs: 30_000,
      getToken: async () => {
        while (this.gate) await this.gate;
        return options.mintToken();
      },
    });
    this.client.on('message', ({ message }) => {
      const list = this.emitted.get(message.roomId) ?? [];
      list.push(message);
      this.emitted.set(message.roomId, list);
      this.checkCaughtUp();
    });
    this.client.on('state', ({ state, previous }) => {
      if (state !== 'open' || previous !== 'reconnecting') return;
      this.reconnects += 1;
      const targets = new Map(this.client.rooms().map((room) => [room.roomId, room.lastSeq]));
      this.catchUp = { startedAt: Date.now(), targets };
      this.checkCaughtUp();
    });
    // Failed attempts and the like are expected while churning; the checks at the end judge the outcome.
    this.client.on('error', () => undefined);
  }

  get userId(): string {
    return this.options.userId;
  }

  /** Starts the drop schedule. */
  start(): void {
    const { schedule } = this.options;
    const tick = (delay: number) => {
      const timer = setTimeout(() => {
        if (this.stopped) return;
        void this.dropFor(schedule.downMs);
        tick(schedule.periodMs);
      }, delay);
      this.timers.push(timer);
    };
    tick(schedule.firstDropAfterMs);
  }

  /** No more drops; resolves once the client is connected again. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    while (this.gate) await this.gate;
    const deadline = Date.now() + 30_000;
    while (this.client.state !== 'open') {
      if (Date.now() > deadline)
        throw new Error(`${this.userId}: not reconnected within 30 s (state ${this.client.state})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  close(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.client.close();
  }

  private async dropFor(downMs: number): Promise<void> {
    if (this.gate || this.client.state !== 'open') return;
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    this.drops += 1;
    // Half the drops are the gateway's doing, half the network dying on the client's side (no close frame).
    if (this.drops % 2 === 0) {
      this.dropsByGateway += 1;
      const status = await this.options.deleteConnection(this.userId);
      if (status !== 204) this.socket?.inner.terminate();
    } else {
      this.socket?.inner.terminate();
    }
    setTimeout(() => {
      this.gate = undefined;
      release();
    }, downMs);
  }

  private watchFrame(data: string): void {
    // Cheap pre-check: only message events matter here.
    if (!data.startsWith('{"type":"message"')) return;
    try {
      const frame = JSON.parse(data) as { message?: { id?: string } };
      if (frame.message?.id) this.seenLive.add(frame.message.id);
    } catch {
      // Not JSON: the SDK ignores it too.
    }
  }

  private checkCaughtUp(): void {
    if (!this.catchUp) return;
    const seen = this.client.lastSeqs();
    for (const [roomId, target] of this.catchUp.targets) {
      if ((seen[roomId] ?? 0) < target) return;
    }
    this.catchUpMs.push(Date.now() - this.catchUp.startedAt);
    this.catchUp = undefined;
  }
}
