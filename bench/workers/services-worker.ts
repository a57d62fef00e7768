// The services one Lambda invocation talks to, in a process of their own: dynalite (DynamoDB) and a management API
// (POST/GET/DELETE /@connections/{id}) that answers every call after a fixed delay, as API Gateway does in ~10 ms.
// It knows no connections: every post succeeds, so a room's subscribers need only exist in the table. With
// BENCH_MANAGEMENT_RPS it also throttles as API Gateway does: a token bucket of that many requests a second (bursts
// of half as many) answers the posts beyond it 429 LimitExceededException at once.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedDynamo } from '../../local/embedded-dynamo.js';
import { serveRequests } from '../lib/worker-process.js';

const delayMs = Number(process.env.BENCH_MANAGEMENT_DELAY_MS ?? 10);
let throttleRps = Number(process.env.BENCH_MANAGEMENT_RPS ?? 0);
const CONNECTION_PATH = /^(?:\/[^/@]+)?\/@connections\/([^/]+)$/;

interface PostStats {
  posts: number;
  firstAt: number;
  lastAt: number;
  inFlight: number;
  maxInFlight: number;
  sockets: number;
  /** Posts answered 429 by the throttle. */
  throttled: number;
}

const fresh = (): PostStats => ({
  posts: 0,
  firstAt: 0,
  lastAt: 0,
  inFlight: 0,
  maxInFlight: 0,
  sockets: 0,
  throttled: 0,
});
let stats = fresh();
const now = () => performance.timeOrigin + performance.now();

const bucket = { tokens: throttleRps / 2, at: 0 };

/** Takes a token from the throttle's bucket; false when it is empty (the request is answered 429). */
function admitted(): boolean {
  if (throttleRps <= 0) return true;
  const at = now();
  bucket.tokens = Math.min(throttleRps / 2, bucket.tokens + ((at - bucket.at) / 1000) * throttleRps);
  bucket.at = at;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

function answer(request: IncomingMessage, response: ServerResponse): void {
  const match = CONNECTION_PATH.exec(new URL(request.url ?? '/', 'http://x').pathname);
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  if (!admitted()) {
    stats.throttled += 1;
    request.resume();
    const body = JSON.stringify({ message: 'Rate exceeded' });
    response
      .writeHead(429, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'x-amzn-ErrorType': 'LimitExceededException',
      })
      .end(body);
    return;
  }
  const arrived = now();
  if (stats.posts === 0) stats.firstAt = arrived;
  stats.inFlight += 1;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  request.resume();
  request.on('end', () => {
    setTimeout(() => {
      stats.inFlight -= 1;
      if (request.method === 'POST') {
        stats.posts += 1;
        stats.lastAt = now();
        response.writeHead(200, { 'Content-Length': 0, 'x-amzn-RequestId': 'bench' }).end();
      } else if (request.method === 'DELETE') {
        response.writeHead(204).end();
      } else {
        const body = JSON.stringify({
          connectedAt: new Date().toISOString(),
          identity: { sourceIp: '127.0.0.1' },
          lastActiveAt: new Date().toISOString(),
        });
        response
          .writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
          .end(body);
      }
    }, delayMs);
  });
}

async function start() {
  const dynamo = await startEmbeddedDynamo();
  const server = createServer(answer);
  server.keepAliveTimeout = 60_000;
  server.on('connection', () => {
    stats.sockets += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { dynamoEndpoint: dynamo.endpoint, managementEndpoint: `http://127.0.0.1:${port}`, delayMs, throttleRps };
}

const started = start();
serveRequests({
  ready: () => started,
  resetPostStats: () => {
    const sockets = stats.sockets;
    stats = { ...fresh(), sockets: 0 };
    return { socketsBefore: sockets };
  },
  postStats: () => ({ ...stats }),
  /** Changes the throttle (requests a second; 0 for none), starting with a full bucket. */
  setThrottle: (request) => {
    throttleRps = Number(request.rps);
    bucket.tokens = throttleRps / 2;
    bucket.at = now();
    return { throttleRps };
  },
});
