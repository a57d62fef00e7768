// The SDK's Transport (one socket, its requests and timers) against a scripted socket and fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatError } from '../../client/src/chat-error.js';
import { Transport, type TransportEnd, type TransportHooks } from '../../client/src/transport.js';
import { LIMITS } from '../../lambdas/protocol/limits.js';
import { fakeSockets } from './fake-socket.js';

function start(connectTimeoutMs = 1_000) {
  const sockets = fakeSockets();
  const ends: TransportEnd[] = [];
  const unsolicited: unknown[] = [];
  const acks: Array<{ action: string; fields: Record<string, unknown> }> = [];
  let opened = 0;
  const hooks: TransportHooks = {
    onOpen: () => (opened += 1),
    onUnsolicited: (frame) => unsolicited.push(frame),
    onAck: (action, fields) => acks.push({ action, fields }),
    onEnd: (end) => ends.push(end),
  };
  const transport = new Transport({
    WebSocket: sockets.WebSocket,
    url: 'ws://chat.test/?token=t',
    connectTimeoutMs,
    hooks,
  });
  return { transport, socket: sockets.last(), ends, unsolicited, acks, opened: () => opened };
}

async function rejection(promise: Promise<unknown>): Promise<ChatError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ChatError);
  return error as ChatError;
}

