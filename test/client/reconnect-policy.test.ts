// How soon the SDK tries again, and how it notices lost last messages: the backoff policy, foreground and
// background, the online event, reconnectNow and the keep-alive tail check, on scripted sockets and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff } from '../../client/src/backoff.js';
import { ChatClient, type ChatClientOptions, type StateChange } from '../../client/src/index.js';
import { answerHello, fakeSockets, type FakeSocket } from './fake-socket.js';
import { record } from './local-stack-fixture.js';

const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

function setup(options: Partial<ChatClientOptions> = {}) {
  const sockets = fakeSockets();
  let tokens = 0;
  const client = new ChatClient({
    url: 'ws://chat.test',
    WebSocket: sockets.WebSocket,
    getToken: () => `token-${++tokens}`,
    ...options,
  });
  const states = record(client, 'state');
  /** The wait before each retry, in order. */
  const delays = () =>
    states.filter((s): s is StateChange & { delayMs: number } => s.delayMs !== undefined).map((s) => s.delayMs);
  /** The last socket says hello and the client is open. */
  async function welcome(rooms: unknown[] = []): Promise<FakeSocket> {
    await tick();
    const socket = sockets.last();
    socket.open();
    answerHello(socket, rooms);
    await tick();
    expect(client.state).toBe('open');
    return socket;
  }
  /** The network is down: each of the next `attempts` retries runs when due and its handshake fails. */
  async function refuseNext(attempts: number): Promise<void> {
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      await tick(delays().at(-1)!);
      sockets.last().serverClose(1006);
      await tick();
    }
  }
  /** Connects, then the network goes down: the connection dies and `attempts` retries fail. */
  async function openThenOutage(attempts: number): Promise<void> {
    void client.connect();
    await welcome();
    sockets.last().serverClose(1006);
    await refuseNext(attempts);
  }
  return { client, sockets, states, delays, welcome, refuseNext, openThenOutage, tokens: () => tokens };
}

describe('Backoff', () => {
  it('doubles from initialMs up to 5 s in the foreground and 30 s in the background, and starts over on reset', () => {
    const backoff = new Backoff({}, () => 1);
    const foreground = Array.from({ length: 6 }, () => backoff.nextDelayMs());
    expect(foreground).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
    backoff.foreground = false;
    expect(Array.from({ length: 3 }, () => backoff.nextDelayMs())).toEqual([30_000, 30_000, 30_000]);
    backoff.reset();
    expect(backoff.nextDelayMs()).toBe(500);
  });

  it('never waits longer than maxMs, whichever cap is lower; the delay is jittered below the ceiling', () => {
    const backoff = new Backoff({ initialMs: 20, maxMs: 200 }, () => 1);
    expect(Array.from({ length: 6 }, () => backoff.nextDelayMs())).toEqual([20, 40, 80, 160, 200, 200]);
    const jittered = new Backoff({}, () => 0.25);
    expect(jittered.nextDelayMs()).toBe(125);
  });
});

