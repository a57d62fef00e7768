// The notifier (SigV4-signed requests over keep-alive sockets) against a small HTTP server that speaks the management
// API, and through a fault proxy that resets, times out and answers 429 / 5xx.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createManagementNotifier,
  gatewayConnectionOf,
  managementEndpointFor,
  managementNotifierFor,
  type ManagementNotifier,
} from '../../../lambdas/adapters/management-notifier.js';
import { PostRetriesExhaustedError } from '../../../lambdas/chat/errors.js';
import {
  NO_ANSWER_STATUS,
  RESET_STATUS,
  startFaultProxy,
  type FaultDecision,
  type FaultProxy,
} from '../../reliability/support/fault-proxy.js';
import {
  startManagementApiStub,
  type ManagementApiStub,
  type RecordedRequest,
  type ScriptedReply,
} from './support/management-api-stub.js';

let stub: ManagementApiStub;
let endpoint: string;
let requests: RecordedRequest[];
let script: Map<string, ScriptedReply[]>;

beforeAll(async () => {
  stub = await startManagementApiStub();
  ({ endpoint, requests, script } = stub);
});

afterAll(() => stub.stop());

let notifier: ManagementNotifier;
beforeEach(() => {
  stub.reset();
  notifier = createManagementNotifier({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    baseDelayMs: 5,
    maxDelayMs: 20,
  });
});
afterEach(() => notifier.destroy());

