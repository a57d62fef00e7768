// The management API's calls the handlers make (POST, GET and DELETE /@connections/{id}) as signed HTTP requests,
// without the SDK client's middleware stack. What stays the SDK's: the request type (@smithy/protocol-http), SigV4
// (@smithy/signature-v4, fed a SHA-256 that gives @smithy/hash-node's bytes at less CPU: ./signing-sha256.ts), the
// credential chain and its refresh of expiring credentials (@aws-sdk/credential-provider-node, memoized as the
// client memoizes it; in the Lambda bundles the environment-only provider of lambda-credentials.ts). What is left
// out is per-call work that changes nothing on the wire for these calls: the middleware stack, the schema serde,
// endpoint resolution, the retry and user-agent middleware, and node:http's request and answer objects (a small
// HTTP/1.1 client, ./http1-client.ts, sends the requests). The SDK client took 500-700 µs of CPU per post on the
// machine the project is built on, SignatureV4 over node:http 330-360, this path about 200
// (bench/results/2026-12-03-lean-post.md).
//
// The answer keeps the client's shape where the notifier and the logs read it: a non-2xx answer is an Error named
// by the x-amzn-errortype header (else the body's `code` / `__type`, else 'Unknown', as the client names it), with
// `$metadata.httpStatusCode`; a request timeout is a 'TimeoutError'; socket failures are Node's own (code ECONNRESET,
// EPIPE, ECONNREFUSED).
import { createHash } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { createHttp1Client, type Http1ClientOptions } from './http1-client.js';
import { SigningSha256 } from './signing-sha256.js';

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
  /** Gives up on a call without its whole answer after this long. */
  requestTimeoutMs: number;
  /** Tests only: the CA of a local TLS endpoint. */
  tls?: Http1ClientOptions['tls'];
}

/** POST sends a frame, GET asks whether the connection is still open (the sweeper), DELETE closes it. */
export type ManagementMethod = 'POST' | 'GET' | 'DELETE';

/** A 2xx answer: its status, and its body as text (GET's connection description; empty for the others). */
export interface ManagementAnswer {
  status: number;
  body: string;
}

export interface ManagementHttp {
  /** Resolves once the API answered 2xx; rejects with the API's error, a TimeoutError or the socket's error. */
  call(method: ManagementMethod, connectionId: string, payload?: string): Promise<ManagementAnswer>;
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
  const client = createHttp1Client({
    origin: new URL(options.endpoint),
    maxSockets: options.maxSockets,
    connectionTimeoutMs: options.connectionTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
    ...(options.tls && { tls: options.tls }),
  });
  const sign = createManagementRequestSigner(options);

  async function call(method: ManagementMethod, connectionId: string, payload?: string): Promise<ManagementAnswer> {
    const signed = await sign(method, connectionId, payload);
    // The client writes host and content-length itself, with the values signed.
    const headers = Object.entries(signed.headers).filter(([name]) => name !== 'host' && name !== 'content-length');
    const answer = await client.request(method, signed.path, headers, payload);
    if (answer.status >= 200 && answer.status < 300)
      return { status: answer.status, body: answer.body.toString('utf8') };
    throw managementApiErrorOf(answer.status, answer.headers, answer.body.toString('utf8'));
  }

  return { call, destroy: () => client.destroy() };
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
    sha256: SigningSha256,
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

/** The error for a non-2xx answer, named and worded as the SDK client names and words it. */
export function managementApiErrorOf(
  status: number,
  headers: ReadonlyMap<string, string>,
  bodyText: string,
): ManagementApiError {
  const body = parseJsonObject(bodyText);
  const name = errorNameOf(headers.get('x-amzn-errortype'), body);
  const text = [body?.message, body?.Message].find((value): value is string => typeof value === 'string');
  const requestId = headers.get('x-amzn-requestid');
  return new ManagementApiError(
    name,
    text ?? 'UnknownError',
    status,
    typeof requestId === 'string' ? requestId : undefined,
  );
}

/** As restJson1 names errors: "Name:uri" or "ns#Name" in x-amzn-errortype, else the body's code or __type. */
function errorNameOf(header: string | undefined, body: Record<string, unknown> | undefined): string {
  const raw = [header, body?.code, body?.__type].find(
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
