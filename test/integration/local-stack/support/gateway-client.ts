// A thin real `ws` client for the gateway's own tests: it keeps every frame, can wait for one, and reports a refused
// handshake with its HTTP status and body.
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';

export type Frame = { type?: string; [field: string]: unknown };

export class HandshakeRefused extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(`handshake refused with HTTP ${statusCode}`);
  }
}

export const uniqueId = (label: string): string => `${label}-${randomBytes(5).toString('hex')}`;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export class GatewayClient {
  /** Text of every frame received, in order. */
  readonly frames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private requestCounter = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.frames.push(data.toString()));
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  static open(url: string, options: WebSocket.ClientOptions = {}): Promise<GatewayClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, options);
      socket.on('error', reject);
      socket.once('unexpected-response', (request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => reject(new HandshakeRefused(response.statusCode ?? 0, body)));
        response.on('error', () => reject(new HandshakeRefused(response.statusCode ?? 0, body)));
        request.on('error', () => undefined);
      });
      socket.once('open', () => resolve(new GatewayClient(socket)));
    });
  }

  /** The status the handshake to `url` is refused with; fails when it is accepted. */
  static async refusal(url: string): Promise<HandshakeRefused> {
    try {
      const client = await GatewayClient.open(url);
      client.socket.terminate();
    } catch (error) {
      if (error instanceof HandshakeRefused) return error;
      throw error;
    }
    throw new Error('the handshake was accepted');
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(data: string | Buffer, options: { binary?: boolean; fin?: boolean } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(data, { binary: options.binary ?? false, fin: options.fin ?? true }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** The first frame (parsed) matching the predicate, waiting for it if need be. */
  async frame(predicate: (frame: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    let found: Frame | undefined;
    await waitUntil(
      () => {
        found = this.frames.map(parse).find(predicate);
        return found !== undefined;
      },
      'a matching frame',
      timeoutMs,
    );
    return found!;
  }

  /** Sends an action and waits for the ack or error that carries its requestId. */
  async request(action: string, fields: Record<string, unknown> = {}): Promise<Frame> {
    this.requestCounter += 1;
    const requestId = `r-${this.requestCounter}`;
    await this.send(JSON.stringify({ ...fields, action, requestId }));
    return this.frame((frame) => frame.requestId === requestId);
  }

  close(): Promise<{ code: number; reason: string }> {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)
      this.socket.close();
    return this.closed;
  }
}

function parse(text: string): Frame {
  try {
    return JSON.parse(text) as Frame;
  } catch {
    return { unparsable: text };
  }
}
