// The answer parser of the HTTP/1.1 client alone: bytes in, one answer out, however the bytes are split across reads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES, MAX_HEAD_BYTES, ResponseReader } from '../../../lambdas/adapters/http1-response-reader.js';

type Outcome = ReturnType<ResponseReader['push']>;
type Done = Extract<Outcome, { done: true }>;

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds the parts in order; the answer must end with the last part (or at end(), when asked). */
function read(parts: readonly Buffer[], options: { end?: boolean } = {}): Done {
  const reader = new ResponseReader();
  for (const [index, part] of parts.entries()) {
    const outcome = reader.push(part);
    if (outcome.done) {
      if (index !== parts.length - 1) throw new Error(`the answer ended at part ${index + 1} of ${parts.length}`);
      return outcome;
    }
  }
  if (options.end) {
    const outcome = reader.end();
    if (outcome.done) return outcome;
  }
  throw new Error('the answer did not end');
}

/** What a caller sees of an answer, in a form toEqual compares. */
function seen(outcome: Done) {
  return {
    status: outcome.response.status,
    headers: [...outcome.response.headers],
    body: outcome.response.body.toString('latin1'),
    keepAlive: outcome.keepAlive,
    extra: outcome.extra,
  };
}

function splitAt(whole: Buffer, cuts: readonly number[]): Buffer[] {
  const sorted = [...new Set(cuts)].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of sorted) {
    parts.push(whole.subarray(from, cut));
    from = cut;
  }
  parts.push(whole.subarray(from));
  return parts;
}

const byteByByte = (whole: Buffer) => [...whole].map((byte) => Buffer.from([byte]));

/** The same answer in one chunk, byte by byte, and in random splits gives the same result. */
function expectSplitInvariant(whole: Buffer, options: { end?: boolean } = {}) {
  const expected = seen(read([whole], options));
  expect(seen(read(byteByByte(whole), options))).toEqual(expected);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 12 }), (cuts) => {
      expect(seen(read(splitAt(whole, cuts), options))).toEqual(expected);
    }),
    { numRuns: 200 },
  );
  return expected;
}

const ANSWER = bytes(
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Amzn-RequestId: req-1\r\nContent-Length: 13\r\n\r\n{"ok": "yes"}',
);

const CHUNKED = bytes(
  'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n' +
    '5;name=value\r\nhello\r\n' +
    '1\r\n,\r\n' +
    'A; ext="quoted"\r\n there, yo\r\n' +
    '0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n',
);

