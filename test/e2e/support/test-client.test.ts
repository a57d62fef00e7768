// The e2e suite's client must itself catch what it is meant to catch; checked here against a scripted ws server.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { HandshakeRefused, TestClient } from './test-client.js';

let server: WebSocketServer;
let url: string;

beforeAll(async () => {
  server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (info, done) => (info.req.url?.includes('refuse') ? done(false, 401) : done(true)),
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { action: string; requestId?: string };
      const ack = { type: 'ack', requestId: frame.requestId, action: frame.action };
      if (frame.action === 'twice') {
        socket.send(JSON.stringify(ack));
        socket.send(JSON.stringify(ack));
      } else if (frame.action === 'event') {
        socket.send(JSON.stringify({ type: 'message', roomId: 'r1', message: { id: 'm1' } }));
        socket.send(JSON.stringify(ack));
      } else if (frame.action === 'broken') {
        socket.send(
          JSON.stringify({ type: 'error', requestId: frame.requestId, code: 'OOPS', message: '', stack: 'x' }),
        );
        socket.send(
          JSON.stringify({ type: 'message', roomId: 'r1', message: { id: 'm1', createdAt: '2020-01-01T00:00:00Z' } }),
        );
        socket.send(JSON.stringify({ hello: 'no type' }));
      } else if (frame.action === 'fail') {
        socket.send(JSON.stringify({ type: 'error', requestId: frame.requestId, code: 'BAD_REQUEST', message: 'x' }));
      } else {
        socket.send(JSON.stringify(ack));
      }
    });
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('TestClient', () => {
  it('pairs replies with requests and tells acks from errors', async () => {
    const client = await TestClient.open(url, 't');
    const ack = await client.ack('ping');
    expect(ack).toMatchObject({ type: 'ack', action: 'ping', requestId: 't-1' });
    await expect(client.ack('fail')).rejects.toThrow(/expected an ack/);
    await expect(client.error('ping')).rejects.toThrow(/expected an error/);
    await client.close();
  });

  it('records a second reply to one requestId as a violation', async () => {
    const client = await TestClient.open(url, 't');
    await client.ack('twice');
    await client.expectNoFrame(() => false, 100);
    expect(client.violations).toEqual([expect.stringContaining('second reply for requestId t-1')]);
    await client.close();
  });

  it('lets each frame be claimed once, and expectNoFrame sees frames that came before it was called', async () => {
    const client = await TestClient.open(url, 't');
    await client.ack('event');
    await expect(client.expectNoFrame((f) => f.type === 'message', 50)).rejects.toThrow(/unexpected frame/);
    expect(await client.waitFor((f) => f.type === 'message')).toMatchObject({ roomId: 'r1' });
    await expect(client.waitFor((f) => f.type === 'message', 100)).rejects.toThrow(/no matching frame/);
    await client.expectNoFrame((f) => f.type === 'message', 50);
    await client.close();
  });

  it('records frames that break the wire rules', async () => {
    const client = await TestClient.open(url, 't');
    await client.error('broken');
    await client.expectNoFrame(() => false, 100);
    expect(client.violations).toEqual([
      expect.stringContaining('unknown error code'),
      expect.stringContaining('error without message'),
      expect.stringContaining('error with extra fields'),
      expect.stringContaining('createdAt is not ISO 8601 UTC with ms'),
      expect.stringContaining('unknown frame type'),
    ]);
    await client.close();
  });

  it('reports a refused handshake with its status', async () => {
    await expect(TestClient.open(`${url}/?refuse=1`)).rejects.toEqual(new HandshakeRefused(401));
  });

  it('paces its requests: after a burst of 40, about 20 a second', async () => {
    const client = await TestClient.open(url, 't');
    const started = Date.now();
    await Promise.all(Array.from({ length: 46 }, () => client.ack('ping')));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    await client.close();
  });
});
