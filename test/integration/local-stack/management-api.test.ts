// The @connections management API through the real AWS SDK client, signed with the local credentials, and through
// any signed HTTP client; every call's SigV4 signature is checked, and a wrong or altered one is refused with 403.
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagementNotifier } from '../../../lambdas/adapters/management-notifier.js';
import { rawManagementCall } from '../../support/management-call.js';
import { sleep } from './support/gateway-client.js';
import { useStack } from './support/stack-fixture.js';

describe('management API', () => {
  const s = useStack();
  let client: ApiGatewayManagementApiClient;

  beforeAll(() => {
    client = new ApiGatewayManagementApiClient({
      endpoint: s.stack.httpUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterAll(() => client.destroy());

  it('PostToConnection delivers the bytes as one text frame, to a connection id that needs URL encoding', async () => {
    const { client: socket, connectionId } = await s.connect();
    expect(connectionId.endsWith('=')).toBe(true);
    const text = '{"type":"note","text":"héllo \\"wörld\\" </script> 😀\\n"}';
    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.from(text) }));
    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'second' }));
    await sleep(100);
    const received = socket.frames.filter((f) => f === text || f === 'second');
    expect(received).toEqual([text, 'second']);
  });

  it('GetConnection describes the connection, and LastActiveAt follows client frames', async () => {
    const { client: socket, connectionId } = await s.connect();
    const first = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(first.ConnectedAt).toBeInstanceOf(Date);
    expect(Math.abs(first.ConnectedAt!.getTime() - Date.now())).toBeLessThan(5_000);
    expect(first.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: undefined });
    expect(first.LastActiveAt!.getTime()).toBe(first.ConnectedAt!.getTime());

    await sleep(50);
    await socket.request('ping');
    const second = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
    expect(second.LastActiveAt!.getTime()).toBeGreaterThan(first.LastActiveAt!.getTime());
    expect(second.ConnectedAt!.getTime()).toBe(first.ConnectedAt!.getTime());
  });

  it('DeleteConnection closes the socket and runs $disconnect once', async () => {
    const { client: socket, connectionId } = await s.connect();
    const answer = await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
    expect(answer.$metadata.httpStatusCode).toBe(204);
    expect((await socket.closed).code).toBe(1000);
    const disconnect = await s.log.disconnected(connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1000);
    await sleep(200);
    expect(s.log.of('DISCONNECT', connectionId)).toHaveLength(1);
    // Gone from then on.
    await expect(
      client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })),
    ).rejects.toBeInstanceOf(GoneException);
  });

  it.each([
    ['PostToConnection', (id: string) => new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })],
    ['GetConnection', (id: string) => new GetConnectionCommand({ ConnectionId: id })],
    ['DeleteConnection', (id: string) => new DeleteConnectionCommand({ ConnectionId: id })],
  ] as const)('%s to an unknown connection fails with the SDK GoneException (410)', async (_name, command) => {
    const error = await client.send(command('NoSuchConnecti0=') as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GoneException);
    expect((error as GoneException).$metadata.httpStatusCode).toBe(410);
  });

  it('a closed connection is gone', async () => {
    const { client: socket, connectionId } = await s.connect();
    await socket.close();
    await s.log.disconnected(connectionId);
    await expect(client.send(new GetConnectionCommand({ ConnectionId: connectionId }))).rejects.toBeInstanceOf(
      GoneException,
    );
  });

  it('PostToConnection over 128 KB fails with PayloadTooLargeException and sends nothing; 128 KB exactly goes through', async () => {
    const { client: socket, connectionId } = await s.connect();
    const tooBig = Buffer.alloc(128 * 1024 + 1, 'a');
    const error = await client
      .send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: tooBig }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeException);
    expect((error as PayloadTooLargeException).$metadata.httpStatusCode).toBe(413);

    await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: Buffer.alloc(128 * 1024, 'b') }));
    await sleep(100);
    expect(socket.frames.filter((f) => f.startsWith('a'))).toEqual([]);
    expect(socket.frames.filter((f) => f.startsWith('b')).map((f) => f.length)).toEqual([128 * 1024]);
    expect(socket.isOpen).toBe(true);
  });

  it('answers any signed HTTP client too: encoded or raw "=", with or without a stage prefix, x-amzn-errortype on errors', async () => {
    const { client: socket, connectionId } = await s.connect();
    const encoded = encodeURIComponent(connectionId);
    expect(encoded).toContain('%3D');
    for (const path of [
      `/@connections/${encoded}`,
      `/@connections/${connectionId}`,
      `/local/@connections/${encoded}`,
    ]) {
      const response = await rawManagementCall(s.stack.httpUrl, 'POST', path, { body: path });
      expect(response.status, path).toBe(200);
    }
    await sleep(100);
    expect(socket.frames.filter((f) => f.includes('@connections'))).toHaveLength(3);

    const gone = await rawManagementCall(
      s.stack.httpUrl,
      'GET',
      `/@connections/${encodeURIComponent('Unknown0000000=')}`,
    );
    expect(gone.status).toBe(410);
    expect(gone.errorType).toBe('GoneException');
    expect(JSON.parse(gone.body)).toEqual({ message: expect.any(String) });

    expect((await rawManagementCall(s.stack.httpUrl, 'PUT', `/@connections/${encoded}`)).status).toBe(405);
  });
});

