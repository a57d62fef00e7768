// The @connections management API through the real AWS SDK client, signed with dummy local credentials, exactly
// as the handlers' notifier uses it.
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('answers plain HTTP too: encoded or raw "=", with or without a stage prefix, x-amzn-errortype on errors', async () => {
    const { client: socket, connectionId } = await s.connect();
    const encoded = encodeURIComponent(connectionId);
    expect(encoded).toContain('%3D');
    for (const path of [
      `/@connections/${encoded}`,
      `/@connections/${connectionId}`,
      `/local/@connections/${encoded}`,
    ]) {
      const response = await fetch(`${s.stack.httpUrl}${path}`, { method: 'POST', body: path });
      expect(response.status, path).toBe(200);
    }
    await sleep(100);
    expect(socket.frames.filter((f) => f.includes('@connections'))).toHaveLength(3);

    const gone = await fetch(`${s.stack.httpUrl}/@connections/${encodeURIComponent('Unknown0000000=')}`);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('x-amzn-errortype')).toBe('GoneException');
    expect(await gone.json()).toEqual({ message: expect.any(String) });

    expect((await fetch(`${s.stack.httpUrl}/@connections/${encoded}`, { method: 'PUT' })).status).toBe(405);
  });
});
