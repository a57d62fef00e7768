// Watch mode on scripted sockets with fake timers: which sockets ask for it, which rooms each socket subscribes to
// before it serves (a reconnect, and the successor that replaces a socket ahead of the 2-hour cut), which rooms are
// caught up, the cap of 100, a room refused on re-subscribe; and classic mode, which sends none of it.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatError } from '../../client/src/index.js';
import { answerHello } from './fake-socket.js';
import { record } from './local-stack-fixture.js';
import { message, room, setup, tick } from './scripted-server.js';

describe('ChatClient watch mode', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('asks for watch mode on every socket with the option (the first, a reconnect, a successor), never without', async () => {
    const maxConnectionMs = 30_000;
    for (const watchMode of [false, true]) {
      const c = setup({ watchMode, maxConnectionMs });
      void c.client.connect();
      await c.welcome([room('a')]);
      await c.reconnect([room('a')]);
      await tick(maxConnectionMs);
      expect(c.sockets.all).toHaveLength(3);
      const expected = watchMode ? 'ws://chat.test?token=token&watch=1' : 'ws://chat.test?token=token';
      expect(c.sockets.all.map((socket) => socket.url)).toEqual([expected, expected, expected]);
      c.client.close();
    }
  });

  it('watchRoom subscribes, then reads what was stored after the last seq emitted, and resolves once emitted', async () => {
    const c = setup({ watchMode: true });
    const messages = record(c.client, 'message');
    void c.client.connect();
    const socket = await c.welcome([room('a', 2), room('b', 5)]);
    expect(socket.requests('subscribe')).toHaveLength(0);

    const watching = c.client.watchRoom('a');
    await tick();
    expect(c.roomsAsked(socket, 'subscribe')).toEqual(['a']);
    // The room's lastSeq from hello is no promise: the catch-up reads on from the last seq emitted, whatever it says.
    expect(socket.requests('getHistory')).toHaveLength(0);
    await c.serve(socket, { stored: new Map([['a', [1, 2, 3, 4].map((seq) => message('a', seq))]]) });
    await watching;
    expect(socket.requests('getHistory').map(({ roomId, after }) => ({ roomId, after }))).toEqual([
      { roomId: 'a', after: 2 },
    ]);
    expect(messages.map((event) => event.message.seq)).toEqual([3, 4]);
    expect(c.client.watchedRooms()).toEqual(['a']);

    // Watching it again sends nothing.
    await c.client.watchRoom('a');
    expect(socket.requests('subscribe')).toHaveLength(1);
    c.client.close();
  });

  it('after a reconnect: the watched rooms are subscribed before `open`, and only they are caught up', async () => {
    const c = setup({ watchMode: true });
    void c.client.connect();
    const first = await c.welcome([room('a'), room('b'), room('c')]);
    for (const roomId of ['a', 'b']) void c.client.watchRoom(roomId);
    await c.serve(first);
    expect(c.client.watchedRooms()).toEqual(['a', 'b']);

    const states = record(c.client, 'state');
    first.serverClose(1006);
    await tick(1_000);
    const second = c.sockets.last();
    second.open();
    // Every room moved while the client was away.
    answerHello(second, [room('a', 3), room('b', 4), room('c', 9)]);
    await tick();
    expect(c.roomsAsked(second, 'subscribe').sort()).toEqual(['a', 'b']);
    expect(c.client.state).toBe('reconnecting');
    expect(second.requests('getHistory')).toHaveLength(0);

    await c.serve(second);
    expect(states.at(-1)?.state).toBe('open');
    expect(c.roomsAsked(second, 'getHistory').sort()).toEqual(['a', 'b']);
    // Room c is not heard: what hello said of it stands.
    expect(c.client.room('c')?.lastSeq).toBe(9);
    c.client.close();
  });

  it('the successor socket subscribes the watched rooms before it takes over from the old one', async () => {
    const c = setup({ watchMode: true, maxConnectionMs: 30_000, requestTimeoutMs: 5_000 });
    void c.client.connect();
    const old = await c.welcome([room('a'), room('b'), room('c')]);
    for (const roomId of ['a', 'b']) void c.client.watchRoom(roomId);
    await c.serve(old);

    await tick(30_000);
    const successor = c.sockets.last();
    expect(successor).not.toBe(old);
    successor.open();
    answerHello(successor);
    await tick();
    expect(c.roomsAsked(successor, 'subscribe').sort()).toEqual(['a', 'b']);

    // Not taken over yet: requests still go to the old socket, which stays open.
    void c.client.request('listRooms', {}).catch(() => undefined);
    await tick();
    expect(old.requests('listRooms')).toHaveLength(1);
    expect(successor.requests('listRooms')).toHaveLength(0);
    old.ack('listRooms', { rooms: [] });
    expect(old.closedWith).toBeUndefined();
    // A room watched meanwhile is subscribed on both sockets.
    void c.client.watchRoom('c');
    await tick();
    expect(c.roomsAsked(old, 'subscribe')).toContain('c');
    expect(c.roomsAsked(successor, 'subscribe')).toContain('c');

    await c.serve(old);
    await c.serve(successor);
    void c.client.request('listRooms', {}).catch(() => undefined);
    await tick();
    expect(successor.requests('listRooms')).toHaveLength(1);
    successor.ack('listRooms', { rooms: [] });
    await tick(5_000);
    expect(old.closedWith?.code).toBe(1000);
    c.client.close();
  });

  it('watches at most 100 rooms: the 101st rejects with BAD_REQUEST naming it, and nothing is sent', async () => {
    const c = setup({ watchMode: true });
    void c.client.connect();
    const socket = await c.welcome([]);
    const ids = Array.from({ length: 100 }, (_, i) => `room-${i}`);
    const watching = ids.map((roomId) => c.client.watchRoom(roomId));
    await c.serve(socket);
    await Promise.all(watching);
    expect(socket.requests('subscribe')).toHaveLength(100);

    const refused = await c.client.watchRoom('one-too-many').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChatError);
    expect((refused as ChatError).code).toBe('BAD_REQUEST');
    expect((refused as ChatError).message).toContain('one-too-many');
    await tick();
    expect(socket.requests('subscribe')).toHaveLength(100);
    expect(c.client.watchedRooms()).toHaveLength(100);

    // Unwatching one makes room for another.
    const unwatching = c.client.unwatchRoom('room-0');
    await c.serve(socket);
    await unwatching;
    const watched = c.client.watchRoom('one-more');
    await c.serve(socket);
    await watched;
    expect(c.client.watchedRooms()).toHaveLength(100);
    expect(c.client.watchedRooms()).toContain('one-more');
    c.client.close();
  });

  it('a room refused as FORBIDDEN on re-subscribe (left elsewhere) is dropped, with the room, and no error', async () => {
    const c = setup({ watchMode: true });
    const errors = record(c.client, 'error');
    void c.client.connect();
    const first = await c.welcome([room('a'), room('b')]);
    for (const roomId of ['a', 'b']) void c.client.watchRoom(roomId);
    await c.serve(first);

    const roomsChanged = record(c.client, 'roomsChanged');
    // Hello still lists b (it raced the leave), but the subscription is refused.
    const second = await c.reconnect([room('a'), room('b')], { forbidden: new Set(['b']) });
    expect(c.roomsAsked(second, 'subscribe').sort()).toEqual(['a', 'b']);
    expect(c.client.state).toBe('open');
    expect(c.client.watchedRooms()).toEqual(['a']);
    expect(c.client.room('b')).toBeUndefined();
    expect(roomsChanged.at(-1)?.map((r) => r.roomId)).toEqual(['a']);
    expect(errors).toEqual([]);

    // The next connection does not ask for it again.
    const third = await c.reconnect([room('a')]);
    expect(c.roomsAsked(third, 'subscribe')).toEqual(['a']);
    c.client.close();
  });

  it('a subscribe refused for a while is asked again; another refusal is reported and the room stays watched', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const c = setup({ watchMode: true });
    const errors = record(c.client, 'error');
    void c.client.connect();
    const first = await c.welcome([room('a')]);
    void c.client.watchRoom('a');
    await c.serve(first);

    const second = await c.reconnect([room('a')], { refuseSubscribeOnce: 'RATE_LIMITED' });
    expect(c.client.state).toBe('reconnecting');
    await tick(1_000);
    await c.serve(second);
    expect(c.roomsAsked(second, 'subscribe')).toEqual(['a', 'a']);
    expect(c.client.state).toBe('open');

    const third = await c.reconnect([room('a')], { refuseSubscribeOnce: 'BAD_REQUEST' });
    expect(c.roomsAsked(third, 'subscribe')).toEqual(['a']);
    expect(c.client.state).toBe('open');
    expect(errors.map((e) => (e as ChatError).code)).toContain('BAD_REQUEST');
    expect(c.client.watchedRooms()).toEqual(['a']);
    c.client.close();
  });

  it('a room watched before connect() is subscribed by the first socket before `open`', async () => {
    const c = setup({ watchMode: true });
    await c.client.watchRoom('a');
    expect(c.client.watchedRooms()).toEqual(['a']);
    void c.client.connect();
    await tick();
    const socket = c.sockets.last();
    socket.open();
    answerHello(socket, [room('a')]);
    await tick();
    expect(c.roomsAsked(socket, 'subscribe')).toEqual(['a']);
    expect(c.client.state).toBe('connecting');
    await c.serve(socket);
    expect(c.client.state).toBe('open');
    c.client.close();
  });

  it('unwatchRoom unsubscribes and forgets: later sockets do not subscribe the room', async () => {
    const c = setup({ watchMode: true });
    void c.client.connect();
    const first = await c.welcome([room('a'), room('b')]);
    for (const roomId of ['a', 'b']) void c.client.watchRoom(roomId);
    await c.serve(first);
    const unwatching = c.client.unwatchRoom('b');
    await c.serve(first);
    await unwatching;
    expect(c.roomsAsked(first, 'unsubscribe')).toEqual(['b']);
    expect(c.client.watchedRooms()).toEqual(['a']);
    const second = await c.reconnect([room('a', 1), room('b', 1)]);
    expect(c.roomsAsked(second, 'subscribe')).toEqual(['a']);
    expect(c.roomsAsked(second, 'getHistory')).toEqual(['a']);
    c.client.close();
  });

  it('watching a room again after unwatching it while its subscribe was on its way subscribes it again', async () => {
    const c = setup({ watchMode: true });
    void c.client.connect();
    const socket = await c.welcome([room('a')]);
    const first = c.client.watchRoom('a');
    const unwatching = c.client.unwatchRoom('a');
    const again = c.client.watchRoom('a');
    // One at a time: the backend may run two frames of a socket at once, and the unsubscribe must not overtake.
    await tick();
    expect(socket.sent.map(({ action }) => action).filter((action) => action !== 'hello')).toEqual(['subscribe']);
    for (let round = 0; round < 3; round += 1) await c.serve(socket);
    await Promise.all([first, unwatching, again]);
    expect(socket.sent.map(({ action }) => action).filter((action) => action !== 'hello')).toEqual([
      'subscribe',
      'unsubscribe',
      'subscribe',
      'getHistory',
    ]);
    expect(c.client.watchedRooms()).toEqual(['a']);
    c.client.close();
  });

  it('tail checks catch up the watched rooms only; a room not heard takes the new lastSeq, told by roomsChanged', async () => {
    const c = setup({ watchMode: true, foregroundPingIntervalMs: 60_000 });
    void c.client.connect();
    const socket = await c.welcome([room('a'), room('b')]);
    void c.client.watchRoom('a');
    await c.serve(socket);
    const roomsChanged = record(c.client, 'roomsChanged');
    await tick(60_000);
    socket.ack('ping', {
      serverTime: '2026-01-01T00:00:00.000Z',
      roomSeqs: [
        { roomId: 'a', lastSeq: 2 },
        { roomId: 'b', lastSeq: 7 },
      ],
    });
    await c.serve(socket);
    expect(c.roomsAsked(socket, 'getHistory')).toEqual(['a', 'a']);
    expect(c.client.room('b')?.lastSeq).toBe(7);
    expect(roomsChanged).toHaveLength(1);
    c.client.close();
  });

  it('presence.watch watches the room first; presence.unwatch leaves it watched', async () => {
    const c = setup({ watchMode: true });
    void c.client.connect();
    const socket = await c.welcome([room('a')]);
    const watching = c.client.presence.watch('a');
    await c.serve(socket);
    await watching;
    const order = socket.sent.map((frame) => frame.action).filter((action) => action !== 'hello');
    expect(order.indexOf('subscribe')).toBeLessThan(order.indexOf('getPresence'));
    c.client.presence.unwatch('a');
    await tick();
    expect(socket.requests('unsubscribe')).toHaveLength(0);
    expect(c.client.watchedRooms()).toEqual(['a']);
    c.client.close();
  });
});

describe('ChatClient without watch mode', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends no subscribe or unsubscribe, keeps no watched rooms, and catches every room up after a reconnect', async () => {
    const c = setup();
    void c.client.connect();
    const first = await c.welcome([room('a'), room('b')]);
    await c.client.watchRoom('a');
    await c.client.unwatchRoom('b');
    const presence = c.client.presence.watch('a');
    await c.serve(first);
    await presence;
    expect(c.client.watchedRooms()).toEqual([]);

    const second = await c.reconnect([room('a', 2), room('b', 3)]);
    for (const socket of [first, second]) {
      expect(socket.requests('subscribe')).toHaveLength(0);
      expect(socket.requests('unsubscribe')).toHaveLength(0);
    }
    expect(c.roomsAsked(second, 'getHistory').sort()).toEqual(['a', 'b']);
    c.client.close();
  });
});
