// Client frames: API Gateway's route selection on `action`, and its size limits (32 KB a frame, 128 KB a message),
// both closing with 1009.
import { describe, expect, it } from 'vitest';
import { sleep } from './support/gateway-client.js';
import { useStack } from './support/stack-fixture.js';

const KB = 1024;

/** A JSON ping request padded to exactly `bytes` bytes. */
function paddedPing(requestId: string, bytes: number): string {
  const bare = JSON.stringify({ action: 'ping', requestId, pad: '' });
  return JSON.stringify({ action: 'ping', requestId, pad: 'x'.repeat(bytes - Buffer.byteLength(bare)) });
}

describe('route selection', () => {
  const s = useStack();

  it('routes a known action to its route key and answers it', async () => {
    const { client, connectionId } = await s.connect();
    const ack = await client.request('hello');
    expect(ack).toMatchObject({ type: 'ack', action: 'hello' });
    expect(s.log.of('MESSAGE', connectionId).map((e) => e.requestContext.routeKey)).toEqual(['hello']);
  });

  it.each([
    ['an unknown action', JSON.stringify({ action: 'fly', requestId: 'u-1' }), 'UNKNOWN_ACTION', 'u-1'],
    ['a frame that is not JSON', 'hello there', 'BAD_REQUEST', undefined],
    ['a JSON array', '[1,2]', 'BAD_REQUEST', undefined],
    [
      'a reserved route key as action',
      JSON.stringify({ action: '$connect', requestId: 'u-2' }),
      'UNKNOWN_ACTION',
      'u-2',
    ],
  ])(
    'sends %s to $default, which answers with an error and keeps the connection',
    async (_label, body, code, requestId) => {
      const { client, connectionId } = await s.connect();
      await client.send(body);
      const error = await client.frame((f) => f.type === 'error');
      expect(error).toMatchObject({ type: 'error', code });
      if (requestId) expect(error.requestId).toBe(requestId);
      const [event] = s.log.of('MESSAGE', connectionId);
      expect(event!.requestContext.routeKey).toBe('$default');
      expect(event!.body).toBe(body);
      expect(await client.request('ping')).toMatchObject({ type: 'ack', action: 'ping' });
      expect(client.isOpen).toBe(true);
    },
  );

  it('hands a binary frame to the integration as text', async () => {
    const { client, connectionId } = await s.connect();
    await client.send(Buffer.from(JSON.stringify({ action: 'ping', requestId: 'bin-1' })), { binary: true });
    expect(await client.frame((f) => f.requestId === 'bin-1')).toMatchObject({ type: 'ack', action: 'ping' });
    const [event] = s.log.of('MESSAGE', connectionId);
    expect(event).toMatchObject({
      body: JSON.stringify({ action: 'ping', requestId: 'bin-1' }),
      isBase64Encoded: false,
    });
    expect(event!.requestContext.routeKey).toBe('ping');
  });
});

describe('size limits', () => {
  const s = useStack();

  it('accepts a frame of exactly 32 KB', async () => {
    const { client } = await s.connect();
    await client.send(paddedPing('edge-32', 32 * KB));
    const reply = await client.frame((f) => f.requestId === 'edge-32');
    expect(['ack', 'error']).toContain(reply.type);
    expect(client.isOpen).toBe(true);
  });

  it('closes with 1009 on a frame one byte over 32 KB, before the integration sees it', async () => {
    const { client, connectionId } = await s.connect();
    await client.send(paddedPing('over-32', 32 * KB + 1)).catch(() => undefined);
    expect((await client.closed).code).toBe(1009);
    const disconnect = await s.log.disconnected(connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1009);
    await sleep(100);
    expect(s.log.of('MESSAGE', connectionId)).toEqual([]);
  });

  it('closes with 1009 on one huge frame', async () => {
    const { client, connectionId } = await s.connect();
    await client.send(paddedPing('huge', 300 * KB)).catch(() => undefined);
    expect((await client.closed).code).toBe(1009);
    expect(s.log.of('MESSAGE', connectionId)).toEqual([]);
  });

  it('accepts a 100 KB message sent in frames of 25 KB (the frame limit is per frame)', async () => {
    const { client, connectionId } = await s.connect();
    const message = paddedPing('frag-100', 100 * KB);
    for (let offset = 0; offset < message.length; offset += 25 * KB) {
      const part = message.slice(offset, offset + 25 * KB);
      await client.send(part, { fin: offset + 25 * KB >= message.length });
    }
    const reply = await client.frame((f) => f.requestId === 'frag-100');
    expect(['ack', 'error']).toContain(reply.type);
    expect(client.isOpen).toBe(true);
    expect(s.log.of('MESSAGE', connectionId)[0]!.body).toBe(message);
  });

  it('closes with 1009 on a message over 128 KB even when every frame is under 32 KB', async () => {
    const { client, connectionId } = await s.connect();
    const message = paddedPing('frag-129', 128 * KB + 1);
    const frameBytes = 30 * KB;
    for (let offset = 0; offset < message.length; offset += frameBytes) {
      await client
        .send(message.slice(offset, offset + frameBytes), { fin: offset + frameBytes >= message.length })
        .catch(() => undefined);
    }
    expect((await client.closed).code).toBe(1009);
    const disconnect = await s.log.disconnected(connectionId);
    expect(disconnect.requestContext.disconnectStatusCode).toBe(1009);
    expect(s.log.of('MESSAGE', connectionId)).toEqual([]);
  });

  it('accepts a message of exactly 128 KB in frames under 32 KB', async () => {
    const { client } = await s.connect();
    const message = paddedPing('frag-128', 128 * KB);
    const frameBytes = 32 * KB;
    for (let offset = 0; offset < message.length; offset += frameBytes) {
      await client.send(message.slice(offset, offset + frameBytes), { fin: offset + frameBytes >= message.length });
    }
    const reply = await client.frame((f) => f.requestId === 'frag-128');
    expect(['ack', 'error']).toContain(reply.type);
    expect(client.isOpen).toBe(true);
  });
});