describe('createManagementNotifier', () => {
  it('posts the frame to /@connections/{id}, signed, and reports it delivered', async () => {
    const frame = JSON.stringify({ type: 'message', content: 'héllo "quoted" </script> 😀' });
    await expect(notifier.post('conn-1', frame)).resolves.toBe('delivered');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: '/@connections/conn-1', body: frame });
    expect(requests[0]!.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/local\/execute-api\/aws4_request/,
    );
  });

  it('URL-encodes connection ids (API Gateway ids end in "=")', async () => {
    await notifier.post('L0SM9cOFvHcCIhw=', '{}');
    await notifier.post('a/b+c d', '{}');
    expect(requests.map((r) => r.url)).toEqual(['/@connections/L0SM9cOFvHcCIhw%3D', '/@connections/a%2Fb%2Bc%20d']);
  });

  it('keeps the stage path of the endpoint', async () => {
    const staged = createManagementNotifier({
      endpoint: `${endpoint}/prod`,
      region: 'local',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      await staged.post('c1', '{}');
      expect(requests[0]!.url).toBe('/prod/@connections/c1');
    } finally {
      staged.destroy();
    }
  });

  it('answers "gone" for a 410 GoneException, once, without retrying', async () => {
    script.set('/@connections/old', [{ status: 410, errorType: 'GoneException' }]);
    await expect(notifier.post('old', '{}')).resolves.toBe('gone');
    expect(requests).toHaveLength(1);
  });

  it('retries a throttled post (429 LimitExceededException) and then delivers', async () => {
    script.set('/@connections/busy', [
      { status: 429, errorType: 'LimitExceededException' },
      { status: 429, errorType: 'LimitExceededException' },
    ]);
    await expect(notifier.post('busy', '{"n":1}')).resolves.toBe('delivered');
    expect(requests.map((r) => r.url)).toEqual(Array(3).fill('/@connections/busy'));
    expect(requests.every((r) => r.body === '{"n":1}')).toBe(true);
  });

  it('retries a bare 429 (no error type) too', async () => {
    script.set('/@connections/bare', [{ status: 429 }]);
    await expect(notifier.post('bare', '{}')).resolves.toBe('delivered');
    expect(requests).toHaveLength(2);
  });

  it('gives up after maxAttempts throttled attempts and throws, the SDK adding none of its own', async () => {
    script.set('/@connections/flooded', Array(10).fill({ status: 429, errorType: 'LimitExceededException' }));
    const error = await notifier.post('flooded', '{}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostRetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 4, reason: 'throttled' });
    expect(requests).toHaveLength(4);
  });

  it('retries 5xx answers (500, 502, 503) and then delivers', async () => {
    script.set('/@connections/sick', [
      { status: 500, errorType: 'InternalServerErrorException' },
      { status: 502 },
      { status: 503 },
    ]);
    await expect(notifier.post('sick', '{"n":5}')).resolves.toBe('delivered');
    expect(requests.map((r) => r.body)).toEqual(Array(4).fill('{"n":5}'));
  });

  it('throws refusals at once (403 ForbiddenException, 413): sending them again would change nothing', async () => {
    script.set('/@connections/forbidden', [{ status: 403, errorType: 'ForbiddenException' }]);
    await expect(notifier.post('forbidden', '{}')).rejects.toMatchObject({ name: 'ForbiddenException' });
    script.set('/@connections/huge', [{ status: 413, errorType: 'PayloadTooLargeException' }]);
    const error = await notifier.post('huge', '{}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PostRetriesExhaustedError);
    expect(requests).toHaveLength(2);
  });

  it('names refusals as the SDK client did, with the status, and never retries them (400, 413)', async () => {
    script.set('/@connections/bad', [{ status: 400 }]);
    script.set('/@connections/big', [{ status: 413, errorType: 'PayloadTooLargeException' }]);
    const bad = await notifier.post('bad', '{}').catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'Unknown', $metadata: { httpStatusCode: 400 }, $fault: 'client' });
    const big = await notifier.post('big', '{}').catch((e: unknown) => e);
    expect(big).toMatchObject({ name: 'PayloadTooLargeException', message: 'PayloadTooLargeException' });
    expect(big).toMatchObject({ $metadata: { httpStatusCode: 413 } });
    expect(requests).toHaveLength(2);
  });

  it('takes the error name from "Name:uri" and "namespace#Name" error types, as restJson1 does', async () => {
    script.set('/@connections/f1', [{ status: 403, errorType: 'ForbiddenException:http://internal.amazon.com/' }]);
    script.set('/@connections/f2', [{ status: 403, errorType: 'com.amazonaws.apigateway#ForbiddenException' }]);
    await expect(notifier.post('f1', '{}')).rejects.toMatchObject({ name: 'ForbiddenException' });
    await expect(notifier.post('f2', '{}')).rejects.toMatchObject({ name: 'ForbiddenException' });
  });

  it('closes with DELETE /@connections/{id}; a connection already gone is fine', async () => {
    await notifier.close('c-close');
    script.set('/@connections/c-gone', [{ status: 410, errorType: 'GoneException' }]);
    await expect(notifier.close('c-gone')).resolves.toBeUndefined();
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /@connections/c-close',
      'DELETE /@connections/c-gone',
    ]);
  });

  it('describes a connection with GET /@connections/{id}; undefined once it is gone (410), without retrying', async () => {
    script.set('/@connections/c-gone', [{ status: 410, errorType: 'GoneException' }]);
    await expect(notifier.describeConnection('c-gone')).resolves.toBeUndefined();
    await expect(notifier.describeConnection('c-open')).resolves.toBeDefined();
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /@connections/c-gone',
      'GET /@connections/c-open',
    ]);
  });

  it("reads lastActiveAt from GetConnection's answer, and nothing from an answer without a readable one", () => {
    const answer = { connectedAt: '2026-12-03T10:00:00.000Z', lastActiveAt: '2026-12-03T10:05:00.000Z' };
    expect(gatewayConnectionOf(JSON.stringify(answer))).toEqual({ lastActiveAt: Date.parse(answer.lastActiveAt) });
    for (const body of ['', 'not json', 'null', '{}', '{"lastActiveAt":"yesterday"}', '{"lastActiveAt":12}']) {
      expect(gatewayConnectionOf(body), body).toEqual({});
    }
  });

  it('reuses keep-alive sockets across posts', async () => {
    for (let i = 0; i < 5; i += 1) await notifier.post(`k${i}`, '{}');
    expect(new Set(requests.map((r) => r.remotePort)).size).toBe(1);
    expect(requests.every((r) => r.connection === 'keep-alive')).toBe(true);
  });

  it('keeps at most maxSockets connections open under a burst', async () => {
    const small = createManagementNotifier({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxSockets: 3,
    });
    try {
      await Promise.all(Array.from({ length: 12 }, (_, i) => small.post(`burst-${i}`, '{}')));
      expect(requests).toHaveLength(12);
      expect(new Set(requests.map((r) => r.remotePort)).size).toBeLessThanOrEqual(3);
    } finally {
      small.destroy();
    }
  });
});

