// Nothing lost, nothing doubled: the SDK against the real local stack while connections die and frames go missing.
import { describe, expect, it } from 'vitest';
import type { Message, MessageEvent } from '../../client/src/index.js';
import { record, tapped, useLocalStack, waitFor } from './local-stack-fixture.js';

function contentsOf(events: readonly MessageEvent[], roomId: string): string[] {
  return events.filter((e) => e.roomId === roomId).map((e) => e.message.content);
}

function seqsOf(events: readonly MessageEvent[], roomId: string): number[] {
  return events.filter((e) => e.roomId === roomId).map((e) => e.message.seq);
}

describe('ChatClient delivery', () => {
  const local = useLocalStack();
  const { user, pair } = local;

  it('delivers live messages once, in order, own sends included', async () => {
    const { alice, bob, roomId } = await pair();
    const bobSees = record(bob.client, 'message');
    const aliceSees = record(alice.client, 'message');
    const sent: Message[] = [];
    for (let i = 1; i <= 5; i++) sent.push(await alice.client.sendMessage(roomId, `live ${i}`));
    await bob.client.sendMessage(roomId, 'from bob');

    const expected = ['live 1', 'live 2', 'live 3', 'live 4', 'live 5', 'from bob'];
    await waitFor(() => bobSees.length === 6 && aliceSees.length === 6, 'six messages on both sides');
    expect(contentsOf(bobSees, roomId)).toEqual(expected);
    expect(contentsOf(aliceSees, roomId)).toEqual(expected);
    expect(seqsOf(bobSees, roomId)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sent.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(aliceSees[0]!.message).toEqual(sent[0]);
  });

  it('catches up everything sent while one side was away (more than one history page), once and in order', async () => {
    const { alice, bob, roomId } = await pair();
    const bobSees = record(bob.client, 'message');
    await alice.client.sendMessage(roomId, 'before');
    await waitFor(() => bobSees.length === 1, 'bob sees the first message');

    const release = bob.holdTokens();
    await local.fixture.deleteConnection(local.fixture.connectionsOf(bob.userId)[0]!);
    await waitFor(() => bob.client.state === 'reconnecting', 'bob away');
    const away = Array.from({ length: 130 }, (_, i) => `while away ${i + 1}`);
    // Sent concurrently: the outbox still stores them in the order they were sent.
    await Promise.all(away.map((content) => alice.client.sendMessage(roomId, content)));
    release();

    await waitFor(() => bobSees.length === 131, 'bob catches up', 20_000);
    expect(contentsOf(bobSees, roomId)).toEqual(['before', ...away]);
    expect(seqsOf(bobSees, roomId)).toEqual(Array.from({ length: 131 }, (_, i) => i + 1));
    // And live messages still flow after the catch-up, with no double.
    await alice.client.sendMessage(roomId, 'after');
    await waitFor(() => bobSees.length === 132, 'the live message after catch-up');
    expect(bobSees[131]!.message.content).toBe('after');
    expect(bob.client.lastSeqs()[roomId]).toBe(132);
  }, 60_000);

  it('keeps a message in the outbox across a reconnect and the server stores it once', async () => {
    const { alice, bob, roomId } = await pair();
    const bobSees = record(bob.client, 'message');
    const release = alice.holdTokens();
    await local.fixture.deleteConnection(local.fixture.connectionsOf(alice.userId)[0]!);
    await waitFor(() => alice.client.state === 'reconnecting', 'alice away');

    const sending = [alice.client.sendMessage(roomId, 'queued 1'), alice.client.sendMessage(roomId, 'queued 2')];
    expect(alice.client.pendingMessages(roomId).map((m) => m.content)).toEqual(['queued 1', 'queued 2']);
    release();
    const stored = await Promise.all(sending);
    expect(stored.map((m) => m.content)).toEqual(['queued 1', 'queued 2']);
    expect(alice.client.pendingMessages()).toEqual([]);

    await waitFor(() => bobSees.length === 2, 'bob gets both');
    const { messages } = await bob.client.getHistory(roomId);
    expect(messages.map((m) => m.content)).toEqual(['queued 1', 'queued 2']);
  });

  it('resends a message whose ack was lost with the connection: stored and delivered once', async () => {
    let loseNextSendAck = true;
    const sentFrames: string[] = [];
    const WebSocket = tapped({
      outgoing: (data) => sentFrames.push(data),
      incoming(data, socket) {
        const frame = JSON.parse(data) as { type: string; action?: string };
        if (loseNextSendAck && frame.type === 'ack' && frame.action === 'sendMessage') {
          loseNextSendAck = false;
          // The server stored the message; its ack dies with the network.
          socket.terminate();
          return false;
        }
      },
    });
    const { alice, bob, roomId } = await pair(undefined, { WebSocket });
    const bobSees = record(bob.client, 'message');
    const aliceSees = record(alice.client, 'message');

    const stored = await alice.client.sendMessage(roomId, 'exactly once');
    expect(alice.tokenCalls()).toBe(2);
    const sends = sentFrames
      .map((f) => JSON.parse(f) as { action: string; clientMessageId?: string })
      .filter((f) => f.action === 'sendMessage');
    expect(sends).toHaveLength(2);
    expect(sends[1]!.clientMessageId).toBe(sends[0]!.clientMessageId);
    expect(stored.clientMessageId).toBe(sends[0]!.clientMessageId);

    await alice.client.sendMessage(roomId, 'next');
    await waitFor(() => bobSees.length === 2 && aliceSees.length === 2, 'both messages on both sides');
    expect(contentsOf(bobSees, roomId)).toEqual(['exactly once', 'next']);
    expect(contentsOf(aliceSees, roomId)).toEqual(['exactly once', 'next']);
    const { messages } = await bob.client.getHistory(roomId);
    expect(messages.map((m) => m.content)).toEqual(['exactly once', 'next']);
  });

  it('fills a gap in seq from history when a live message goes missing', async () => {
    let dropSeq = 3;
    const WebSocket = tapped({
      incoming(data) {
        const frame = JSON.parse(data) as { type: string; message?: Message };
        if (frame.type === 'message' && frame.message?.seq === dropSeq) {
          dropSeq = -1;
          return false;
        }
      },
    });
    const { alice, bob, roomId } = await pair({ WebSocket });
    const bobSees = record(bob.client, 'message');
    for (let i = 1; i <= 5; i++) await alice.client.sendMessage(roomId, `m${i}`);
    await waitFor(() => bobSees.length === 5, 'bob sees all five');
    expect(dropSeq).toBe(-1);
    expect(contentsOf(bobSees, roomId)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('rejects a message the server refuses (not a member) and drops it from the outbox', async () => {
    const alice = user('alice');
    await alice.client.connect();
    await expect(alice.client.sendMessage('no-such-room', 'hi')).rejects.toMatchObject({
      code: 'FORBIDDEN',
      retryable: false,
    });
    expect(alice.client.pendingMessages()).toEqual([]);
    await expect(alice.client.sendMessage('no-such-room', 'x'.repeat(4_001))).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
  });

  it('rejects other requests in flight when the connection dies, with a retryable DISCONNECTED', async () => {
    const WebSocket = tapped({
      incoming(data, socket) {
        const frame = JSON.parse(data) as { type: string; action?: string };
        if (frame.type === 'ack' && frame.action === 'listMembers') {
          socket.terminate();
          return false;
        }
      },
    });
    const { alice, roomId } = await pair(undefined, { WebSocket });
    const failure = await alice.client.listMembers(roomId).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'DISCONNECTED', retryable: true });
    await waitFor(() => alice.client.state === 'open', 'open again');
  });
});
