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

export interface Http1Response {
  status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
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

/** A head longer than this is not an answer of the management API: the socket is given up. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** The management API's answers are small (errors, GET's connection info). */
export const MAX_BODY_BYTES = 1024 * 1024;

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

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

type ReadOutcome =
  | { done: false }
  | { done: true; response: Http1Response; keepAlive: boolean; /** bytes after the answer */ extra: boolean };

/** Reads one answer from the bytes of a socket, as they come. */
export class ResponseReader {
  private buffered: Buffer = Buffer.alloc(0);
  private phase: 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' = 'head';
  private status = 0;
  private headers = new Map<string, string>();
  private keepAlive = true;
  private remaining = 0;
  private readonly body: Buffer[] = [];
  private bodyBytes = 0;

  /** `bodiless`: the answer to a HEAD request, which has a head only, whatever its Content-Length says. */
  constructor(private readonly bodiless = false) {}

  push(chunk: Buffer): ReadOutcome {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const step = this.step();
      if (step === 'more') return { done: false };
      if (step === 'done') {
        return { done: true, response: this.response(), keepAlive: this.keepAlive, extra: this.buffered.length > 0 };
      }
    }
  }

  /** The server closed its side: an answer read until the close ends here; anything else was cut short. */
  end(): ReadOutcome {
    if (this.phase !== 'until-close') return { done: false };
    return { done: true, response: this.response(), keepAlive: false, extra: false };
  }

  private response(): Http1Response {
    return { status: this.status, headers: this.headers, body: Buffer.concat(this.body) };
  }

  /** Consumes what it can of the buffered bytes: 'again' to go on, 'more' to wait for bytes, 'done'. */
  private step(): 'again' | 'more' | 'done' {
    switch (this.phase) {
      case 'head': {
        const end = this.buffered.indexOf(HEAD_END);
        // The same line however the head is split: a head of MAX_HEAD_BYTES may wait for its last 3 bytes of CRLFCRLF.
        if (end < 0) {
          if (this.buffered.length - (HEAD_END.length - 1) > MAX_HEAD_BYTES) throw new Error('answer head too large');
          return 'more';
        }
        if (end > MAX_HEAD_BYTES) throw new Error('answer head too large');
        const head = this.buffered.subarray(0, end).toString('latin1');
        this.buffered = this.buffered.subarray(end + HEAD_END.length);
        return this.readHead(head);
      }
      case 'length': {
        const take = Math.min(this.remaining, this.buffered.length);
        this.addBody(this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.remaining -= take;
        return this.remaining === 0 ? 'done' : 'more';
      }
      case 'chunk-size': {
        const end = this.buffered.indexOf(CRLF);
        if (end < 0) {
          if (this.buffered.length > 1024) throw new Error('bad chunk size line');
          return 'more';
        }
        const line = this.buffered.subarray(0, end).toString('latin1');
        this.buffered = this.buffered.subarray(end + CRLF.length);
        const size = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(size)) throw new Error('bad chunk size line');
        this.remaining = parseInt(size, 16);
        this.phase = this.remaining === 0 ? 'trailers' : 'chunk-data';
        return 'again';
      }
      case 'chunk-data': {
        const take = Math.min(this.remaining, this.buffered.length);
        this.addBody(this.buffered.subarray(0, take));
        this.buffered = this.buffered.subarray(take);
        this.remaining -= take;
        if (this.remaining > 0) return 'more';
        this.phase = 'chunk-end';
        return 'again';
      }
      case 'chunk-end': {
        if (this.buffered.length < CRLF.length) return 'more';
        if (!this.buffered.subarray(0, CRLF.length).equals(CRLF)) throw new Error('bad chunk end');
        this.buffered = this.buffered.subarray(CRLF.length);
        this.phase = 'chunk-size';
        return 'again';
      }
      case 'trailers': {
        // The last chunk is followed by trailer lines (usually none) and an empty line.
        if (this.buffered.subarray(0, CRLF.length).equals(CRLF)) {
          this.buffered = this.buffered.subarray(CRLF.length);
          return 'done';
        }
        const end = this.buffered.indexOf(HEAD_END);
        if (end < 0) {
          if (this.buffered.length > MAX_HEAD_BYTES) throw new Error('trailers too large');
          return 'more';
        }
        this.buffered = this.buffered.subarray(end + HEAD_END.length);
        return 'done';
      }
      case 'until-close': {
        this.addBody(this.buffered);
        this.buffered = Buffer.alloc(0);
        return 'more';
      }
    }
  }

  private readHead(head: string): 'again' | 'done' {
    const lines = head.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]!);
    if (!statusLine) throw new Error('not an HTTP/1.x answer');
    const status = Number(statusLine[2]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error('bad header line');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const earlier = headers.get(name);
      headers.set(name, earlier === undefined ? value : `${earlier}, ${value}`);
    }
    // 1xx heads (100 Continue, 103 Early Hints) come before the answer: skip them.
    if (status >= 100 && status < 200 && status !== 101) return 'again';
    if (status === 101) throw new Error('unexpected protocol switch');
    this.status = status;
    this.headers = headers;
    const connection = (headers.get('connection') ?? '').toLowerCase();
    this.keepAlive =
      statusLine[1] === '1' ? !/(^|,)\s*close\s*(,|$)/.test(connection) : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);
    const transferEncoding = headers.get('transfer-encoding');
    if (status === 204 || status === 304 || this.bodiless) return 'done';
    if (transferEncoding !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(transferEncoding)) throw new Error('unsupported transfer coding');
      this.phase = 'chunk-size';
      return 'again';
    }
    const length = headers.get('content-length');
    if (length !== undefined) {
      if (!/^\d{1,10}$/.test(length)) throw new Error('bad content-length');
      this.remaining = Number(length);
      if (this.remaining > MAX_BODY_BYTES) throw new Error('answer body too large');
      if (this.remaining === 0) return 'done';
      this.phase = 'length';
      return 'again';
    }
    this.keepAlive = false;
    this.phase = 'until-close';
    return 'again';
  }

  private addBody(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.bodyBytes += bytes.length;
    if (this.bodyBytes > MAX_BODY_BYTES) throw new Error('answer body too large');
    this.body.push(bytes);
  }
}

function timeoutError(ms: number, what = 'answer'): Error {
  return Object.assign(new Error(`no ${what} within ${ms} ms`), { name: 'TimeoutError' });
}
