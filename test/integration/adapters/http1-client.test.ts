// The HTTP/1.1 keep-alive client against real servers on 127.0.0.1: node:http and node:https servers for ordinary
// answers, raw node:net servers where a test needs exact bytes, closes and silences.
import { execFile } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttp1Client,
  type Http1Client,
  type Http1ClientOptions,
} from '../../../lambdas/adapters/http1-client.js';

const TLS_KEY = readFileSync(new URL('../../fixtures/tls/key.pem', import.meta.url));
const TLS_CERT = readFileSync(new URL('../../fixtures/tls/cert.pem', import.meta.url));
const CLIENT_MODULE = fileURLToPath(new URL('../../../lambdas/adapters/http1-client.ts', import.meta.url));

// The client's plain sockets, as node:net announces them: to wait until the client has seen a close, or to act at
// the very moment it reads something, without reaching into the module.
const clientSockets: Socket[] = [];
const onClientSocket = (message: unknown) => clientSockets.push((message as { socket: Socket }).socket);
beforeAll(() => diagnostics.subscribe('net.client.socket', onClientSocket));
afterAll(() => diagnostics.unsubscribe('net.client.socket', onClientSocket));

interface Started {
  origin: URL;
  /** 'connection' events so far: one per socket the client opened. */
  connections(): number;
  /** The server side of each socket, in the order they were accepted. */
  sockets: Socket[];
}

const cleanups: (() => Promise<void> | void)[] = [];
const clients: Http1Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  clientSockets.length = 0;
});

function client(origin: URL, options: Partial<Http1ClientOptions> = {}): Http1Client {
  const created = createHttp1Client({
    origin,
    maxSockets: 4,
    connectionTimeoutMs: 5_000,
    requestTimeoutMs: 10_000,
    ...options,
  });
  clients.push(created);
  return created;
}

async function listen(server: NetServer | HttpServer, protocol: 'http:' | 'https:'): Promise<Started> {
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    if ('closeAllConnections' in server) server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { origin: new URL(`${protocol}//127.0.0.1:${port}`), connections: () => sockets.length, sockets };
}

function startHttp(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  setup?: (server: HttpServer) => void,
) {
  const server = createHttpServer(handler);
  setup?.(server);
  return listen(server, 'http:');
}

/** A server that writes exactly what the test says, on the socket it gives the test. */
function startRaw(onConnection: (socket: Socket, index: number) => void, protocol: 'http:' | 'https:' = 'http:') {
  let accepted = 0;
  const server = createNetServer((socket) => {
    socket.on('error', () => {});
    onConnection(socket, accepted++);
  });
  return listen(server, protocol);
}

/** Calls `answer` for each request head read on the socket (requests here have no body or a Content-Length one). */
function onRequests(socket: Socket, answer: (head: string, index: number) => void) {
  let buffered = '';
  let index = 0;
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('latin1');
    for (;;) {
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffered.slice(0, end);
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      answer(head, index++);
    }
  });
}