describe('ChatClient reconnect policy', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('on a link that drops every few seconds, every retry waits at most initialMs: each hello resets the backoff', async () => {
    const c = setup();
    void c.client.connect();
    for (let drop = 0; drop < 12; drop += 1) {
      const socket = await c.welcome();
      await tick(2_000);
      socket.serverClose(1006);
      await tick(500);
    }
    expect(c.delays()).toHaveLength(12);
    expect(Math.max(...c.delays())).toBeLessThanOrEqual(500);
    expect(c.sockets.all).toHaveLength(13);
    c.client.close();
  });

  it('while the network is down: retries climb to 5 s in the foreground, 30 s in the background', async () => {
    const c = setup();
    await c.openThenOutage(6);
    expect(c.delays()).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    c.client.setForeground(false);
    // Going to the background does not retry; the next waits may grow to 30 s.
    await c.refuseNext(3);
    expect(c.delays().slice(7)).toEqual([30_000, 30_000, 30_000]);
    c.client.close();
  });

  it('coming to the foreground retries at once, without waiting out a background delay', async () => {
    const c = setup({ foreground: false });
    await c.openThenOutage(7);
    expect(c.delays().at(-1)).toBe(30_000);
    const before = c.tokens();
    c.client.setForeground(true);
    await tick();
    expect(c.tokens()).toBe(before + 1);
    await c.welcome();
    c.client.close();
  });

  it('reconnectNow retries at once, abandoning a handshake begun while the network was down, and resets the backoff', async () => {
    const c = setup();
    await c.openThenOutage(4);
    await tick(c.delays().at(-1)!);
    const stuck = c.sockets.last();
    expect(stuck.readyState).toBe(0);
    c.client.reconnectNow();
    await tick();
    expect(stuck.closedWith?.code).toBe(4000);
    expect(c.sockets.last()).not.toBe(stuck);
    c.sockets.last().serverClose(1006);
    await tick();
    expect(c.delays().at(-1)).toBeLessThanOrEqual(500);
    c.client.close();
  });

  it("retries at once on the browser's online event, and stops listening on close", async () => {
    const listeners = new Map<string, () => void>();
    vi.stubGlobal('addEventListener', (type: string, listener: () => void) => listeners.set(type, listener));
    vi.stubGlobal('removeEventListener', (type: string, listener: () => void) => {
      if (listeners.get(type) === listener) listeners.delete(type);
    });
    const c = setup();
    await c.openThenOutage(5);
    expect(listeners.has('online')).toBe(true);
    const before = c.sockets.all.length;
    listeners.get('online')!();
    await tick();
    expect(c.sockets.all).toHaveLength(before + 1);
    await c.welcome();
    c.client.close();
    expect(listeners.has('online')).toBe(false);
  });

  it('an open connection pings every minute in the foreground and every 4.5 minutes in the background, asking for roomSeqs', async () => {
    const c = setup();
    void c.client.connect();
    const socket = await c.welcome();
    await tick(59_999);
    expect(socket.requests('ping')).toHaveLength(0);
    await tick(1);
    expect(socket.requests('ping')).toEqual([expect.objectContaining({ roomSeqs: true })]);
    socket.ack('ping', { serverTime: new Date().toISOString(), roomSeqs: [] });
    c.client.setForeground(false);
    await tick(269_999);
    expect(socket.requests('ping')).toHaveLength(1);
    await tick(1);
    expect(socket.requests('ping')).toHaveLength(2);
    c.client.close();
  });

  it('a tail check that shows a room moved on reads the missing messages with getHistory, and follows the cursor', async () => {
    const room = {
      roomId: 'r1',
      name: 'r',
      kind: 'group',
      createdBy: 'u1',
      createdAt: '2026-01-01T00:00:00.000Z',
      lastSeq: 4,
    };
    const c = setup();
    const seen = record(c.client, 'message');
    void c.client.connect();
    const socket = await c.welcome([room]);
    c.client.reconnectNow();
    expect(socket.requests('ping')).toEqual([expect.objectContaining({ roomSeqs: true })]);
    socket.ack('ping', {
      serverTime: new Date().toISOString(),
      roomSeqs: [{ roomId: 'r1', lastSeq: 4 }],
      cursor: 'page-2',
    });
    await tick();
    expect(socket.requests('getHistory')).toHaveLength(0);
    expect(socket.requests('ping').at(-1)).toMatchObject({ roomSeqs: true, cursor: 'page-2' });
    socket.ack('ping', {
      serverTime: new Date().toISOString(),
      roomSeqs: [
        { roomId: 'r1', lastSeq: 5 },
        { roomId: 'unknown', lastSeq: 9 },
      ],
    });
    await tick();
    expect(socket.requests('getHistory')).toEqual([expect.objectContaining({ roomId: 'r1', after: 4 })]);
    const message = {
      id: 'm5',
      roomId: 'r1',
      seq: 5,
      senderId: 'u2',
      senderName: 'U2',
      content: 'the last word',
      messageType: 'text',
      clientMessageId: 'c5',
      createdAt: '2026-01-01T00:00:01.000Z',
    };
    socket.ack('getHistory', { messages: [message], hasMore: false });
    await tick();
    expect(seen.map((e) => e.message.content)).toEqual(['the last word']);
    expect(c.client.room('r1')?.lastSeq).toBe(5);
    expect(c.client.room('unknown')).toBeUndefined();
    c.client.close();
  });

  it('says hello once per connection: the server no longer lets a $connect-time 410 deafen it', async () => {
    const c = setup();
    void c.client.connect();
    const socket = await c.welcome();
    await tick(10_000);
    expect(socket.requests('hello')).toHaveLength(1);
    c.client.close();
  });
});
