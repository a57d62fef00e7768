// The management API's calls the handlers make (POST, GET and DELETE /@connections/{id}) as signed HTTP requests,
// without the SDK client's middleware stack. What stays the SDK's: the request type (@smithy/protocol-http), SigV4
// (@smithy/signature-v4 with @smithy/hash-node's SHA-256, as the client signs), the credential chain and its
// refresh of expiring credentials (@aws-sdk/credential-provider-node, memoized as the client memoizes it; in the
// Lambda bundles the environment-only provider of lambda-credentials.ts). What is left out is per-call work that
// changes nothing on the wire for these calls: the middleware stack, the schema serde, endpoint resolution and
// the retry and user-agent middleware. That was about 550 µs of CPU per post on the machine the project is built on
// (bench/results/2026-12-03-lean-post.md); this path is about 200.
//
// The answer keeps the client's shape where the notifier and the logs read it: a non-2xx answer is an Error named
// by the x-amzn-errortype header (else the body's `code` / `__type`, else 'Unknown', as the client names it), with
// `$metadata.httpStatusCode`; a request timeout is a 'TimeoutError'; socket failures are Node's own (code ECONNRESET,
// EPIPE, ECONNREFUSED).
import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface ManagementHttpOptions {
  /** https://{domainName}/{stage} on AWS; the local stack's http://127.0.0.1:PORT. */
  endpoint: string;
  region: string;
  /** Local and tests; else the SDK's default chain (on Lambda: the function's role, from the environment). */
  credentials?: AwsCredentialIdentity;
  /** Sockets kept open to the endpoint; fan-out keeps about this many calls in flight. */
  maxSockets: number;
  /** Gives up on a new socket that has not connected by then. */
  connectionTimeoutMs: number;
  /** Gives up on a call whose socket stays silent this long (no answer). */
  requestTimeoutMs: number;
}

/** POST sends a frame, GET asks whether the connection is still open (the sweeper), DELETE closes it. */
export type ManagementMethod = 'POST' | 'GET' | 'DELETE';

export interface ManagementHttp {
  /** Resolves with the status once the API answered 2xx; rejects with the API's error, a TimeoutError or the socket's error. */
  call(method: ManagementMethod, connectionId: string, payload?: string): Promise<number>;
  destroy(): void;
}

/** A non-2xx answer of the management API, shaped like the SDK client's service exceptions. */
export class ManagementApiError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId?: string };

  constructor(name: string, message: string, status: number, requestId: string | undefined) {
    super(message);
    this.name = name;
    this.$fault = status >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode: status, ...(requestId !== undefined && { requestId }) };
  }
}

export function createManagementHttp(options: ManagementHttpOptions): ManagementHttp {
  const url = new URL(options.endpoint);
  const secure = url.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  const agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  limitConnectTime(agent, options.connectionTimeoutMs, secure);
  const send = secure ? httpsRequest : httpRequest;
  const sign = createManagementRequestSigner(options);
  const inFlight = timeoutSweeper(options.requestTimeoutMs);

  async function call(method: ManagementMethod, connectionId: string, payload?: string): Promise<number> {
    const signed = await sign(method, connectionId, payload);
    return new Promise((resolve, reject) => {
      const outgoing = send(
        { hostname: signed.hostname, port: signed.port, method, path: signed.path, headers: signed.headers, agent },
        (answer) => {
          const status = answer.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            answer.once('end', () => resolve(status));
            answer.resume();
            return;
          }
          readError(answer, status).then(reject, reject);
        },
      );
      outgoing.once('error', reject);
      inFlight.watch(outgoing);
      outgoing.once('close', () => inFlight.forget(outgoing));
      // A string body goes out in one write with the head (a Buffer would be a second chunk of a writev).
      outgoing.end(payload);
    });
  }

  return {
    call,
    destroy: () => {
      inFlight.stop();
      agent.destroy();
    },
  };
}

