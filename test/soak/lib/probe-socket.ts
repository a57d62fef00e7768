// A bare WebSocket client for the soak harness and the reliability and security suites: it pairs answers with
// requests by requestId, counts every answer per requestId (a second one is a protocol violation), and hands every
// other frame to a listener with the time it arrived. Light enough to hold a thousand of them in one process.
import WebSocket from 'ws';

export type Frame = { type?: string; [field: string]: unknown };

/** The handshake was answered with an HTTP status instead of 101. */
export class HandshakeRefused extends Error {
  constructor(readonly statusCode: number) {
    super(`handshake refused with HTTP ${statusCode}`);
    this.name = 'HandshakeRefused';
  }
}

/** An answer the server did not send in time. */
export class NoAnswer extends Error {
  constructor(label: string, action: string, requestId: string, timeoutMs: number) {
    super(`${label}: no answer to ${action} (${requestId}) within ${timeoutMs} ms`);
    this.name = 'NoAnswer';
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface PendingAnswer {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class ProbeSocket {
  /** Frames that are neither an ack nor an error, with their arrival time (only when `keepEvents`). */
  readonly events: Array<{ at: number; frame: Frame }> = [];
  /** Broken protocol rules seen in passing: a second answer to one requestId, a frame that is not a JSON object. */
  readonly violations: string[] = [];
  /** Every answer (ack / error) received, pending or not, in arrival order. */
  readonly answers: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Called for every event frame as it arrives. */
  onEvent?: (frame: Frame, at: number) => void;

  private readonly pending = new Map<string, PendingAnswer>();
  private readonly answerCounts = new Map<string, number>();
  private counter = 0;
  private closeInfo: { code: number; reason: string } | undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly label: string,
    private readonly keepEvents: boolean,
  ) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        for (const [requestId, answer] of this.pending) {
          clearTimeout(answer.timer);
          answer.reject(new Error(`${label}: the connection closed (${code}) before an answer to ${requestId}`));
        }
        this.pending.clear();
        resolve(this.closeInfo);
      });
    });
    socket.on('message', (data) => this.receive(data));
  }

  /** Opens a connection; rejects with HandshakeRefused when the upgrade is answered with an HTTP status. */
  static open(url: string, options: { label?: string; keepEvents?: boolean } = {}): Promise<ProbeSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      // Kept for the socket's life: an 'error' without a listener would end the process.
      socket.on('error', (error) => reject(error));
      socket.once('unexpected-response', (request, response) => {
        reject(new HandshakeRefused(response.statusCode ?? 0));
        response.resume();
        request.destroy();
      });
      socket.once('open', () => resolve(new ProbeSocket(socket, options.label ?? 'probe', options.keepEvents ?? true)));
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  get closeCode(): number | undefined {
    return this.closeInfo?.code;
  }

  nextRequestId(): string {
    this.counter += 1;
    return `${this.label}-${this.counter}`;
  }

  /** Sends a frame as is (an object is JSON-encoded). */
  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends `{ ...fields, action, requestId }` and resolves with the one ack or error that carries the requestId. */
  request(
    action: string,
    fields: Record<string, unknown> = {},
    options: { requestId?: string; timeoutMs?: number } = {},
  ): Promise<Frame> {
    const requestId = options.requestId ?? this.nextRequestId();
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new NoAnswer(this.label, action, requestId, timeoutMs));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      this.send({ ...fields, action, requestId });
    });
  }

  /** request() that must be acked; throws with the answer otherwise. */
  async ack(
    action: string,
    fields: Record<string, unknown> = {},
    options: { timeoutMs?: number } = {},
  ): Promise<Frame> {
    const answer = await this.request(action, fields, options);
    if (answer.type !== 'ack') throw new Error(`${this.label}: ${action} was not acked: ${JSON.stringify(answer)}`);
    return answer;
  }

  /** How many answers carried this requestId so far. */
  answerCount(requestId: string): number {
    return this.answerCounts.get(requestId) ?? 0;
  }

  /** Resolves with the first kept event (already received or still to come) that matches. */
  async waitForEvent(predicate: (frame: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find((entry) => predicate(entry.frame));
      if (found) return found.frame;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.label}: no matching event within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => e.frame))}`,
        );
      }
      await sleep(10);
    }
  }

  eventsOf(type: string): Frame[] {
    return this.events.filter((entry) => entry.frame.type === type).map((entry) => entry.frame);
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    if (this.socket.readyState !== WebSocket.CLOSING) this.socket.close(1000);
    await this.closed;
  }

  /** The network dies: the TCP connection is cut without a close handshake. */
  terminate(): void {
    this.socket.terminate();
  }

  private receive(data: WebSocket.RawData): void {
    const at = Date.now();
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      this.violations.push(`not JSON: ${text.slice(0, 200)}`);
      return;
    }
    if (frame === null || typeof frame !== 'object' || Array.isArray(frame)) {
      this.violations.push(`not an object: ${text.slice(0, 200)}`);
      return;
    }
    if (frame.type === 'ack' || frame.type === 'error') {
      this.answers.push(frame);
      if (typeof frame.requestId === 'string') {
        const count = (this.answerCounts.get(frame.requestId) ?? 0) + 1;
        this.answerCounts.set(frame.requestId, count);
        if (count > 1) this.violations.push(`answer number ${count} for requestId ${frame.requestId}`);
        const waiting = this.pending.get(frame.requestId);
        if (waiting) {
          clearTimeout(waiting.timer);
          this.pending.delete(frame.requestId);
          waiting.resolve(frame);
        }
      }
      return;
    }
    if (this.keepEvents) this.events.push({ at, frame });
    this.onEvent?.(frame, at);
  }
}
