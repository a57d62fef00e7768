// A scripted WebSocket for unit tests of the SDK's connection logic under fake timers: the test opens it, feeds it
// frames and closes it; a FakeServer answers the actions the client needs to reach `open`.
import type { WebSocketConstructor, WebSocketLike } from '../../client/src/index.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

export class FakeSocket implements WebSocketLike {
  readyState = CONNECTING;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  readonly sent: Array<Record<string, unknown>> = [];
  closedWith?: { code?: number; reason?: string };

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = CLOSED;
  }

  /** The handshake completes. */
  open(): void {
    this.readyState = OPEN;
    this.onopen?.({});
  }

  /** A frame from the server. */
  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  /** The server, the gateway or the network closes it. */
  serverClose(code = 1006): void {
    this.readyState = CLOSED;
    this.onclose?.({ code });
  }

  /** The frames sent for one action. */
  requests(action: string): Array<Record<string, unknown>> {
    return this.sent.filter((frame) => frame.action === action);
  }

  /** Acks the last request of an action. */
  ack(action: string, fields: Record<string, unknown> = {}): void {
    const request = this.requests(action).at(-1);
    if (!request) throw new Error(`no ${action} request to answer`);
    this.receive({ type: 'ack', action, requestId: request.requestId, ...fields });
  }
}

/** A WebSocket class whose instances the test can reach. */
export function fakeSockets(): { WebSocket: WebSocketConstructor; all: FakeSocket[]; last(): FakeSocket } {
  const all: FakeSocket[] = [];
  return {
    all,
    WebSocket: class extends FakeSocket {
      constructor(url: string) {
        super(url);
        all.push(this);
      }
    },
    last() {
      const socket = all.at(-1);
      if (!socket) throw new Error('no socket was opened');
      return socket;
    },
  };
}

export const SERVER_TIME = '2026-01-01T00:00:00.000Z';

/** Answers hello (with the given rooms) the way the server does, so a client reaches `open`. */
export function answerHello(socket: FakeSocket, rooms: unknown[] = []): void {
  socket.ack('hello', { user: { userId: 'u1', displayName: 'U1' }, rooms, serverTime: SERVER_TIME });
}
