// Blocking and reports through the SDK, against the real local stack: a blocked user's messages never reach the
// blocker's client (live or caught up) and do not hold back the messages after them; unblocking brings new ones;
// listBlocked and reportMessage resolve with what the server answered.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../client/src/index.js';
import { ChatError } from '../../client/src/index.js';
import { record, sleep, useLocalStack, waitFor } from './local-stack-fixture.js';

describe('ChatClient blocking and reports', () => {
  const local = useLocalStack();
  const { user, pair } = local;

  it("the blocker's client never emits the blocked user's messages, and later messages are not held back", async () => {
    // gapWaitMs of a minute: a message behind a hidden one could only come through because the server named it.
    const carol = user('carol');
    await carol.client.connect();
    const { alice, bob, roomId } = await pair(undefined, { gapWaitMs: 60_000 });
    await alice.client.addMembers(roomId, [carol.userId]);
    await waitFor(() => carol.client.room(roomId) !== undefined, 'carol hears of the room');
    const seen: Message[] = [];
    alice.client.on('message', (event) => seen.push(event.message));

    const blockedAt = await alice.client.blockUser(bob.userId);
    expect(Date.parse(blockedAt)).not.toBeNaN();
    expect(await alice.client.listBlocked()).toEqual([{ userId: bob.userId, displayName: 'Bob', blockedAt }]);
    await bob.client.sendMessage(roomId, 'you will not see this');
    const fromCarol = await carol.client.sendMessage(roomId, 'but this, at once');
    await waitFor(() => seen.some((m) => m.id === fromCarol.id), "carol's message", 5_000);
    expect(seen.map((m) => m.senderId)).toEqual([carol.userId]);
    const page = await alice.client.getHistory(roomId);
    expect(page.messages.map((m) => m.seq)).toEqual([2]);
    expect(page.hiddenSeqs).toEqual([1]);

    await alice.client.unblockUser(bob.userId);
    const after = await bob.client.sendMessage(roomId, 'now you do');
    await waitFor(() => seen.some((m) => m.id === after.id), "bob's message after the unblock");
    expect(await alice.client.listBlocked()).toEqual([]);
  });

  it('openDirect to a user who blocked you rejects with BLOCKED; reportMessage resolves with the report id', async () => {
    const { alice, bob, roomId } = await pair();
    await bob.client.blockUser(alice.userId);
    const refused = await alice.client.openDirect(bob.userId).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ChatError);
    expect(refused).toMatchObject({ code: 'BLOCKED' });

    const sent = await alice.client.sendMessage(roomId, 'spam');
    const reportId = await bob.client.reportMessage(roomId, sent.seq, 'spam');
    expect(typeof reportId).toBe('string');
    expect(await bob.client.reportMessage(roomId, sent.seq, 'again')).toBe(reportId);
    const events = record(bob.client, 'message');
    await sleep(200);
    expect(events).toEqual([]);
  });
});
