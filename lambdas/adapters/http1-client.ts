// A small HTTP/1.1 client for one endpoint: keep-alive sockets (plain or TLS), one request at a time on each, the
// request written in one write, the answer parsed here. It exists for the fan-out's posts, where node:http's
// ClientRequest / IncomingMessage machinery cost 155-243 µs of CPU per call and a plain socket 51-70 µs on the
// machine the project is built on (bench/results/2026-12-03-lean-post.md): most of a post's CPU.
//
// What it does not do, because the management API needs none of it: pipelining, redirects, Expect: 100-continue,
// proxies, compression, upgrades. What it must do right, as any client: answers split or joined across reads, bodies
// by Content-Length, by chunked transfer coding or until the server closes, informational (1xx) heads skipped,
// "Connection: close" and HTTP/1.0 honoured, bounded heads and bodies, and a socket never reused after anything it
// cannot account for. Failures look like node:http's: socket errors as Node raises them (ECONNRESET, EPIPE,
// ECONNREFUSED), a socket closed before the answer ended as ECONNRESET 'socket hang up', timeouts as TimeoutError.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { ResponseReader, type Http1Response, type ReadOutcome } from './http1-response-reader.js';

export type { Http1Response } from './http1-response-reader.js';

export interface Http1ClientOptions {
  /** The endpoint's origin: http: or https:, host, port. */
  origin: URL;
  /** Sockets kept open; requests beyond it wait for a free one. */
  maxSockets: number;
  /** Gives up on a new socket that has not connected (TLS included) by then. */
  connectionTimeoutMs: number;
  /** Gives up on a request without its whole answer after this long. */
  requestTimeoutMs: number;
  /** TLS options beyond the server name (tests give their own CA). */
  tls?: Pick<ConnectionOptions, 'ca'>;
}

export interface Http1Client {
  /** Sends `method path` with these headers (host and content-length are added) and the body. */
  request(
    method: string,
    path: string,
    headers: readonly (readonly [string, string])[],
    body?: string,
  ): Promise<Http1Response>;
  destroy(): void;
}

interface Pending {
  resolve(response: Http1Response): void;
  reject(error: Error): void;
  startedAt: number;
}

