// An HTTP proxy in front of the local stack's management API (@connections), where faults are injected the way
// API Gateway shows them: 410 GoneException for a connection it no longer knows, 429 LimitExceededException when it
// throttles, 500 when it fails, a connection reset without an answer, no answer at all (the caller times out), or an
// answer held back. The handlers' real notifier (the AWS SDK client) talks to the proxy, so the SDK's error parsing
// and the notifier's retries are what is tested. The local stack posts through it when started with
// `managementEndpoint: proxy.url`; `randomFaults` spreads faults over a share of all posts (the soak's fault mode).
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * 'reset': the socket is destroyed without an answer, as when a server closes a keep-alive socket under a request.
 * 'timeout': the request is read and never answered, nor passed on; the caller's request timeout ends it.
 */
export type FaultDecision = 'pass' | 'reset' | 'timeout' | 410 | 429 | 500 | { holdUntil: Promise<void> };

/** Recorded status of a call answered with a reset socket, and of one never answered. */
export const RESET_STATUS = 0;
export const NO_ANSWER_STATUS = -1;

export interface ProxiedCall {
  method: string;
  connectionId: string;
  /** This connection's call number, from 1. */
  attempt: number;
  status: number;
  at: number;
}

export interface FaultProxy {
  url: string;
  /** Where calls that pass go (the stack's http URL). */
  target: string | undefined;
  /** Decides each call; 'pass' when unset. */
  decide: ((call: { method: string; connectionId: string; attempt: number }) => FaultDecision) | undefined;
  readonly calls: ProxiedCall[];
  callsTo(connectionId: string, method?: string): ProxiedCall[];
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = {
  410: 'GoneException',
  429: 'LimitExceededException',
  500: 'InternalServerErrorException',
};

const CONNECTION_PATH = /\/@connections\/([^/]+)$/;

/** keepCalls: false records no calls (a soak makes tens of thousands). */
export async function startFaultProxy(options: { keepCalls?: boolean } = {}): Promise<FaultProxy> {
  const attempts = new Map<string, number>();
  const proxy: FaultProxy = {
    url: '',
    target: undefined,
    decide: undefined,
    calls: [],
    callsTo: (connectionId, method) =>
      proxy.calls.filter(
        (call) => call.connectionId === connectionId && (method === undefined || call.method === method),
      ),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const body = await readAll(incoming);
    const match = CONNECTION_PATH.exec(incoming.url ?? '');
    const connectionId = match ? decodeURIComponent(match[1]!) : '';
    const method = incoming.method ?? 'GET';
    const attempt = (attempts.get(connectionId) ?? 0) + 1;
    attempts.set(connectionId, attempt);
    const decision = proxy.decide?.({ method, connectionId, attempt }) ?? 'pass';
    const record = (status: number) => {
      if (options.keepCalls !== false) proxy.calls.push({ method, connectionId, attempt, status, at: Date.now() });
    };
    if (typeof decision === 'number') {
      record(decision);
      const payload = JSON.stringify({ message: ERROR_TYPES[decision] });
      outgoing.writeHead(decision, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(payload),
        'x-amzn-errortype': ERROR_TYPES[decision]!,
        'x-amzn-RequestId': `fault-${attempt}`,
      });
      outgoing.end(payload);
      return;
    }
    if (decision === 'reset') {
      record(RESET_STATUS);
      incoming.socket.destroy();
      return;
    }
    if (decision === 'timeout') {
      record(NO_ANSWER_STATUS);
      return;
    }
    if (decision !== 'pass') await decision.holdUntil;
    const status = await forward(proxy.target!, incoming, body, outgoing);
    record(status);
  }

  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch(() => {
      if (!outgoing.headersSent) outgoing.writeHead(502).end();
      else outgoing.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/**
 * Faults for a share of all posts (0 to 1), picked at random among `kinds`; every other call passes. DELETE and GET
 * calls always pass: the faults stand for a sick delivery path, not for lost closes.
 */
export function randomFaults(
  share: number,
  kinds: readonly FaultDecision[] = ['timeout', 'reset', 500],
  random: () => number = Math.random,
): NonNullable<FaultProxy['decide']> {
  return ({ method }) => {
    if (method !== 'POST' || random() >= share) return 'pass';
    return kinds[Math.floor(random() * kinds.length)]!;
  };
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(target: string, incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse): Promise<number> {
  const url = new URL(incoming.url ?? '/', target);
  // The Host header stays the proxy's: the caller signed it (SigV4), and the management API checks the signature.
  const headers = { ...incoming.headers, 'content-length': String(body.length) };
  return new Promise((resolve, reject) => {
    const call = httpRequest(url, { method: incoming.method, headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
      answer.on('end', () => resolve(answer.statusCode ?? 502));
    });
    call.on('error', reject);
    call.end(body);
  });
}