describe('ResponseReader: whole answers', () => {
  it('reads an answer given in one chunk', () => {
    expect(seen(read([ANSWER]))).toEqual({
      status: 200,
      headers: [
        ['content-type', 'application/json'],
        ['x-amzn-requestid', 'req-1'],
        ['content-length', '13'],
      ],
      body: '{"ok": "yes"}',
      keepAlive: true,
      extra: false,
    });
  });

  it('reads the same answer fed byte by byte and in random splits', () => {
    expect(expectSplitInvariant(ANSWER).body).toBe('{"ok": "yes"}');
  });

  it('reads a Content-Length body of bytes that are not ASCII, exactly that many bytes', () => {
    const body = Buffer.from('héllo 😀 "quoted"', 'utf8');
    const whole = Buffer.concat([bytes(`HTTP/1.1 410 Gone\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const outcome = read(byteByByte(whole));
    expect(outcome.response.status).toBe(410);
    expect(outcome.response.body.equals(body)).toBe(true);
    expect(outcome.response.body.toString('utf8')).toBe('héllo 😀 "quoted"');
  });

  it('reads an empty Content-Length body as soon as the head ends', () => {
    const outcome = read([bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')]);
    expect(outcome.response.body.length).toBe(0);
    expect(outcome.keepAlive).toBe(true);
  });

  it('reads a Content-Length body of exactly MAX_BODY_BYTES', () => {
    const body = Buffer.alloc(MAX_BODY_BYTES, 'b');
    const outcome = read([bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n`), body]);
    expect(outcome.response.body.equals(body)).toBe(true);
  });

  it('waits for the rest of a Content-Length body', () => {
    const reader = new ResponseReader();
    expect(reader.push(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234')).done).toBe(false);
    const outcome = reader.push(bytes('56789'));
    expect(outcome.done && outcome.response.body.toString()).toBe('0123456789');
  });
});

describe('ResponseReader: chunked bodies', () => {
  it('joins several chunks, ignoring chunk extensions and trailers', () => {
    const outcome = seen(read([CHUNKED]));
    expect(outcome).toMatchObject({ status: 200, body: 'hello, there, yo', keepAlive: true, extra: false });
    // Trailers are not headers of the answer.
    expect(outcome.headers).toEqual([
      ['transfer-encoding', 'chunked'],
      ['content-type', 'text/plain'],
    ]);
  });

  it('gives the same answer split in two at every position', () => {
    const expected = seen(read([CHUNKED]));
    for (let at = 1; at < CHUNKED.length; at++) {
      expect(seen(read(splitAt(CHUNKED, [at]))), `split at ${at}`).toEqual(expected);
    }
  });

  it('gives the same answer split in three at every pair of positions', () => {
    const expected = seen(read([CHUNKED]));
    for (let first = 1; first < CHUNKED.length - 1; first++) {
      for (let second = first + 1; second < CHUNKED.length; second++) {
        const got = seen(read(splitAt(CHUNKED, [first, second])));
        if (JSON.stringify(got) !== JSON.stringify(expected)) {
          expect(got, `split at ${first} and ${second}`).toEqual(expected);
        }
      }
    }
  });

  it('gives the same answer byte by byte and in random splits', () => {
    expect(expectSplitInvariant(CHUNKED).body).toBe('hello, there, yo');
  });

  it('reads a chunked body without trailers, with upper- and lower-case hex sizes', () => {
    const whole = bytes(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
        `1A\r\n${'x'.repeat(26)}\r\n` +
        `1f\r\n${'y'.repeat(31)}\r\n` +
        '0\r\n\r\n',
    );
    expect(expectSplitInvariant(whole).body).toBe('x'.repeat(26) + 'y'.repeat(31));
  });

  it('reads a chunked body of nothing but the last chunk', () => {
    const outcome = read([bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')]);
    expect(outcome.response.body.length).toBe(0);
    expect(outcome.extra).toBe(false);
  });

  it('takes the chunked coding over a Content-Length', () => {
    const outcome = read([
      bytes('HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'),
    ]);
    expect(outcome.response.body.toString()).toBe('abc');
  });

  it('reads a chunked body of exactly MAX_BODY_BYTES', () => {
    const half = MAX_BODY_BYTES / 2;
    const size = half.toString(16);
    const outcome = read([
      bytes(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n`),
      Buffer.alloc(half, 'a'),
      bytes(`\r\n${size}\r\n`),
      Buffer.alloc(half, 'b'),
      bytes('\r\n0\r\n\r\n'),
    ]);
    expect(outcome.response.body.length).toBe(MAX_BODY_BYTES);
  });
});

describe('ResponseReader: answers without a body', () => {
  it.each([
    ['204 No Content', 'HTTP/1.1 204 No Content\r\nDate: Thu, 03 Dec 2026 10:00:00 GMT\r\n\r\n'],
    [
      '304 Not Modified, despite the Content-Length of what it stands for',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 120\r\n\r\n',
    ],
    ['204 with a Transfer-Encoding', 'HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n'],
  ])('ends a %s at the end of its head', (_, head) => {
    const outcome = read([bytes(head)]);
    expect(outcome.response.body.length).toBe(0);
    expect(outcome.keepAlive).toBe(true);
    expect(outcome.extra).toBe(false);
  });

  it('says when bytes follow a 204 (they belong to nobody)', () => {
    const outcome = new ResponseReader().push(bytes('HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n'));
    expect(outcome.done && outcome.extra).toBe(true);
  });
});

describe('ResponseReader: bodies read until the server closes', () => {
  const UNTIL_CLOSE = bytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, part two');

  it('ends the body at end(), and the socket cannot be kept', () => {
    const reader = new ResponseReader();
    expect(reader.push(UNTIL_CLOSE.subarray(0, 60)).done).toBe(false);
    expect(reader.push(UNTIL_CLOSE.subarray(60)).done).toBe(false);
    const outcome = reader.end();
    expect(outcome.done).toBe(true);
    if (!outcome.done) return;
    expect(outcome.response.status).toBe(200);
    expect(outcome.response.body.toString()).toBe('part one, part two');
    expect(outcome.keepAlive).toBe(false);
    expect(outcome.extra).toBe(false);
  });

  it('gives the same answer byte by byte and in random splits', () => {
    expect(expectSplitInvariant(UNTIL_CLOSE, { end: true })).toMatchObject({
      body: 'part one, part two',
      keepAlive: false,
    });
  });

  it('reads an empty body until the close', () => {
    const outcome = read([bytes('HTTP/1.1 500 Internal Server Error\r\n\r\n')], { end: true });
    expect(outcome.response.status).toBe(500);
    expect(outcome.response.body.length).toBe(0);
  });

  it.each([
    ['before the head ended', 'HTTP/1.1 200 OK\r\nContent-Len'],
    ['before the Content-Length body ended', 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234'],
    ['before the last chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'],
    ['in the trailers', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n'],
  ])('does not end an answer cut short %s', (_, text) => {
    const reader = new ResponseReader();
    expect(reader.push(bytes(text)).done).toBe(false);
    expect(reader.end().done).toBe(false);
  });

  it('refuses a body read until the close that grows over MAX_BODY_BYTES', () => {
    const reader = new ResponseReader();
    reader.push(bytes('HTTP/1.1 200 OK\r\n\r\n'));
    reader.push(Buffer.alloc(MAX_BODY_BYTES, 'a'));
    expect(() => reader.push(bytes('a'))).toThrow(/body too large/);
  });
});

describe('ResponseReader: informational heads', () => {
  const WITH_INFORMATIONAL = bytes(
    'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n' +
      'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
  );

  it('skips 100 and 103 heads before the answer', () => {
    expect(seen(read([WITH_INFORMATIONAL]))).toEqual({
      status: 201,
      headers: [['content-length', '2']],
      body: 'ok',
      keepAlive: true,
      extra: false,
    });
  });

  it('skips them however the bytes are split', () => {
    expect(expectSplitInvariant(WITH_INFORMATIONAL).status).toBe(201);
  });

  it('refuses 101: no protocol switch was asked for', () => {
    const reader = new ResponseReader();
    expect(() =>
      reader.push(bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')),
    ).toThrow(/protocol switch/);
  });
});

describe('ResponseReader: keep-alive', () => {
  it.each([
    ['HTTP/1.1 with no Connection header', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true],
    [
      'HTTP/1.1 with Connection: keep-alive',
      'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n',
      true,
    ],
    ['HTTP/1.1 with Connection: close', 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.1 with Connection: Close', 'HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n', false],
    [
      'HTTP/1.1 with Connection: TE, close',
      'HTTP/1.1 200 OK\r\nConnection: TE, close\r\nContent-Length: 0\r\n\r\n',
      false,
    ],
    [
      'HTTP/1.1 with close in a second Connection header',
      'HTTP/1.1 200 OK\r\nConnection: TE\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
      false,
    ],
    ['HTTP/1.0 with no Connection header', 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', false],
    [
      'HTTP/1.0 with Connection: keep-alive',
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
      true,
    ],
    [
      'HTTP/1.0 with Connection: Keep-Alive',
      'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
      true,
    ],
    ['HTTP/1.0 with Connection: close', 'HTTP/1.0 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok', false],
  ])('%s → keepAlive %s', (_, text, keepAlive) => {
    expect(read([bytes(text)]).keepAlive).toBe(keepAlive);
  });

  it('reads an HTTP/1.0 answer without a length until the close', () => {
    const outcome = read([bytes('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nold server')], { end: true });
    expect(outcome.response.body.toString()).toBe('old server');
    expect(outcome.keepAlive).toBe(false);
  });
});

describe('ResponseReader: headers', () => {
  it('lower-cases names, trims values and joins repeated headers with ", "', () => {
    const outcome = read([
      bytes(
        'HTTP/1.1 200 OK\r\n' +
          'Set-Cookie: a=1\r\n' +
          'X-Amz-Apigw-Id: abc=\r\n' +
          'set-cookie: b=2\r\n' +
          'X-Padded:    spaced value   \r\n' +
          'X-Empty:\r\n' +
          'SET-COOKIE:c=3\r\n' +
          'Content-Length: 0\r\n\r\n',
      ),
    ]);
    const headers = outcome.response.headers;
    expect(headers.get('set-cookie')).toBe('a=1, b=2, c=3');
    expect(headers.get('x-amz-apigw-id')).toBe('abc=');
    expect(headers.get('x-padded')).toBe('spaced value');
    expect(headers.get('x-empty')).toBe('');
    expect([...headers.keys()]).toEqual(['set-cookie', 'x-amz-apigw-id', 'x-padded', 'x-empty', 'content-length']);
  });

  it('keeps header names a server chooses as data, not as object keys', () => {
    const outcome = read([bytes('HTTP/1.1 200 OK\r\n__proto__: x\r\nconstructor: y\r\nContent-Length: 0\r\n\r\n')]);
    expect(outcome.response.headers).toBeInstanceOf(Map);
    expect(outcome.response.headers.get('__proto__')).toBe('x');
    expect(outcome.response.headers.get('constructor')).toBe('y');
  });

  it('reads a status line without a reason phrase', () => {
    expect(read([bytes('HTTP/1.1 403\r\nContent-Length: 0\r\n\r\n')]).response.status).toBe(403);
  });
});

describe('ResponseReader: bytes after the answer', () => {
  it('says when bytes follow a Content-Length answer', () => {
    const outcome = new ResponseReader().push(Buffer.concat([ANSWER, bytes('HTTP/1.1 200 OK')]));
    expect(outcome.done).toBe(true);
    expect(outcome.done && outcome.extra).toBe(true);
    expect(outcome.done && outcome.response.body.toString()).toBe('{"ok": "yes"}');
  });

  it('says when bytes follow a chunked answer', () => {
    const outcome = new ResponseReader().push(Buffer.concat([CHUNKED, bytes('x')]));
    expect(outcome.done && outcome.extra).toBe(true);
    expect(outcome.done && outcome.response.body.toString()).toBe('hello, there, yo');
  });

  it('says nothing follows when the answer ends the chunk exactly', () => {
    const outcome = new ResponseReader().push(ANSWER);
    expect(outcome.done && outcome.extra).toBe(false);
  });
});

describe('ResponseReader: refused answers', () => {
  function pushAll(...parts: string[]) {
    const reader = new ResponseReader();
    for (const part of parts) reader.push(bytes(part));
  }

  it.each([
    ['not HTTP', 'ICY 200 OK\r\n\r\n'],
    ['HTTP/2', 'HTTP/2 200\r\n\r\n'],
    ['HTTP/1.2', 'HTTP/1.2 200 OK\r\n\r\n'],
    ['a two-digit status', 'HTTP/1.1 20 OK\r\n\r\n'],
    ['a four-digit status', 'HTTP/1.1 2000 OK\r\n\r\n'],
    ['lower-case http', 'http/1.1 200 OK\r\n\r\n'],
    ['garbage', '\u0000\u0001\u0002\r\n\r\n'],
  ])('refuses a status line that is %s', (_, text) => {
    expect(() => pushAll(text)).toThrow(/not an HTTP\/1\.x answer/);
  });

  it.each([
    ['without a colon', 'no colon here'],
    ['with an empty name', ': value'],
  ])('refuses a header line %s', (_, line) => {
    expect(() => pushAll(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`)).toThrow(/bad header line/);
  });

  it.each([
    ['letters', 'Content-Length: abc'],
    ['a negative number', 'Content-Length: -1'],
    ['a fraction', 'Content-Length: 1.5'],
    ['an empty value', 'Content-Length:'],
    ['two different values', 'Content-Length: 5\r\nContent-Length: 6'],
    ['more digits than any body', 'Content-Length: 123456789012'],
  ])('refuses a Content-Length of %s', (_, line) => {
    expect(() => pushAll(`HTTP/1.1 200 OK\r\n${line}\r\n\r\nhello`)).toThrow(/bad content-length/);
  });

  it.each([
    ['not hex', 'zz'],
    ['empty', ''],
    ['only an extension', ';ext=1'],
    ['more than 8 hex digits', '123456789'],
    ['negative', '-5'],
  ])('refuses a chunk size line that is %s', (_, line) => {
    expect(() => pushAll(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${line}\r\nhello\r\n0\r\n\r\n`)).toThrow(
      /bad chunk size line/,
    );
  });

  it('refuses a chunk size line over 1 KB that never ends', () => {
    expect(() => pushAll('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', `5;${'e'.repeat(1024)}`)).toThrow(
      /bad chunk size line/,
    );
  });

  it('refuses chunk data not followed by CRLF', () => {
    expect(() => pushAll('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n')).toThrow(
      /bad chunk end/,
    );
  });

  it.each(['gzip', 'chunked, gzip', 'identity', 'chunkedx'])('refuses Transfer-Encoding: %s', (coding) => {
    expect(() => pushAll(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${coding}\r\n\r\nhello`)).toThrow(
      /unsupported transfer coding/,
    );
  });

  it('refuses a head over MAX_HEAD_BYTES given whole', () => {
    expect(() =>
      pushAll(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\nContent-Length: 0\r\n\r\n`),
    ).toThrow(/head too large/);
  });

  it('refuses a head that grows over MAX_HEAD_BYTES without ending, before it ends', () => {
    const reader = new ResponseReader();
    reader.push(bytes('HTTP/1.1 200 OK\r\nX-Big: '));
    expect(() => {
      for (let sent = 0; sent <= MAX_HEAD_BYTES; sent += 1024) reader.push(Buffer.alloc(1024, 'a'));
    }).toThrow(/head too large/);
  });

  it('reads a head just under MAX_HEAD_BYTES', () => {
    const value = 'a'.repeat(MAX_HEAD_BYTES - 100);
    const outcome = read([bytes(`HTTP/1.1 200 OK\r\nX-Big: ${value}\r\nContent-Length: 0\r\n\r\n`)]);
    expect(outcome.response.headers.get('x-big')).toBe(value);
  });

  it('draws the MAX_HEAD_BYTES line in the same place however the head is split', () => {
    // A head of exactly MAX_HEAD_BYTES (its end of head not counted), whole and cut before its last byte.
    const start = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Big: ';
    const whole = bytes(`${start}${'a'.repeat(MAX_HEAD_BYTES - start.length)}\r\n\r\n`);
    const outcome = (parts: Buffer[]) => {
      try {
        return seen(read(parts)).status;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(outcome(splitAt(whole, [whole.length - 1]))).toBe(outcome([whole]));
  });

  it('refuses a Content-Length over MAX_BODY_BYTES at the head, before any body byte', () => {
    expect(() => pushAll(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`)).toThrow(/body too large/);
  });

  it('refuses a chunked body that grows over MAX_BODY_BYTES', () => {
    const reader = new ResponseReader();
    reader.push(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    const chunk = Buffer.concat([bytes('10000\r\n'), Buffer.alloc(0x10000, 'c'), bytes('\r\n')]);
    for (let sent = 0; sent < MAX_BODY_BYTES; sent += 0x10000) reader.push(chunk);
    expect(() => reader.push(bytes('1\r\nc\r\n0\r\n\r\n'))).toThrow(/body too large/);
  });

  it('refuses one chunk announced over MAX_BODY_BYTES once its bytes pass the limit', () => {
    const reader = new ResponseReader();
    reader.push(bytes(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(MAX_BODY_BYTES + 1).toString(16)}\r\n`));
    reader.push(Buffer.alloc(MAX_BODY_BYTES, 'c'));
    expect(() => reader.push(bytes('c'))).toThrow(/body too large/);
  });
});