export function createHttp1Client(options: Http1ClientOptions): Http1Client {
  const secure = options.origin.protocol === 'https:';
  // URL keeps an IPv6 address in brackets; connect wants it bare.
  const host = options.origin.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(options.origin.port || (secure ? 443 : 80));
  const hostHeader = options.origin.host;
  const idle: Connection[] = [];
  const busy = new Set<Connection>();
  const waiting: { resolve(connection: Connection): void; reject(error: Error): void }[] = [];
  let open = 0;
  let sweeping: NodeJS.Timeout | undefined;
  let destroyed = false;
  /** The latest TLS session the endpoint gave: new sockets resume it (an abbreviated handshake), as node:https does. */
  let tlsSession: Buffer | undefined;

  function newConnection(): Connection {
    open += 1;
    const socket: Socket = secure ? secureSocket() : netConnect({ host, port });
    socket.setNoDelay(true);
    const connection = new Connection(socket, () => {
      // Closed: it leaves the pool, and a request waiting for a socket may open a new one.
      open -= 1;
      busy.delete(connection);
      const at = idle.indexOf(connection);
      if (at >= 0) idle.splice(at, 1);
      const next = waiting.shift();
      if (next) next.resolve(take(newConnection()));
    });
    const timer = setTimeout(
      () => socket.destroy(timeoutError(options.connectionTimeoutMs, 'connection')),
      options.connectionTimeoutMs,
    );
    socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return connection;
  }

  function secureSocket(): Socket {
    const socket = tlsConnect({
      host,
      port,
      // SNI names a host, never an address (RFC 6066), as node:https decides.
      ...(isIP(host) === 0 && { servername: host }),
      ALPNProtocols: ['http/1.1'],
      ...(tlsSession && { session: tlsSession }),
      ...options.tls,
    });
    socket.on('session', (session: Buffer) => {
      tlsSession = session;
    });
    return socket;
  }

  function take(connection: Connection): Connection {
    busy.add(connection);
    connection.socket.ref();
    sweeping ??= setInterval(sweep, Math.max(10, Math.round(options.requestTimeoutMs / 4))).unref();
    return connection;
  }

  function acquire(): Connection | Promise<Connection> {
    for (let reused = idle.pop(); reused; reused = idle.pop()) {
      // An idle socket the server closed, or that was dropped, may not have reached 'close' yet: never hand it out.
      if (reused.usable()) return take(reused);
      reused.socket.destroy();
    }
    if (open < options.maxSockets) return take(newConnection());
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  }

  function release(connection: Connection): void {
    busy.delete(connection);
    const next = waiting.shift();
    if (next) {
      next.resolve(take(connection));
      return;
    }
    // An idle socket keeps no process alive, as node:http's agent lets its free sockets go.
    connection.socket.unref();
    idle.push(connection);
  }

  /** One timer gives up every request past its time (a timer per request costs more than the request's signing). */
  function sweep(): void {
    const now = Date.now();
    for (const connection of busy) {
      const started = connection.pending?.startedAt;
      if (started !== undefined && now - started >= options.requestTimeoutMs) {
        connection.socket.destroy(timeoutError(options.requestTimeoutMs));
      }
    }
    if (busy.size === 0) {
      clearInterval(sweeping);
      sweeping = undefined;
    }
  }

  return {
    async request(method, path, headers, body = '') {
      if (destroyed) throw new Error('the HTTP client was destroyed');
      // Keep-alive is HTTP/1.1's default; said anyway, as node:http says it, for servers and proxies that look for it.
      let head = `${method} ${path} HTTP/1.1\r\nhost: ${hostHeader}\r\nconnection: keep-alive\r\n`;
      for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
      head += `content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      const connection = await acquire();
      try {
        return await connection.send(head + body, method);
      } finally {
        if (connection.reusable) release(connection);
        else connection.socket.destroy();
      }
    },
    destroy() {
      destroyed = true;
      clearInterval(sweeping);
      sweeping = undefined;
      for (const connection of [...idle, ...busy]) connection.socket.destroy();
      idle.length = 0;
      for (const next of waiting.splice(0)) next.reject(new Error('the HTTP client was destroyed'));
    },
  };
}

/** One socket and the answer being read on it. */
class Connection {
  pending: Pending | undefined;
  /** False once the socket must not carry another request. */
  reusable = true;
  private reader = new ResponseReader();

  constructor(
    readonly socket: Socket,
    onClosed: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A server that half-closes after an answer read to its end: the reader learns the body ended.
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => {
      this.reusable = false;
      this.fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      onClosed();
    });
  }

  send(request: string, method: string): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, startedAt: Date.now() };
      this.reader = new ResponseReader(method === 'HEAD');
      this.socket.write(request);
    });
  }

  private onData(chunk: Buffer): void {
    if (!this.pending) {
      // Bytes nobody asked for: whatever they are, this socket's next answer could not be trusted.
      this.reusable = false;
      this.socket.destroy();
      return;
    }
    let outcome: ReadOutcome;
    try {
      outcome = this.reader.push(chunk);
    } catch (error) {
      this.socket.destroy(error as Error);
      return;
    }
    if (outcome.done) this.finish(outcome);
  }

  /** Whether it may carry a request now: still reusable, and neither side has ended it. */
  usable(): boolean {
    return this.reusable && !this.socket.destroyed && !this.socket.readableEnded && this.socket.writable;
  }

  private onEnd(): void {
    // The server ended its side: whatever is read now, nothing more can be sent on this socket.
    this.reusable = false;
    if (!this.pending) return;
    const outcome = this.reader.end();
    if (outcome.done) this.finish(outcome);
  }

  private finish(outcome: Extract<ReadOutcome, { done: true }>): void {
    const pending = this.pending!;
    this.pending = undefined;
    if (!outcome.keepAlive || outcome.extra) this.reusable = false;
    pending.resolve(outcome.response);
  }

  private fail(error: Error): void {
    this.reusable = false;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

function timeoutError(ms: number, what = 'answer'): Error {
  return Object.assign(new Error(`no ${what} within ${ms} ms`), { name: 'TimeoutError' });
}
