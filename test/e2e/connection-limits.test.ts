// PROTOCOL.md "Connecting": the gateway's frame and message size limits (close 1009), the idle timeout that only
// client frames reset (WebSocket pings do not), and the maximum connection duration. The stack runs with short
// limits here, as CHAT_IDLE_TIMEOUT_S / CHAT_MAX_CONNECTION_S allow.
import { describe, expect, it } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep } from './support/test-client.js';
import { frameOf } from './support/wire.js';

const IDLE_S = 1;
const MAX_S = 3;
const local = useLocalStack({ idleTimeoutS: IDLE_S, maxConnectionS: MAX_S });

/** Resolves with the close code, or undefined if the connection is still open after `ms`. */
async function closeCodeWithin(closed: Promise<{ code: number }>, ms: number): Promise<number | undefined> {
  return Promise.race([closed.then((c) => c.code), sleep(ms).then(() => undefined)]);
}

describe('size limits', () => {
  it('a frame of exactly 32 KB is served; one byte more closes the connection with 1009', async () => {
    const { client } = await local.connectNew('big');
    const frameOfBytes = (bytes: number, requestId: string): string => {
      const empty = JSON.stringify({ action: 'ping', requestId, padding: '' });
      return JSON.stringify({ action: 'ping', requestId, padding: 'p'.repeat(bytes - Buffer.byteLength(empty)) });
    };
    const largest = frameOfBytes(32 * 1024, 'largest');
    expect(Buffer.byteLength(largest)).toBe(32 * 1024);
    client.sendRaw(largest);
    expect(await client.waitFor((f) => f.requestId === 'largest')).toMatchObject({ type: 'ack', action: 'ping' });
    client.sendRaw(frameOfBytes(32 * 1024 + 1, 'too-big'));
    expect(await closeCodeWithin(client.closed, 3_000)).toBe(1009);
    expect(client.received.some((f) => f.requestId === 'too-big')).toBe(false);
  });

  it('a message over 128 KB sent in fragments under 32 KB closes the connection with 1009', async () => {
    const { client } = await local.connectNew('fragments');
    const fragment = 'f'.repeat(30 * 1024);
    client.sendRaw('{"action":"ping","padding":"', { fin: false });
    for (let i = 0; i < 5; i += 1) client.sendRaw(fragment, { fin: false });
    client.sendRaw('"}', { fin: true });
    expect(await closeCodeWithin(client.closed, 3_000)).toBe(1009);
  });
});

describe('time limits', () => {
  it(`closes a connection after ${IDLE_S} s without a client frame; WebSocket pings do not count`, async () => {
    const { client } = await local.connectNew('idle');
    const openedAt = Date.now();
    const timer = setInterval(() => client.isOpen && client.sendWebSocketPing(), 200);
    try {
      expect(await closeCodeWithin(client.closed, IDLE_S * 1000 + 2_000)).toEqual(expect.any(Number));
      expect(Date.now() - openedAt).toBeGreaterThanOrEqual(IDLE_S * 1000 - 200);
    } finally {
      clearInterval(timer);
    }
  });

  it('the ping action keeps a connection open past the idle timeout', async () => {
    const { client } = await local.connectNew('busy');
    for (let i = 0; i < 5; i += 1) {
      await sleep(400);
      await client.ack('ping');
    }
    expect(client.isOpen).toBe(true);
  });

  it(`closes even a busy connection after ${MAX_S} s in all, and the room hears it go offline`, async () => {
    const { user, client } = await local.connectNew('long');
    const openedAt = Date.now();
    const room = await local.createRoom(client);
    let stop = false;
    const keepBusy = (async () => {
      while (!stop && client.isOpen) {
        await client.request('ping', {}, { timeoutMs: 1_000 }).catch(() => undefined);
        await sleep(300);
      }
    })();
    await client.closed;
    stop = true;
    await keepBusy;
    const lived = Date.now() - openedAt;
    expect(lived).toBeGreaterThanOrEqual(MAX_S * 1000 - 500);
    expect(lived).toBeLessThan(MAX_S * 1000 + 2_000);

    // A new connection of the same user is fine, and a watcher sees presence work after the forced close.
    const watcher = await local.connectNew('watcher');
    const again = await local.connect(user, { label: 'again' });
    await again.ack('addMembers', { roomId: room.roomId, userIds: [watcher.user.userId] });
    await watcher.client.waitFor(frameOf('roomJoined'));
    await again.close();
    await watcher.client.waitFor(frameOf('presence', { userId: user.userId, isOnline: false }));
  });
});