const ok = (body: string, extraHeaders = '') =>
  `HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n${extraHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

async function closed(socket: Socket) {
  if (!socket.closed) await once(socket, 'close');
}

/** A port nothing listens on: one a server just gave back. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('requests and answers', () => {
  it('POSTs a body that arrives with its method, path, headers and bytes', async () => {
    const received: {
      method?: string;
      url?: string;
      headers: IncomingMessage['headers'];
      rawHeaders: string[];
      body: Buffer;
    }[] = [];
    const server = await startHttp((request, response) => {
      const parts: Buffer[] = [];
      request.on('data', (part: Buffer) => parts.push(part));
      request.on('end', () => {
        const { method, url, headers, rawHeaders } = request;
        received.push({ method, url, headers, rawHeaders, body: Buffer.concat(parts) });
        response.writeHead(201, { 'Content-Type': 'application/json', 'X-Amzn-RequestId': 'req-7' });
        response.end('{"done":"héllo"}');
      });
    });
    const body = JSON.stringify({ type: 'message', content: 'héllo "quoted" </script> 😀' });
    const answer = await client(server.origin).request(
      'POST',
      '/prod/%40connections/abc%3D',
      [
        ['content-type', 'application/json'],
        ['x-amz-date', '20261203T100000Z'],
        ['authorization', 'AWS4-HMAC-SHA256 Credential=local/20261203/local/execute-api/aws4_request'],
      ],
      body,
    );

    expect(answer.status).toBe(201);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('x-amzn-requestid')).toBe('req-7');
    expect(answer.body.toString('utf8')).toBe('{"done":"héllo"}');

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/prod/%40connections/abc%3D');
    expect(request!.headers.host).toBe(`127.0.0.1:${server.origin.port}`);
    expect(request!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-amz-date']).toBe('20261203T100000Z');
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
    expect(request!.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    // One host header: the client adds it, once.
    expect(
      request!.rawHeaders.filter((_, i) => i % 2 === 0 && request!.rawHeaders[i]!.toLowerCase() === 'host'),
    ).toHaveLength(1);
  });

  it('sends GET and DELETE without a body, and reads a 204 and a 410 answer', async () => {
    const received: string[] = [];
    const server = await startHttp((request, response) => {
      received.push(`${request.method} ${request.url} ${request.headers['content-length']}`);
      if (request.method === 'DELETE') response.writeHead(204).end();
      else response.writeHead(410, { 'content-type': 'application/json' }).end('{"message":"Gone"}');
    });
    const http = client(server.origin);
    const got = await http.request('GET', '/@connections/a', []);
    const deleted = await http.request('DELETE', '/@connections/a', []);
    expect(got.status).toBe(410);
    expect(got.body.toString()).toBe('{"message":"Gone"}');
    expect(deleted.status).toBe(204);
    expect(deleted.body.length).toBe(0);
    expect(received).toEqual(['GET /@connections/a 0', 'DELETE /@connections/a 0']);
    expect(server.connections()).toBe(1);
  });

  it('reads the answer to HEAD as a head only, whatever its Content-Length, and goes on on the same socket', async () => {
    const server = await startHttp((request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.end(request.method === 'HEAD' ? undefined : 'x'.repeat(100));
    });
    const http = client(server.origin);
    const head = await http.request('HEAD', '/', []);
    const get = await http.request('GET', '/', []);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('100');
    expect(head.body.length).toBe(0);
    expect(get.body.toString()).toBe('x'.repeat(100));
    expect(server.connections()).toBe(1);
  });

  it('reads a chunked answer from node:http', async () => {
    const server = await startHttp((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first ');
      setImmediate(() => response.end('second'));
    });
    const answer = await client(server.origin).request('GET', '/', []);
    expect(answer.headers.get('transfer-encoding')).toBe('chunked');
    expect(answer.body.toString()).toBe('first second');
  });
});

describe('keep-alive', () => {
  it('carries many sequential requests on one socket', async () => {
    const server = await startHttp((request, response) => response.end(`answer to ${request.url}`));
    const http = client(server.origin);
    for (let i = 0; i < 25; i++) {
      const answer = await http.request('POST', `/n/${i}`, [], `body ${i}`);
      expect(answer.body.toString()).toBe(`answer to /n/${i}`);
    }
    expect(server.connections()).toBe(1);
  });

  it('keeps 20 requests in flight on at most maxSockets (3) sockets, each with its own answer', async () => {
    const held: (() => void)[] = [];
    let gateOpen = false;
    let open = 0;
    let mostOpen = 0;
    const server = await startHttp(
      (request, response) => {
        const answer = () => response.end(`answer to ${request.url}`);
        if (gateOpen) return void setImmediate(answer);
        // The first answers wait until three requests are in flight at once: the client must open three sockets.
        held.push(answer);
        if (held.length === 3) {
          gateOpen = true;
          for (const answerHeld of held) answerHeld();
        }
      },
      (httpServer) =>
        httpServer.on('connection', (socket: Socket) => {
          open += 1;
          mostOpen = Math.max(mostOpen, open);
          socket.on('close', () => (open -= 1));
        }),
    );
    const http = client(server.origin, { maxSockets: 3 });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => http.request('POST', `/r/${i}`, [], `body ${i}`)),
    );
    expect(answers.map((answer) => answer.body.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => `answer to /r/${i}`),
    );
    expect(gateOpen).toBe(true);
    expect(mostOpen).toBeLessThanOrEqual(3);
    expect(server.connections()).toBe(3);
  });

  it('opens a new socket after the server closed an idle keep-alive one (node:http keepAliveTimeout)', async () => {
    const server = await startHttp(
      (request, response) => response.end(`answer to ${request.url}`),
      (httpServer) => (httpServer.keepAliveTimeout = 30),
    );
    const http = client(server.origin);
    expect((await http.request('GET', '/first', [])).body.toString()).toBe('answer to /first');
    expect(clientSockets).toHaveLength(1);
    await closed(clientSockets[0]!);
    expect((await http.request('GET', '/second', [])).body.toString()).toBe('answer to /second');
    expect(server.connections()).toBe(2);
  });

  it('opens a new socket after a raw server closed the socket right after a keep-alive answer', async () => {
    const server = await startRaw((socket) => onRequests(socket, (head) => socket.end(ok(head.split(' ')[1]!))));
    const http = client(server.origin);
    expect((await http.request('GET', '/first', [])).body.toString()).toBe('/first');
    await closed(clientSockets[0]!);
    expect((await http.request('GET', '/second', [])).body.toString()).toBe('/second');
    expect(server.connections()).toBe(2);
  });

  it('does not hand out an idle socket whose close it has already read', async () => {
    // The server closes its side a moment after answering. The next request is made as soon as the client has read
    // the close (the 'end' of its socket): it must go on a new socket, not on the one the server has closed.
    const server = await startRaw((socket, index) =>
      onRequests(socket, (head) => {
        socket.write(ok(head.split(' ')[1]!));
        if (index === 0) setTimeout(() => socket.end(), 20);
      }),
    );
    const http = client(server.origin);
    expect((await http.request('GET', '/first', [])).body.toString()).toBe('/first');
    const [first] = clientSockets;
    const next = new Promise<string>((resolve, reject) =>
      first!.once('end', () =>
        http.request('GET', '/second', []).then((answer) => resolve(answer.body.toString()), reject),
      ),
    );
    await expect(next).resolves.toBe('/second');
    expect(server.connections()).toBe(2);
  });

  it('uses a new socket after an answer with "Connection: close"', async () => {
    const server = await startHttp((request, response) => {
      response.setHeader('connection', 'close');
      response.end(`answer to ${request.url}`);
    });
    const http = client(server.origin);
    expect((await http.request('GET', '/first', [])).body.toString()).toBe('answer to /first');
    expect((await http.request('GET', '/second', [])).body.toString()).toBe('answer to /second');
    expect((await http.request('GET', '/third', [])).body.toString()).toBe('answer to /third');
    expect(server.connections()).toBe(3);
  });

  it.each([
    ['an HTTP/1.0 answer', 'HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nok', 'ok'],
    ['an answer read until the close', 'HTTP/1.1 200 OK\r\n\r\nuntil the close', 'until the close'],
    [
      'an answer followed by bytes nobody asked for',
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n',
      'ok',
    ],
  ])('uses a new socket after %s', async (_, answer, body) => {
    const server = await startRaw((socket, index) =>
      onRequests(socket, (head) => {
        if (index > 0) return void socket.write(ok('fresh socket'));
        // The answer read until the close needs the close; the others leave the socket open, to the client to drop.
        if (answer.includes('until the close')) socket.end(answer);
        else socket.write(answer);
      }),
    );
    const http = client(server.origin);
    expect((await http.request('GET', '/first', [])).body.toString()).toBe(body);
    expect((await http.request('GET', '/second', [])).body.toString()).toBe('fresh socket');
    expect(server.connections()).toBe(2);
  });
});

describe('failures', () => {
  it.each([
    ['before any byte of the answer', ''],
    ['in the head', 'HTTP/1.1 200 OK\r\ncontent-le'],
    ['in a Content-Length body', 'HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial'],
    ['in a chunked body', 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n'],
  ])('rejects with ECONNRESET when the server closes %s, and the next request works', async (_, partial) => {
    const server = await startRaw((socket, index) =>
      onRequests(socket, () => (index === 0 ? socket.end(partial) : socket.write(ok('recovered')))),
    );
    const http = client(server.origin);
    await expect(http.request('POST', '/cut', [], 'x')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await http.request('POST', '/again', [], 'y')).body.toString()).toBe('recovered');
  });

  it('rejects with ECONNRESET when the server resets the socket mid-answer', async () => {
    const server = await startRaw((socket) =>
      onRequests(socket, () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart');
        setImmediate(() => socket.resetAndDestroy());
      }),
    );
    await expect(client(server.origin).request('GET', '/', [])).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('rejects an answer it cannot parse, and does not reuse that socket', async () => {
    const server = await startRaw((socket, index) =>
      onRequests(socket, () => socket.write(index === 0 ? 'SSH-2.0-OpenSSH\r\n\r\n' : ok('fine'))),
    );
    const http = client(server.origin);
    await expect(http.request('GET', '/', [])).rejects.toThrow(/not an HTTP\/1\.x answer/);
    expect((await http.request('GET', '/', [])).body.toString()).toBe('fine');
    expect(server.connections()).toBe(2);
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const port = await freePort();
    await expect(client(new URL(`http://127.0.0.1:${port}`)).request('GET', '/', [])).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('rejects with a TimeoutError when the server never answers, and the next request works on a new socket', async () => {
    const server = await startRaw((socket, index) =>
      onRequests(socket, () => index > 0 && socket.write(ok('late but fine'))),
    );
    const http = client(server.origin, { requestTimeoutMs: 200 });
    await expect(http.request('POST', '/silence', [], 'x')).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await http.request('POST', '/again', [], 'y')).body.toString()).toBe('late but fine');
    expect(server.connections()).toBe(2);
  });

  it('rejects with a TimeoutError when the server stops in the middle of the body', async () => {
    const server = await startRaw((socket) =>
      onRequests(socket, () => socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n01234')),
    );
    await expect(client(server.origin, { requestTimeoutMs: 200 }).request('GET', '/', [])).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('rejects with a connection TimeoutError when TLS never completes (a server that accepts and says nothing)', async () => {
    const server = await startRaw(() => {}, 'https:');
    const http = client(server.origin, { connectionTimeoutMs: 200, requestTimeoutMs: 60_000 });
    const failure = http.request('GET', '/', []);
    await expect(failure).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(failure).rejects.toThrow(/connection/);
  });

  it('drops an idle socket on which the server sent bytes nobody asked for', async () => {
    const server = await startRaw((socket, index) => onRequests(socket, () => socket.write(ok(`socket ${index}`))));
    const http = client(server.origin);
    expect((await http.request('GET', '/', [])).body.toString()).toBe('socket 0');
    server.sockets[0]!.write(ok('nobody asked'));
    await closed(clientSockets[0]!);
    expect((await http.request('GET', '/', [])).body.toString()).toBe('socket 1');
    expect(server.connections()).toBe(2);
  });

  it('does not hand out an idle socket it has just dropped for bytes nobody asked for', async () => {
    const server = await startRaw((socket, index) => onRequests(socket, () => socket.write(ok(`socket ${index}`))));
    const http = client(server.origin);
    expect((await http.request('GET', '/', [])).body.toString()).toBe('socket 0');
    const [first] = clientSockets;
    // The next request is made right when the client has read the stray bytes (its own listener runs first).
    const next = new Promise<string>((resolve, reject) =>
      first!.once('data', () => http.request('GET', '/', []).then((answer) => resolve(answer.body.toString()), reject)),
    );
    server.sockets[0]!.write(ok('nobody asked'));
    await expect(next).resolves.toBe('socket 1');
  });
});

describe('destroy', () => {
  it('rejects the request waiting for a socket and every later request, and opens nothing more', async () => {
    let arrived!: () => void;
    const firstArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await startRaw((socket) => onRequests(socket, () => arrived()));
    const http = client(server.origin, { maxSockets: 1 });
    const inFlight = http.request('GET', '/first', []);
    const waiting = http.request('GET', '/second', []);
    await firstArrived;
    http.destroy();
    await expect(waiting).rejects.toThrow(/destroyed/);
    await expect(inFlight).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(http.request('GET', '/third', [])).rejects.toThrow(/destroyed/);
    await closed(clientSockets[0]!);
    expect(clientSockets).toHaveLength(1);
    expect(server.connections()).toBe(1);
  });

  it('closes idle sockets', async () => {
    const server = await startHttp((_request, response) => response.end('ok'));
    const http = client(server.origin);
    await http.request('GET', '/', []);
    const [serverSide] = server.sockets;
    http.destroy();
    await closed(serverSide!);
    expect(serverSide!.closed).toBe(true);
  });
});

describe('process lifetime', () => {
  it('lets the process exit on its own once its requests are done, with the keep-alive socket still open', async () => {
    const server = await startHttp(
      (_request, response) => response.end('ok'),
      (httpServer) => (httpServer.keepAliveTimeout = 120_000),
    );
    const script = `
      const { createHttp1Client } = await import(${JSON.stringify(pathToFileURL(CLIENT_MODULE).href)});
      const http = createHttp1Client({
        origin: new URL(${JSON.stringify(server.origin.href)}),
        maxSockets: 2, connectionTimeoutMs: 5000, requestTimeoutMs: 60000,
      });
      const answers = await Promise.all([http.request('GET', '/a', []), http.request('GET', '/b', [])]);
      const again = await http.request('GET', '/c', []);
      console.log([...answers, again].map((answer) => answer.status).join(','));
    `;
    // Without its own exit the child ends only if nothing holds it: the server keeps its sockets for two minutes,
    // so a socket still referenced would keep the child running until execFile kills it.
    const { error, stdout } = await new Promise<{ error: Error | null; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        { timeout: 20_000, killSignal: 'SIGKILL' },
        (error, stdout) => resolve({ error, stdout }),
      ),
    );
    expect(error).toBeNull();
    expect(stdout.trim()).toBe('200,200,200');
  }, 30_000);
});