describe('transient failures on the way, through a fault proxy in front of the management API', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy();
    proxy.target = endpoint;
  });
  afterAll(() => proxy.close());

  let retryDeadline: number | undefined;
  let proxied: ManagementNotifier;
  beforeEach(() => {
    retryDeadline = undefined;
    proxied = createManagementNotifier({
      endpoint: proxy.url,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      baseDelayMs: 5,
      maxDelayMs: 20,
      // A post with no answer is given up after this long; short, so the test does not wait seconds.
      requestTimeoutMs: 300,
      retryDeadline: () => retryDeadline,
    });
  });
  afterEach(() => {
    proxy.decide = undefined;
    proxied.destroy();
  });

  /** The first `failures` posts to the connection meet `fault`, then they pass. */
  const failFirst = (connectionId: string, failures: number, fault: FaultDecision) => {
    proxy.decide = (call) => (call.connectionId === connectionId && call.attempt <= failures ? fault : 'pass');
  };

  it.each([
    ['a reset socket', 'reset' as const, RESET_STATUS],
    ['no answer (request timeout)', 'timeout' as const, NO_ANSWER_STATUS],
    ['a 500', 500 as const, 500],
    ['a 429', 429 as const, 429],
  ])('%s is retried, and the frame arrives unchanged', async (_kind, fault, status) => {
    const id = `transient-${String(fault)}`;
    failFirst(id, 2, fault);
    const frame = JSON.stringify({ type: 'message', content: `after ${String(fault)} ✓` });
    await expect(proxied.post(id, frame)).resolves.toBe('delivered');
    expect(proxy.callsTo(id).map((c) => c.status)).toEqual([status, status, 200]);
    expect(stub.framesTo(id)).toEqual([JSON.parse(frame)]);
  });

  it.each([
    ['reset', 'connection-lost'],
    ['timeout', 'timeout'],
    [500, 'server-error'],
  ] as const)('%s on every attempt ends in PostRetriesExhaustedError (%s) after maxAttempts', async (fault, reason) => {
    const id = `always-${String(fault)}`;
    failFirst(id, 100, fault);
    const error = await proxied.post(id, '{}').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostRetriesExhaustedError);
    expect(error).toMatchObject({ attempts: 4, reason });
    expect(proxy.callsTo(id)).toHaveLength(4);
  });

  it("starts no attempt past the invocation's retry deadline, and waits no backoff across it", async () => {
    retryDeadline = Date.now() - 1;
    await expect(proxied.post('late', '{}')).rejects.toMatchObject({
      name: 'PostRetriesExhaustedError',
      attempts: 0,
      reason: 'budget',
    });
    expect(proxy.callsTo('late')).toHaveLength(0);

    // Time for the first attempt but not for a second: the 500 is not retried.
    retryDeadline = Date.now() + 1_000;
    const slow = createManagementNotifier({
      endpoint: proxy.url,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      baseDelayMs: 5_000,
      maxDelayMs: 5_000,
      retryDeadline: () => retryDeadline,
    });
    try {
      failFirst('cut-short', 100, 500);
      const random = Math.random;
      // The backoff draw is the top of its range, which lies past the deadline.
      Math.random = () => 0.999;
      try {
        await expect(slow.post('cut-short', '{}')).rejects.toMatchObject({ attempts: 1, reason: 'server-error' });
      } finally {
        Math.random = random;
      }
      expect(proxy.callsTo('cut-short')).toHaveLength(1);
    } finally {
      slow.destroy();
    }
  });
});