describe('management API signatures', () => {
  const s = useStack();

  /** A connection, and a check that nothing reached it. */
  async function target() {
    const { client: socket, connectionId } = await s.connect();
    const path = `/@connections/${encodeURIComponent(connectionId)}`;
    return {
      connectionId,
      path,
      async expectNothingDelivered() {
        await sleep(100);
        expect(socket.frames.filter((f) => f.includes('tampered'))).toEqual([]);
        expect(socket.isOpen).toBe(true);
      },
    };
  }

  it.each([
    ['unsigned', { unsigned: true }, 'MissingAuthenticationTokenException'],
    [
      'signed with another secret key',
      { credentials: { accessKeyId: 'local', secretAccessKey: 'not-local' } },
      'InvalidSignatureException',
    ],
    ['signed for another region', { region: 'eu-west-1' }, 'InvalidSignatureException'],
    ['signed 20 minutes ago', { signingDate: new Date(Date.now() - 20 * 60_000) }, 'InvalidSignatureException'],
  ] as const)('refuses a post %s with 403 and delivers nothing', async (_how, options, errorType) => {
    const before = { ...s.stack.managementSignatures };
    const { path, expectNothingDelivered } = await target();
    const response = await rawManagementCall(s.stack.httpUrl, 'POST', path, { body: 'tampered', ...options });
    expect(response.status).toBe(403);
    expect(response.errorType).toBe(errorType);
    expect(s.stack.managementSignatures.refused).toBe(before.refused + 1);
    await expectNothingDelivered();
  });

  it('refuses a correctly signed post altered on the way: another body, another connection, a header changed', async () => {
    const { path, expectNothingDelivered } = await target();
    const other = await target();
    const tamperings: Array<(request: { path: string; headers: Record<string, string>; body: string }) => void> = [
      (request) => {
        request.body = 'tampered body';
      },
      (request) => {
        // The body and its hash both replaced: the signature covers the hash.
        request.body = 'tampered body';
        request.headers['x-amz-content-sha256'] = createHash('sha256').update(request.body).digest('hex');
      },
      (request) => {
        request.path = other.path;
      },
      (request) => {
        // One second later: still well within the allowed clock skew, but not what was signed.
        const signedAt = request.headers['x-amz-date']!.replace(
          /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
          '$1-$2-$3T$4:$5:$6Z',
        );
        const later = new Date(Date.parse(signedAt) + 1_000);
        request.headers['x-amz-date'] = later.toISOString().replace(/[-:]|\.\d{3}/g, '');
      },
    ];
    for (const tamper of tamperings) {
      const response = await rawManagementCall(s.stack.httpUrl, 'POST', path, { body: 'untampered', tamper });
      expect(response.status).toBe(403);
      expect(response.errorType).toBe('InvalidSignatureException');
    }
    await expectNothingDelivered();
    await other.expectNothingDelivered();
  });

  it('accepts what the handlers and the SDK client sign, session token included, and counts it verified', async () => {
    const { client: socket, connectionId } = await s.connect();
    const before = { ...s.stack.managementSignatures };
    const sessionClient = new ApiGatewayManagementApiClient({
      endpoint: s.stack.httpUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'ASIALOCAL', secretAccessKey: 'local', sessionToken: 'a-session-token' },
      maxAttempts: 1,
    });
    try {
      await sessionClient.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'from the SDK' }));
    } finally {
      sessionClient.destroy();
    }
    const notifier = createManagementNotifier({
      endpoint: s.stack.httpUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      await expect(notifier.post(connectionId, 'from the notifier')).resolves.toBe('delivered');
      // The sweeper's GET goes the same signed way.
      const described = await notifier.describeConnection(connectionId);
      expect(described?.lastActiveAt).toEqual(expect.any(Number));
    } finally {
      notifier.destroy();
    }
    await sleep(100);
    expect(socket.frames.filter((f) => f.startsWith('from the'))).toEqual(['from the SDK', 'from the notifier']);
    expect(s.stack.managementSignatures).toEqual({ verified: before.verified + 3, refused: before.refused });
  });

  it.each([
    ['unsigned', { unsigned: true }, 'MissingAuthenticationTokenException'],
    [
      'signed with another secret key',
      { credentials: { accessKeyId: 'local', secretAccessKey: 'not-local' } },
      'InvalidSignatureException',
    ],
  ] as const)('refuses a GET of an open connection %s with 403, not its details', async (_how, options, errorType) => {
    const before = { ...s.stack.managementSignatures };
    const { path } = await target();
    const response = await rawManagementCall(s.stack.httpUrl, 'GET', path, options);
    expect(response.status).toBe(403);
    expect(response.errorType).toBe(errorType);
    expect(response.body).not.toContain('connectedAt');
    expect(s.stack.managementSignatures.refused).toBe(before.refused + 1);
    const signed = await rawManagementCall(s.stack.httpUrl, 'GET', path);
    expect(signed.status).toBe(200);
    expect(JSON.parse(signed.body)).toMatchObject({ connectedAt: expect.any(String) });
  });
});

describe('management API without signature checks', () => {
  const s = useStack({ verifySignatures: false });

  it('takes unsigned calls when started with verifySignatures: false', async () => {
    const { client: socket, connectionId } = await s.connect();
    const response = await rawManagementCall(
      s.stack.httpUrl,
      'POST',
      `/@connections/${encodeURIComponent(connectionId)}`,
      {
        body: 'unsigned but taken',
        unsigned: true,
      },
    );
    expect(response.status).toBe(200);
    await sleep(100);
    expect(socket.frames).toContain('unsigned but taken');
    expect(s.stack.managementSignatures).toEqual({ verified: 0, refused: 0 });
  });
});