describe('TLS', () => {
  async function startHttps(handler: (request: IncomingMessage, response: ServerResponse) => void) {
    const server = createHttpsServer({ key: TLS_KEY, cert: TLS_CERT }, handler);
    let secured = 0;
    server.on('secureConnection', () => (secured += 1));
    const started = await listen(server as unknown as HttpServer, 'https:');
    return { ...started, secured: () => secured };
  }

  it('sends requests over TLS to a server whose certificate the given CA signed, on one keep-alive socket', async () => {
    const received: string[] = [];
    const server = await startHttps((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (part: string) => (body += part));
      request.on('end', () => {
        received.push(`${request.method} ${request.url} ${request.headers.host} ${body}`);
        response.end(`secure answer to ${request.url}`);
      });
    });
    const http = client(server.origin, { tls: { ca: TLS_CERT } });
    for (let i = 0; i < 5; i++) {
      const answer = await http.request('POST', `/s/${i}`, [], `héllo ${i}`);
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe(`secure answer to /s/${i}`);
    }
    expect(received).toEqual(
      Array.from({ length: 5 }, (_, i) => `POST /s/${i} 127.0.0.1:${server.origin.port} héllo ${i}`),
    );
    expect(server.connections()).toBe(1);
    expect(server.secured()).toBe(1);
  });

  it('checks the certificate against the host name of a localhost origin', async () => {
    const server = await startHttps((_request, response) => response.end('by name'));
    const origin = new URL(`https://localhost:${server.origin.port}`);
    const answer = await client(origin, { tls: { ca: TLS_CERT } }).request('GET', '/', []);
    expect(answer.body.toString()).toBe('by name');
  });

  it('refuses a server whose certificate it has no CA for', async () => {
    const server = await startHttps((_request, response) => response.end('should not be read'));
    await expect(client(server.origin).request('GET', '/', [])).rejects.toMatchObject({
      code: expect.stringMatching(/SELF_SIGNED|CERT/),
    });
    expect(server.secured()).toBe(0);
  });
});
