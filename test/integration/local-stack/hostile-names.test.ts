// Names a client chooses (query string parameters, headers, frame fields) that are also the names of JavaScript's
// own object machinery: `__proto__`, `constructor`, `toString`, `hasOwnProperty`. The gateway must treat them as
// data: every handshake is answered, the events carry them as plain values, and the stack still stops.
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayClient, uniqueId } from './support/gateway-client.js';
import { useStack } from './support/stack-fixture.js';
import { killStartedProcesses, runStackProcess } from './support/stack-process.js';

const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'prototype'];

/** `?__proto__=v0&constructor=v1&...`, every name twice so the multi-value fields get lists. */
function hostileQuery(): string {
  return NAMES.flatMap((name, index) => [`${name}=v${index}`, `${name}=w${index}`]).join('&');
}

/** Headers with those names (an object literal would set the prototype instead of a `__proto__` header). */
function hostileHeaders(): Record<string, string> {
  return Object.fromEntries(NAMES.map((name, index) => [name, `h${index}`]));
}

describe('hostile names in a handshake', () => {
  const s = useStack();

  it('accepts a good token among query parameters and headers named like object internals, and passes them as data', async () => {
    const userId = uniqueId('proto');
    const token = encodeURIComponent(s.token(userId));
    const client = await GatewayClient.open(`${s.stack.wsUrl}/?${hostileQuery()}&token=${token}`, {
      headers: hostileHeaders(),
    });
    try {
      expect((await client.request('hello')).type).toBe('ack');
      const [connect] = s.log.of('CONNECT', s.log.connectionIdOf(userId));
      const query = connect!.queryStringParameters!;
      const multiQuery = connect!.multiValueQueryStringParameters!;
      const headers = connect!.headers!;
      // Own data properties, and the objects keep their ordinary prototype.
      expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
      NAMES.forEach((name, index) => {
        expect(Object.getOwnPropertyDescriptor(query, name)?.value).toBe(`w${index}`);
        expect(Object.getOwnPropertyDescriptor(multiQuery, name)?.value).toEqual([`v${index}`, `w${index}`]);
        expect(Object.getOwnPropertyDescriptor(headers, name)?.value).toBe(`h${index}`);
      });
    } finally {
      await client.close();
    }
  });

  it('refuses with 401 (and does not hang) when such names come without a token', async () => {
    const refused = await GatewayClient.refusal(`${s.stack.wsUrl}/?${hostileQuery()}`);
    expect(refused.statusCode).toBe(401);
  });

  it('does not take a token given under the name __proto__', async () => {
    const token = encodeURIComponent(s.token(uniqueId('proto')));
    const refused = await GatewayClient.refusal(`${s.stack.wsUrl}/?__proto__=${token}`);
    expect(refused.statusCode).toBe(401);
  });

  it('answers frames whose action, requestId and fields are such names, and keeps the connection open', async () => {
    const { client } = await s.connect('frames');
    for (const name of NAMES) {
      const unknown = await client.request(name);
      expect(unknown).toMatchObject({ type: 'error', code: 'UNKNOWN_ACTION' });
    }
    await client.send(JSON.stringify({ action: 'hello', requestId: '__proto__' }));
    expect(
      (await client.frame((frame) => Object.hasOwn(frame, 'requestId') && frame.requestId === '__proto__')).type,
    ).toBe('ack');
    await client.send(
      `{"action":"ping","requestId":"constructor","__proto__":{"polluted":true},"constructor":{"prototype":{}}}`,
    );
    expect((await client.frame((frame) => frame.requestId === 'constructor')).type).toBe('ack');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(client.isOpen).toBe(true);
  });
});

describe('hostile names against `npm start` (local/main.ts as a process)', () => {
  afterAll(killStartedProcesses);

  it('answers such handshakes and still stops on SIGTERM with exit status 0', async () => {
    const stack = await runStackProcess(['--in-memory']);
    try {
      const refused = await GatewayClient.refusal(`${stack.wsUrl}/?${hostileQuery()}`);
      expect(refused.statusCode).toBe(401);
      const withHeaders = await GatewayClient.open(`${stack.wsUrl}/?constructor=1`, { headers: hostileHeaders() }).then(
        () => 'accepted',
        (error: { statusCode?: number }) => error.statusCode,
      );
      expect(withHeaders).toBe(401);
      const token = await stack.token('proto-user');
      const client = await GatewayClient.open(`${stack.wsUrl}/?${hostileQuery()}&token=${encodeURIComponent(token)}`, {
        headers: hostileHeaders(),
      });
      expect((await client.request('hello')).type).toBe('ack');
      const closed = client.closed;
      const exit = await stack.stop('SIGTERM');
      expect(exit).toEqual({ code: 0, signal: null });
      // The stack closed the connection on its way out, as API Gateway does when it goes away.
      expect((await closed).code).toBe(1001);
    } finally {
      stack.kill();
    }
  }, 60_000);
});