/** A new socket that has not connected within `ms` is destroyed with a TimeoutError (once per socket, not per call). */
function limitConnectTime(agent: HttpAgent, ms: number, secure: boolean): void {
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  (agent as unknown as { createConnection: (...args: unknown[]) => Socket }).createConnection = (...args) => {
    const socket = create(...args);
    const timer = setTimeout(() => socket.destroy(timeoutError(ms, 'connection')), ms);
    socket.once(secure ? 'secureConnect' : 'connect', () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
}

/**
 * Gives up on calls with no full answer after `ms`, with a TimeoutError. One timer sweeps every call in flight
 * (a timer per call costs more CPU than the post's own signing hash); so a call is given up between `ms` and
 * `ms` + a quarter of it.
 */
function timeoutSweeper(ms: number): {
  watch(call: ClientRequest): void;
  forget(call: ClientRequest): void;
  stop(): void;
} {
  const startedAt = new Map<ClientRequest, number>();
  let sweeping: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = Date.now();
    for (const [call, started] of startedAt) {
      if (now - started >= ms) {
        startedAt.delete(call);
        call.destroy(timeoutError(ms));
      }
    }
    if (startedAt.size === 0) stop();
  };
  const stop = () => {
    clearInterval(sweeping);
    sweeping = undefined;
  };
  return {
    watch(call) {
      startedAt.set(call, Date.now());
      sweeping ??= setInterval(sweep, Math.max(10, Math.round(ms / 4))).unref();
    },
    forget: (call) => startedAt.delete(call),
    stop,
  };
}

/** Builds and signs one management API call as the SDK client would send it. */
export function createManagementRequestSigner(
  options: Pick<ManagementHttpOptions, 'endpoint' | 'region' | 'credentials'>,
): (method: ManagementMethod, connectionId: string, payload?: string) => Promise<HttpRequest> {
  const url = new URL(options.endpoint);
  const basePath = url.pathname.replace(/\/$/, '');
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: credentialsFor(options.credentials),
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: true,
    applyChecksum: true,
  });
  const payloads = lastPayloadCache();
  return (method, connectionId, payload) => {
    const { body, sha256 } = payload === undefined ? EMPTY_PAYLOAD : payloads.get(payload);
    return signer.sign(
      new HttpRequest({
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port && { port: Number(url.port) }),
        method,
        path: `${basePath}/@connections/${encodeURIComponent(connectionId)}`,
        headers: {
          host: url.host,
          'content-type': 'application/octet-stream',
          'content-length': String(body.length),
          'x-amz-content-sha256': sha256,
        },
        body,
      }),
    ) as Promise<HttpRequest>;
  };
}

/**
 * The SDK client's credentials as it resolves them: given ones as they are, else the default chain, memoized and
 * refreshed shortly before they expire (the same memoizeIdentityProvider the client's SigV4 config uses).
 */
function credentialsFor(given: AwsCredentialIdentity | undefined): AwsCredentialIdentityProvider {
  if (given) return async () => given;
  // Given a provider, memoizeIdentityProvider always returns one.
  return memoizeIdentityProvider(defaultProvider(), isIdentityExpired, doesIdentityRequireRefresh)!;
}

const EMPTY_PAYLOAD = {
  body: Buffer.alloc(0),
  sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
};

/**
 * A fan-out posts one frame to every recipient: its bytes and SHA-256 are made once per frame, not per post (for a
 * 50 KB message the hash alone is ~100 µs). The fan-out hands every post the same string, so the check is cheap.
 */
function lastPayloadCache(): { get(payload: string): { body: Buffer; sha256: string } } {
  let last: { payload: string; body: Buffer; sha256: string } | undefined;
  return {
    get(payload) {
      if (last?.payload !== payload) {
        const body = Buffer.from(payload, 'utf8');
        last = { payload, body, sha256: createHash('sha256').update(body).digest('hex') };
      }
      return last;
    },
  };
}

async function readError(answer: IncomingMessage, status: number): Promise<ManagementApiError> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer as AsyncIterable<Buffer>) chunks.push(chunk);
  return managementApiErrorOf(status, answer.headers, Buffer.concat(chunks).toString('utf8'));
}

/** The error for a non-2xx answer, named and worded as the SDK client names and words it. */
export function managementApiErrorOf(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
): ManagementApiError {
  const body = parseJsonObject(bodyText);
  const name = errorNameOf(headers['x-amzn-errortype'], body);
  const text = [body?.message, body?.Message].find((value): value is string => typeof value === 'string');
  const requestId = headers['x-amzn-requestid'];
  return new ManagementApiError(
    name,
    text ?? 'UnknownError',
    status,
    typeof requestId === 'string' ? requestId : undefined,
  );
}

/** As restJson1 names errors: "Name:uri" or "ns#Name" in x-amzn-errortype, else the body's code or __type. */
function errorNameOf(header: string | string[] | undefined, body: Record<string, unknown> | undefined): string {
  const raw = [typeof header === 'string' ? header : undefined, body?.code, body?.__type].find(
    (value): value is string => typeof value === 'string' && value.length > 0,
  );
  if (!raw) return 'Unknown';
  const withoutUri = raw.split(':')[0]!;
  return withoutUri.slice(withoutUri.lastIndexOf('#') + 1);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function timeoutError(ms: number, what = 'answer'): Error {
  return Object.assign(new Error(`no ${what} within ${ms} ms`), { name: 'TimeoutError' });
}
