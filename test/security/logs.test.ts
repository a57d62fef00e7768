// No token and no message content in any log line. The local stack runs at DEBUG with every line it writes captured
// while a session goes through accepted and refused handshakes, messages, typing, profile changes, bad frames, an
// oversized frame, a store failure (INTERNAL) and a failing recipient; then every line is searched.
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManagementNotifier } from '../../lambdas/adapters/management-notifier.js';
import type { Message } from '../../lambdas/protocol/index.js';
import { HandshakeRefused, ProbeSocket, sleep } from '../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../soak/lib/probed-stack.js';
import { startFaultProxy, type FaultProxy } from '../reliability/support/fault-proxy.js';
import { createInterceptedStore } from '../reliability/support/intercepted-store.js';
import { captureOutput, type CapturedOutput } from './support/capture-output.js';
import { decodeToken, tampered, unsigned } from './support/forged-tokens.js';

const intercepted = createInterceptedStore();
let proxy: FaultProxy;
let probed: ProbedStack;
let output: CapturedOutput;
const secrets: string[] = [];
const tokens: string[] = [];

/** Content nobody but the test could have written: if it shows in a log, the log leaks content. */
function secret(label: string): string {
  const text = `${label} secret ${randomUUID()}`;
  secrets.push(text);
  return text;
}

function token(userId: string, claims: Record<string, unknown> = {}): string {
  const minted = probed.stack.issuer.mint({ sub: userId, name: `name of ${userId}`, ttlS: 600, ...claims }).token;
  tokens.push(minted);
  return minted;
}

beforeAll(async () => {
  output = captureOutput();
  proxy = await startFaultProxy();
  const notifier = createManagementNotifier({
    endpoint: proxy.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  probed = await startProbedStack({ logLevel: 'DEBUG', overrides: { stores: intercepted.stores, notifier } });
  proxy.target = probed.stack.httpUrl;
  intercepted.attach(probed.stack);
});

afterAll(async () => {
  await probed?.stop();
  await proxy?.close();
  intercepted.detach();
  output?.restore();
});

async function refused(url: string): Promise<number> {
  try {
    await (await ProbeSocket.open(url)).close();
    return 101;
  } catch (error) {
    return error instanceof HandshakeRefused ? error.statusCode : 0;
  }
}

describe('the logs of a whole session', () => {
  it('carry neither tokens nor message content, at DEBUG level, through successes and failures', async () => {
    // Refused handshakes.
    const expired = token('log-eve', { exp: Math.floor(Date.now() / 1000) - 5 });
    expect(await refused(probed.urlWithToken(expired))).toBe(401);
    expect(await refused(probed.urlWithToken(tampered(token('log-eve'), { sub: 'log-alice' })))).toBe(401);
    const { header, payload } = decodeToken(token('log-eve'));
    expect(await refused(probed.urlWithToken(unsigned(header, payload)))).toBe(401);

    // Accepted connections; one also sends its token in an Authorization header, which the gateway passes on.
    const alice = await ProbeSocket.open(probed.urlWithToken(token('log-alice')), { label: 'alice' });
    const bobToken = token('log-bob');
    const bobSocket = new WebSocket(probed.urlWithToken(bobToken), {
      headers: { Authorization: `Bearer ${bobToken}` },
    });
    await new Promise((resolve, reject) => {
      bobSocket.once('open', resolve);
      bobSocket.once('error', reject);
    });
    const bobConnection = probed.connectionsOf('log-bob').at(-1)!;
    const bobHeard: string[] = [];
    bobSocket.on('message', (data) => bobHeard.push(data.toString()));

    const roomId = (
      (await alice.ack('createRoom', { name: secret('room name'), memberIds: ['log-bob'] })).room as { roomId: string }
    ).roomId;
    const sent = (await alice.ack('sendMessage', { roomId, clientMessageId: 'plain', content: secret('a message') }))
      .message as Message;
    await alice.ack('typing', { roomId, isTyping: true });
    await alice.ack('updateProfile', { displayName: 'Alice' });
    await alice.ack('markRead', { roomId, seq: sent.seq });
    await alice.ack('getHistory', { roomId });

    // Bad frames carrying content: not JSON, a field wrong, content too long, an unknown action.
    alice.send(`not json ${secret('in a broken frame')}`);
    expect(
      await alice.request('sendMessage', { roomId: 42, clientMessageId: 'bad', content: secret('beside a bad field') }),
    ).toMatchObject({ code: 'BAD_REQUEST' });
    const long = secret('too long');
    expect(
      await alice.request('sendMessage', {
        roomId,
        clientMessageId: 'long',
        content: long.repeat(Math.ceil(4_001 / long.length)),
      }),
    ).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await alice.request(secret('as an action name'), {})).toMatchObject({ code: 'UNKNOWN_ACTION' });

    // A store failure while storing a message: INTERNAL, logged as an error.
    intercepted.hook = (method) => {
      if (method !== 'putMessageIfAbsent') return undefined;
      return Object.assign(new Error('We currently do not have sufficient capacity to serve the request'), {
        name: 'InternalServerError',
      });
    };
    try {
      expect(
        await alice.request('sendMessage', {
          roomId,
          clientMessageId: 'failing',
          content: secret('while the store fails'),
        }),
      ).toMatchObject({
        code: 'INTERNAL',
      });
    } finally {
      intercepted.hook = undefined;
    }

    // A recipient whose posts fail with 500: retried, then logged as a warning (and the frame queued for later).
    proxy.decide = ({ method, connectionId }) => (method === 'POST' && connectionId === bobConnection ? 500 : 'pass');
    try {
      await alice.ack('sendMessage', {
        roomId,
        clientMessageId: 'to-failing-bob',
        content: secret('to a failing recipient'),
      });
      for (
        const deadline = Date.now() + 10_000;
        !output.text().includes('post to connection failed') && Date.now() < deadline;
      ) {
        await sleep(50);
      }
    } finally {
      proxy.decide = undefined;
    }

    // An oversized frame closes the connection (1009).
    const big = secret('in an oversized frame');
    const oversized = await ProbeSocket.open(probed.urlWithToken(token('log-carol')), { label: 'carol' });
    oversized.send(JSON.stringify({ action: 'ping', pad: big.repeat(Math.ceil(40_000 / big.length)) }));
    expect((await oversized.closed).code).toBe(1009);

    await alice.close();
    bobSocket.close();
    await sleep(300);
    expect(bobHeard.some((frame) => frame.includes(sent.id))).toBe(true);

    const log = output.text();
    // The session did produce log lines at every level, about the events above.
    for (const expected of [
      'connection opened',
      'connection refused',
      'action failed',
      'post to connection failed',
      'client frame too big',
    ]) {
      expect(log, `a log line "${expected}"`).toContain(expected);
    }
    for (const text of secrets)
      expect(log, 'message content in the logs').not.toContain(text.slice(text.indexOf('secret')));
    for (const jwt of tokens) {
      const [, payloadPart, signature] = jwt.split('.');
      expect(log).not.toContain(jwt);
      expect(log).not.toContain(payloadPart);
      expect(log).not.toContain(signature);
    }
  });
});
