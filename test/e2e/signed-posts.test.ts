// Every frame a client receives is a post to @connections made by a handler, and the local management API checks
// the SigV4 signature of each one as API Gateway does: a whole session (rooms, messages, typing, presence, read
// markers) runs with every post verified and none refused. The fixture checks the same for every e2e file.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';

const local = useLocalStack();

describe('signed posts', () => {
  local.it('every post and close the handlers make during a session verifies; none is refused', async () => {
    const before = { ...local.stack.managementSignatures };
    const { clients: devices } = await local.devices('alice');
    const { user: bob, client: bob1 } = await local.connectNew('bob');
    const room = await local.createRoom(devices[0]!, [bob]);
    for (let n = 1; n <= 3; n += 1) {
      await devices[0]!.ack('sendMessage', { roomId: room.roomId, clientMessageId: `m${n}`, content: `héllo ${n} 😀` });
    }
    await bob1.ack('typing', { roomId: room.roomId, isTyping: true });
    await bob1.ack('markRead', { roomId: room.roomId, seq: 3 });
    await bob1.waitFor((frame) => frame.type === 'message' && (frame.message as { seq: number }).seq === 3);
    await devices[1]!.waitFor((frame) => frame.type === 'typing');
    await devices[1]!.waitFor((frame) => frame.type === 'read');

    const after = local.stack.managementSignatures;
    const received = [...devices, bob1].reduce((sum, client) => sum + client.received.length, 0);
    expect(after.refused - before.refused).toBe(0);
    // Each received frame is one verified post (concurrent tests of the file may add theirs).
    expect(after.verified - before.verified).toBeGreaterThanOrEqual(received);
    expect(received).toBeGreaterThanOrEqual(12);
  });
});