describe('every request is signed with SigV4 that verifies', () => {
  const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();
  const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

  /** Recomputes the signature from what arrived on the wire, as API Gateway does, with the secret key. */
  function expectedSignature(
    method: string,
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    secret: string,
  ): string {
    const auth =
      /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
        headers.authorization ?? '',
      );
    expect(auth, headers.authorization).not.toBeNull();
    const [, day, region, signedHeaders] = auth!;
    const names = signedHeaders!.split(';');
    const canonicalHeaders = names.map((name) => `${name}:${String(headers[name]).trim()}\n`).join('');
    // SigV4 for every service but S3 encodes the (already encoded) path segments once more: %3D becomes %253D.
    const canonicalPath = path
      .split('/')
      .map((segment) => encodeURIComponent(segment))
      .join('/');
    const canonicalRequest = `${method}\n${canonicalPath}\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(body)}`;
    const scope = `${day}/${region}/execute-api/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${headers['x-amz-date']}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day!), region!), 'execute-api'), 'aws4_request');
    return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  }

  it('posts, deletes and gets with Authorization, x-amz-date, host and the payload hash signed, on every call', async () => {
    const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }> = [];
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          method: request.method!,
          url: request.url!,
          headers: request.headers,
          body: Buffer.concat(chunks),
        });
        // GetConnection answers the connection's description, as API Gateway does.
        response
          .writeHead(200)
          .end(request.method === 'GET' ? JSON.stringify({ lastActiveAt: '2026-12-03T11:00:00.000Z' }) : undefined);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const signed = createManagementNotifier({
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: secret },
    });
    try {
      // Several calls of each kind: the signing key and the frame's hash are cached after the first one.
      for (const frame of ['{"n":1}', '{"n":2,"text":"héllo 😀"}', '{}']) await signed.post('L0SM9cOFvHcCIhw=', frame);
      await signed.close('c1=');
      await signed.close('c2=');
      // The sweeper's question: the connection's details, answered 200 while it is open.
      await expect(signed.describeConnection('c3=')).resolves.toEqual({
        lastActiveAt: Date.parse('2026-12-03T11:00:00.000Z'),
      });
      expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
        ...Array(3).fill('POST /prod/@connections/L0SM9cOFvHcCIhw%3D'),
        'DELETE /prod/@connections/c1%3D',
        'DELETE /prod/@connections/c2%3D',
        'GET /prod/@connections/c3%3D',
      ]);
      for (const request of seen) {
        const signedHeaders = /SignedHeaders=([^,]+)/.exec(request.headers.authorization ?? '')![1]!.split(';');
        expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-content-sha256']));
        expect(request.headers['x-amz-content-sha256']).toBe(sha256Hex(request.body));
        const signature = /Signature=([0-9a-f]{64})$/.exec(request.headers.authorization!)![1];
        expect(signature).toBe(expectedSignature(request.method, request.url, request.headers, request.body, secret));
      }
    } finally {
      signed.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("credentials from the SDK's default chain", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_CREDENTIAL_EXPIRATION',
    ]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  const useEnvironment = (accessKeyId: string, expiresInMs: number) => {
    process.env.AWS_ACCESS_KEY_ID = accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = `${accessKeyId}-secret`;
    process.env.AWS_SESSION_TOKEN = `${accessKeyId}-token`;
    process.env.AWS_CREDENTIAL_EXPIRATION = new Date(Date.now() + expiresInMs).toISOString();
  };
  const keyOf = (request: RecordedRequest) => /Credential=([^/]+)\//.exec(request.authorization ?? '')?.[1];

  it('signs with the environment credentials, keeps them while valid and takes new ones once they near expiry', async () => {
    useEnvironment('ASIAFIRST', 60 * 60_000);
    const fromChain = createManagementNotifier({ endpoint, region: 'local' });
    try {
      await fromChain.post('c1', '{}');
      // Still valid for an hour: the chain is not asked again.
      useEnvironment('ASIASECOND', 2 * 60_000);
      await fromChain.post('c2', '{}');
      expect(requests.map(keyOf)).toEqual(['ASIAFIRST', 'ASIAFIRST']);
    } finally {
      fromChain.destroy();
    }

    stub.reset();
    useEnvironment('ASIATHIRD', 2 * 60_000);
    const expiring = createManagementNotifier({ endpoint, region: 'local' });
    try {
      await expiring.post('c3', '{}');
      // Within five minutes of expiry, as the SDK client treats them: the chain is asked again (it refreshes in the
      // background and hands out the old ones, still valid, until the new ones are there).
      useEnvironment('ASIAFOURTH', 60 * 60_000);
      await expiring.post('c4', '{}');
      await expiring.post('c5', '{}');
      const keys = requests.map(keyOf);
      expect(keys[0]).toBe('ASIATHIRD');
      expect(keys.at(-1)).toBe('ASIAFOURTH');
    } finally {
      expiring.destroy();
    }
  });
});

describe('managementNotifierFor / managementEndpointFor', () => {
  it('derives https://{domainName}/{stage} unless an endpoint is configured', () => {
    expect(
      managementEndpointFor(undefined, { domainName: 'abc.execute-api.eu-west-1.amazonaws.com', stage: 'prod' }),
    ).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/prod');
    expect(managementEndpointFor('http://127.0.0.1:8080', { domainName: 'x', stage: 'y' })).toBe(
      'http://127.0.0.1:8080',
    );
    expect(() => managementEndpointFor(undefined, {})).toThrow(/domainName/);
  });

  it('caches one notifier per endpoint', () => {
    const options = { region: 'local', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
    const a = managementNotifierFor({ endpoint: `${endpoint}/a`, ...options });
    expect(managementNotifierFor({ endpoint: `${endpoint}/a`, ...options })).toBe(a);
    const b = managementNotifierFor({ endpoint: `${endpoint}/b`, ...options });
    expect(b).not.toBe(a);
    a.destroy();
    b.destroy();
  });
});
