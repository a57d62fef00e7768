// Reads one HTTP/1.x answer from the bytes of a socket as they come (./http1-client.ts sends the requests): the head,
// then the body by Content-Length, by chunked transfer coding or until the server closes; informational (1xx) heads
// skipped; heads and bodies bounded. It throws on anything it cannot account for, and the client then gives the
// socket up.
export interface Http1Response {
  status: number;
  /** Header names in lower case; a repeated header's values joined with ", ". */
  headers: Map<string, string>;
  body: Buffer;
}

/** A head longer than this is not an answer of the management API: the socket is given up. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** The management API's answers are small (errors, GET's connection info). */
export const MAX_BODY_BYTES = 1024 * 1024;

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

export type ReadOutcome =
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
