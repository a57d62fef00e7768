// Watch mode against the real local stack: a watch client hears the rooms it watches and no other, after a
// reconnect and across the make-before-break replacement too, and learns of the others from hello.
import { describe, expect, it } from 'vitest';
import { ChatError } from '../../client/src/index.js';
import { record, sleep, useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient watch mode on the local stack', () => {
  const local = useLocalStack();

  it('hears only the watched room, again after a reconnect; the other room is known by its unread count', async () => {
    const { alice, bob, roomId: watched } = await local.pair({}, { watchMode: true });
    const other = (await alice.client.createRoom('not watched', [bob.userId])).roomId;
    await waitFor(() => bob.client.room(other) !== undefined, 'bob hears of the second room');
    await alice.client.watchRoom(watched);
    expect(alice.client.watchedRooms()).toEqual([watched]);
    const heard = record(alice.client, 'message');

    await bob.client.sendMessage(other, 'in the room alice does not watch');
    await bob.client.sendMessage(watched, 'in the watched room');
    await waitFor(() => heard.some((e) => e.roomId === watched), 'the watched room message');
    await sleep(200);
    expect(heard.map((e) => e.message.content)).toEqual(['in the watched room']);

    // Away: what is said meanwhile in the watched room is caught up, the other room only counted.
    const release = alice.holdTokens();
    await local.fixture.deleteConnection(local.fixture.connectionsOf(alice.userId)[0]!);
    await waitFor(() => alice.client.state === 'reconnecting', 'alice reconnecting');
    await bob.client.sendMessage(watched, 'said while alice was away');
    await bob.client.sendMessage(other, 'also while away, elsewhere');
    release();
    await waitFor(() => heard.length === 2, 'the missed message, caught up');
    expect(heard[1]!.message.content).toBe('said while alice was away');
    expect(alice.client.unreadCount(other)).toBe(2);
    expect(alice.client.room(other)?.lastSeq).toBe(2);

    // The new connection was subscribed to the watched room before it opened.
    await bob.client.sendMessage(watched, 'live again');
    await waitFor(() => heard.length === 3, 'a live message on the new connection');
    await bob.client.sendMessage(other, 'still not heard');
    await sleep(200);
    expect(heard.map((e) => e.roomId)).toEqual([watched, watched, watched]);
  });

  it('the replacement ahead of maxConnectionMs hears the watched room before it takes over', async () => {
    const { alice, bob, roomId } = await local.pair(
      {},
      { watchMode: true, maxConnectionMs: 600, requestTimeoutMs: 1_000 },
    );
    await alice.client.watchRoom(roomId);
    const first = local.fixture.connectionsOf(alice.userId);
    await waitFor(() => alice.tokenCalls() >= 3, 'two replacements', 5_000);
    // Every socket open now is a successor: it heard the room only if it subscribed before taking over.
    const open = () => local.fixture.connectionsOf(alice.userId);
    await waitFor(() => open().length > 0 && open().every((id) => !first.includes(id)), 'the first socket closed');
    const heard = record(alice.client, 'message');
    // Nothing else would reveal it (no later message, no tail check within the test): it arrives live or not at all.
    await bob.client.sendMessage(roomId, 'after the replacements');
    await waitFor(() => heard.length === 1, 'the message on the successor');
    expect(alice.client.watchedRooms()).toEqual([roomId]);
  });

  it('watching shows the user online in the room to the others; watching a room of others is FORBIDDEN', async () => {
    const { alice, bob, roomId } = await local.pair({}, { watchMode: true });
    const online = await bob.client.presence.watch(roomId);
    expect(online.map((u) => u.userId)).not.toContain(alice.userId);
    await alice.client.watchRoom(roomId);
    await waitFor(
      () => bob.client.presence.online(roomId).some((u) => u.userId === alice.userId),
      'alice online in the room',
    );

    const carol = local.user('carol');
    await carol.client.connect();
    const hers = await carol.client.createRoom('carol only');
    const refused = await alice.client.watchRoom(hers.roomId).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChatError);
    expect((refused as ChatError).code).toBe('FORBIDDEN');
    expect(alice.client.watchedRooms()).toEqual([roomId]);
  });
});
