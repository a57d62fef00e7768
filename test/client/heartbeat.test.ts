// The SDK's heartbeat (PROTOCOL.md, hello's heartbeatMs): what hello declares, and that the client keeps it: while a
// connection is open, no silence on it outlasts the declared heartbeat, whatever the foreground switches, a slow
// hello or the make-before-break replacement do to the ping schedule. Scripted sockets, fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient, type ChatClientOptions } from '../../client/src/index.js';
import { answerHello, fakeSockets, type FakeSocket } from './fake-socket.js';

const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** The client, its sockets, and when each socket sent each frame. */
function setup(options: Partial<ChatClientOptions> = {}) {
  const sockets = fakeSockets();
  const client = new ChatClient({
    url: 'ws://chat.test',
    WebSocket: sockets.WebSocket,
    getToken: () => 't',
    ...options,
  });
  const sentAt = new Map<FakeSocket, number[]>();
  const closedAt = new Map<FakeSocket, number>();
  /** The newest socket opens, its sends and close are timed from here on; `answer` false leaves hello unanswered. */
  async function open(answer = true): Promise<FakeSocket> {
    await tick();
    const socket = sockets.last();
    const times: number[] = [];
    sentAt.set(socket, times);
    const send = socket.send.bind(socket);
    socket.send = (data: string) => {
      send(data);
      times.push(Date.now());
    };
    const close = socket.close.bind(socket);
    socket.close = (code?: number, reason?: string) => {
      close(code, reason);
      if (!closedAt.has(socket)) closedAt.set(socket, Date.now());
    };
    socket.open();
    if (answer) answerHello(socket);
    await tick();
    return socket;
  }
  return { client, sockets, sentAt, closedAt, open };
}

async function declaredWith(options: Partial<ChatClientOptions>): Promise<unknown> {
  const { client, open } = setup(options);
  void client.connect();
  const socket = await open();
  client.close();
  return socket.requests('hello')[0]!.heartbeatMs;
}

describe('the heartbeat hello declares', () => {
  it('is the background ping interval by default, 4.5 minutes', async () => {
    expect(await declaredWith({})).toBe(270_000);
  });

  it('is the longer of the two intervals, at least 30 s, and none past 9 minutes or when turned off', async () => {
    expect(await declaredWith({ pingIntervalMs: 120_000, foregroundPingIntervalMs: 300_000 })).toBe(300_000);
    expect(await declaredWith({ pingIntervalMs: 10_000 })).toBe(30_000);
    expect(await declaredWith({ pingIntervalMs: 540_000 })).toBe(540_000);
    expect(await declaredWith({ pingIntervalMs: 540_001 })).toBeUndefined();
    expect(await declaredWith({ declareHeartbeat: false })).toBeUndefined();
  });
});

describe('the client keeps its heartbeat', () => {
  it('going to the background just after a ping: the next one is due an interval after that ping, not after the switch', async () => {
    const { client, open } = setup();
    void client.connect();
    const socket = await open();
    await tick(60_000);
    expect(socket.requests('ping')).toHaveLength(1);
    socket.ack('ping', { serverTime: new Date().toISOString(), roomSeqs: [] });
    await tick(50_000);
    client.setForeground(false);
    await tick(270_000 - 50_000 - 1);
    expect(socket.requests('ping')).toHaveLength(1);
    await tick(1);
    expect(socket.requests('ping')).toHaveLength(2);
    client.close();
  });

  it('a hello answered late: the first ping counts from the last frame sent, not from the answer', async () => {
    const { client, open, sentAt } = setup({ foreground: false });
    void client.connect();
    const socket = await open(false);
    await tick(15_000);
    answerHello(socket);
    await tick(270_000 - 15_000 - 1);
    expect(socket.requests('ping')).toHaveLength(0);
    await tick(1);
    expect(socket.requests('ping')).toHaveLength(1);
    const [helloAt, pingAt] = sentAt.get(socket)!;
    expect(pingAt! - helloAt!).toBe(270_000);
    client.close();
  });

  it('a replaced connection pings no more: it closes by the time its next ping was due, if that comes first', async () => {
    // Background pings at 270 s; the replacement 10 s before the second one, 20 s answers allowance or not.
    const { client, sockets, sentAt, closedAt, open } = setup({ foreground: false, maxConnectionMs: 530_000 });
    void client.connect();
    const old = await open();
    await tick(270_000);
    old.ack('ping', { serverTime: new Date().toISOString(), roomSeqs: [] });
    await tick(260_000);
    await open();
    expect(sockets.all).toHaveLength(2);
    await tick(30_000);
    expect(old.requests('ping')).toHaveLength(1);
    expect(closedAt.get(old)! - sentAt.get(old)!.at(-1)!).toBe(270_000);
    client.close();
  });

  it('never leaves an open connection silent longer than declared: foreground switches and a replacement included', async () => {
    const { client, sockets, sentAt, closedAt, open } = setup({ maxConnectionMs: 600_000 });
    void client.connect();
    await open();
    const declared = sockets.all[0]!.requests('hello')[0]!.heartbeatMs as number;
    const acked = new Map<FakeSocket, number>();
    // 40 minutes, switching between foreground and background at uneven times; every ping answered at once.
    for (let second = 1; second <= 2_400; second += 1) {
      if (second % 97 === 0) client.setForeground(second % 2 === 0);
      await tick(1_000);
      const current = sockets.last();
      if (!sentAt.has(current)) await open();
      for (const socket of sockets.all) {
        const pings = socket.requests('ping');
        for (let n = acked.get(socket) ?? 0; n < pings.length; n += 1) {
          socket.receive({ type: 'ack', action: 'ping', requestId: pings[n]!.requestId, serverTime: '', roomSeqs: [] });
        }
        acked.set(socket, pings.length);
      }
    }
    const endedAt = Date.now();
    client.close();
    // The connection was replaced (make-before-break) at least three times, and every socket kept the promise
    // until it closed, a replaced one included.
    expect(sockets.all.length).toBeGreaterThanOrEqual(4);
    for (const [socket, times] of sentAt) {
      const until = [...times, closedAt.get(socket) ?? endedAt];
      const gaps = until.slice(1).map((at, index) => at - until[index]!);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(declared);
    }
    const pings = sockets.all.reduce((sum, socket) => sum + socket.requests('ping').length, 0);
    expect(pings).toBeGreaterThan(10);
  });
});