describe('Transport', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('refuses requests until the socket opens, then resolves each with its own ack, after the onAck hook', async () => {
    const t = start();
    expect((await rejection(t.transport.request('ping', {}, 1_000))).code).toBe('DISCONNECTED');
    expect(t.socket.sent).toEqual([]);
    t.socket.open();
    expect(t.opened()).toBe(1);
    const first = t.transport.request('getHistory', { roomId: 'r1' }, 1_000);
    const second = t.transport.request('ping', {}, 1_000);
    const [historyFrame, pingFrame] = t.socket.sent;
    expect(historyFrame).toMatchObject({ action: 'getHistory', roomId: 'r1', requestId: expect.any(String) });
    expect(pingFrame!.requestId).not.toBe(historyFrame!.requestId);
    t.socket.receive({ type: 'ack', action: 'ping', requestId: pingFrame!.requestId, serverTime: 'x' });
    t.socket.receive({
      type: 'ack',
      action: 'getHistory',
      requestId: historyFrame!.requestId,
      messages: [],
      hasMore: false,
    });
    await expect(second).resolves.toMatchObject({ serverTime: 'x' });
    await expect(first).resolves.toMatchObject({ hasMore: false });
    expect(t.acks).toEqual([
      { action: 'ping', fields: {} },
      { action: 'getHistory', fields: { roomId: 'r1' } },
    ]);
  });

  it("rejects a request with the server's error; events and errors that answer nothing go to onUnsolicited", async () => {
    const t = start();
    t.socket.open();
    const leave = t.transport.request('leaveRoom', { roomId: 'r1' }, 1_000);
    const requestId = t.socket.requests('leaveRoom')[0]!.requestId;
    t.socket.receive({ type: 'error', requestId, code: 'FORBIDDEN', message: 'roomId: not a member' });
    const error = await rejection(leave);
    expect(error).toMatchObject({ code: 'FORBIDDEN', action: 'leaveRoom', message: 'roomId: not a member' });
    const event = { type: 'read', roomId: 'r1', userId: 'u2', seq: 3 };
    t.socket.receive(event);
    t.socket.receive({ type: 'error', requestId: 'r999', code: 'INTERNAL', message: 'late' });
    t.socket.receive({ type: 'ack', requestId: 'r999', action: 'ping' });
    t.socket.receive('not json');
    t.socket.receive({ message: 'Internal server error' });
    expect(t.unsolicited).toEqual([event, { type: 'error', requestId: 'r999', code: 'INTERNAL', message: 'late' }]);
    expect(t.ends).toEqual([]);
  });

  it('drops an attempt that does not open within connectTimeoutMs', async () => {
    const t = start(1_000);
    await vi.advanceTimersByTimeAsync(999);
    expect(t.ends).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.ends).toEqual([{ cause: 'dropped', opened: false }]);
    expect(t.socket.closedWith?.code).toBe(4000);
    expect(t.transport.isDead).toBe(true);
  });

  it('a request without an answer fails with TIMEOUT and takes the transport down: the others get DISCONNECTED', async () => {
    const t = start();
    t.socket.open();
    const slow = rejection(t.transport.request('ping', {}, 500));
    const other = rejection(t.transport.request('getHistory', { roomId: 'r1' }, 5_000));
    await vi.advanceTimersByTimeAsync(500);
    expect(await slow).toMatchObject({ code: 'TIMEOUT', action: 'ping' });
    expect(await other).toMatchObject({ code: 'DISCONNECTED', action: 'getHistory' });
    expect(t.ends).toEqual([{ cause: 'dropped', opened: true }]);
    expect(t.socket.closedWith).toEqual({ code: 4000, reason: 'request timed out' });
  });

  it('dies once when the socket closes: requests reject, its timers never fire, later calls are refused', async () => {
    const t = start();
    t.socket.open();
    const task = vi.fn();
    t.transport.schedule(task, 100);
    const inFlight = rejection(t.transport.request('ping', {}, 1_000));
    t.socket.serverClose(1001);
    expect(await inFlight).toMatchObject({ code: 'DISCONNECTED', message: expect.stringContaining('1001') });
    expect(t.ends).toEqual([{ cause: 'closed', code: 1001, opened: true }]);
    t.transport.drop('again');
    t.transport.recycle();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(task).not.toHaveBeenCalled();
    expect(t.ends).toHaveLength(1);
    expect((await rejection(t.transport.request('ping', {}, 1_000))).code).toBe('DISCONNECTED');
    expect(t.transport.schedule(task, 1)).toBeTypeOf('function');
    await vi.advanceTimersByTimeAsync(10);
    expect(task).not.toHaveBeenCalled();
  });

  it('a refused handshake ends it with opened: false', () => {
    const t = start();
    t.socket.serverClose(1006);
    expect(t.ends).toEqual([{ cause: 'closed', code: 1006, opened: false }]);
  });

  it('recycle closes the socket normally and reports a planned end; frames that arrive after it are ignored', () => {
    const t = start();
    t.socket.open();
    t.transport.recycle();
    expect(t.socket.closedWith).toEqual({ code: 1000, reason: 'connection recycled' });
    expect(t.ends).toEqual([{ cause: 'recycled', opened: true }]);
    expect(t.socket.onmessage).toBeNull();
    expect(t.socket.onclose).toBeNull();
  });

  it("dispose rejects requests with the owner's error and reports no end", async () => {
    const t = start();
    t.socket.open();
    const inFlight = t.transport.request('ping', {}, 1_000);
    t.transport.dispose(new ChatError('CLOSED', 'the client was closed'));
    expect((await rejection(inFlight)).code).toBe('CLOSED');
    expect(t.ends).toEqual([]);
    expect(t.socket.closedWith?.code).toBe(1000);
  });

  it("refuses a frame over the gateway's 32 KB instead of sending it (the gateway would close the connection)", async () => {
    const t = start();
    t.socket.open();
    const big = 'x'.repeat(LIMITS.frameMaxBytes);
    const error = await rejection(
      t.transport.request('sendMessage', { roomId: 'r', clientMessageId: 'c', content: big }, 1_000),
    );
    expect(error.code).toBe('BAD_REQUEST');
    expect(t.socket.sent).toEqual([]);
    expect(t.transport.isOpen).toBe(true);
  });

  it('scheduled tasks run on time while it lives, and can be cancelled', async () => {
    const t = start();
    t.socket.open();
    const kept = vi.fn();
    const cancelled = vi.fn();
    t.transport.schedule(kept, 100);
    const cancel = t.transport.schedule(cancelled, 100);
    cancel();
    await vi.advanceTimersByTimeAsync(100);
    expect(kept).toHaveBeenCalledOnce();
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('sendAndForget sends while open and stays silent otherwise', () => {
    const t = start();
    t.transport.sendAndForget({ action: 'typing', roomId: 'r', isTyping: true });
    t.socket.open();
    t.transport.sendAndForget({ action: 'typing', roomId: 'r', isTyping: true });
    expect(t.socket.sent).toEqual([{ action: 'typing', roomId: 'r', isTyping: true }]);
  });
});
