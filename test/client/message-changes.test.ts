// The SDK's edits, deletions, reactions and replies against the real local stack: messageChanged events in seq
// order with the messages, live and after a reconnect, and the messages the client holds kept as they are now.
import { describe, expect, it } from 'vitest';
import type { MessageChanged } from '../../client/src/index.js';
import { record, useLocalStack, waitFor } from './local-stack-fixture.js';

const kinds = (events: readonly MessageChanged[]) =>
  events.map((e) => [e.change.seq, e.change.kind, e.change.changeOf]);

describe('ChatClient changes to messages', () => {
  const local = useLocalStack();
  const { pair } = local;

  it('edits, reacts, deletes and replies; every client emits each change once, in order, and keeps the message now', async () => {
    const { alice, bob, roomId } = await pair();
    const bobChanges = record(bob.client, 'messageChanged');
    const aliceChanges = record(alice.client, 'messageChanged');
    const bobMessages = record(bob.client, 'message');
    const first = await alice.client.sendMessage(roomId, 'first');
    const reply = await bob.client.sendMessage(roomId, 'an answer', { replyTo: first.seq });
    expect(reply).toMatchObject({ seq: 2, replyTo: 1 });

    const edited = await alice.client.editMessage(roomId, 1, 'first, edited');
    expect(edited).toMatchObject({ content: 'first, edited', editedAt: expect.any(String) });
    const reacted = await bob.client.react(roomId, 1, '👍');
    expect(reacted.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: true }]);
    // Repeating a reaction changes nothing and emits nothing.
    await bob.client.react(roomId, 1, '👍');
    await alice.client.react(roomId, 2, '❤️');
    await alice.client.react(roomId, 2, '❤️', false);
    const deleted = await alice.client.deleteMessage(roomId, 1);
    expect(deleted).toMatchObject({ deleted: true, content: '' });

    await waitFor(() => bobChanges.length === 5 && aliceChanges.length === 5, 'five changes on both sides');
    const expected = [
      [3, 'edit', 1],
      [4, 'reaction', 1],
      [5, 'reaction', 2],
      [6, 'reaction', 2],
      [7, 'delete', 1],
    ];
    expect(kinds(bobChanges)).toEqual(expected);
    expect(kinds(aliceChanges)).toEqual(expected);
    expect(bobMessages.map((e) => e.message.seq)).toEqual([1, 2]);
    expect(bobChanges[1]!.message?.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: true }]);
    expect(aliceChanges[1]!.message?.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: false }]);
    expect(bob.client.message(roomId, 1)).toMatchObject({ deleted: true, content: '', reactionsVersion: 1 });
    expect(alice.client.message(roomId, 2)).toEqual({ ...reply, reactionsVersion: 2 });
    expect(bob.client.lastSeqs()[roomId]).toBe(7);
  });

  it('a client away during an edit and a delete catches them up and shows what one that stayed shows', async () => {
    const { alice, bob, roomId } = await pair();
    const stayer = local.user('bob', {}, bob.userId);
    await stayer.client.connect();
    await waitFor(() => stayer.client.room(roomId) !== undefined, 'the second device knows the room');
    const bobChanges = record(bob.client, 'messageChanged');
    for (const content of ['one', 'two', 'three']) await alice.client.sendMessage(roomId, content);
    await waitFor(
      () => bob.client.message(roomId, 3) !== undefined && stayer.client.message(roomId, 3) !== undefined,
      'both devices have the messages',
    );

    const release = bob.holdTokens();
    await local.fixture.deleteConnection(local.fixture.connectionsOf(bob.userId)[0]!);
    await waitFor(() => bob.client.state === 'reconnecting', 'bob away');
    await alice.client.editMessage(roomId, 1, 'one, edited');
    await alice.client.deleteMessage(roomId, 2);
    await stayer.client.react(roomId, 3, '🎉');
    await alice.client.sendMessage(roomId, 'four');
    await waitFor(() => stayer.client.message(roomId, 7) !== undefined, 'the stayer has everything');
    release();

    await waitFor(() => bob.client.message(roomId, 7) !== undefined, 'the returning device caught up', 20_000);
    expect(kinds(bobChanges)).toEqual([
      [4, 'edit', 1],
      [5, 'delete', 2],
      [6, 'reaction', 3],
    ]);
    const view = (client: typeof bob.client) => [1, 2, 3, 7].map((seq) => client.message(roomId, seq));
    expect(view(bob.client)).toEqual(view(stayer.client));
    expect(view(bob.client).map((m) => [m?.content, m?.deleted ?? false])).toEqual([
      ['one, edited', false],
      ['', true],
      ['three', false],
      ['four', false],
    ]);
    expect(bob.client.message(roomId, 3)?.reactions).toEqual([{ emoji: '🎉', count: 1, reactedByMe: true }]);
  }, 40_000);

  it("refuses another user's edit with FORBIDDEN and keeps the message", async () => {
    const { alice, bob, roomId } = await pair();
    await alice.client.sendMessage(roomId, 'mine');
    await expect(bob.client.editMessage(roomId, 1, 'yours')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.client.react(roomId, 1, 'not an emoji')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await waitFor(() => bob.client.message(roomId, 1) !== undefined, 'bob has the message');
    expect(bob.client.message(roomId, 1)?.content).toBe('mine');
  });
});
