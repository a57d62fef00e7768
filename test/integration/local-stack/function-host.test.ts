// Where the handlers run: on a worker thread of their own by default, on the caller's thread when a test hands them
// objects; and at most `maxConcurrentInvocations` at once, the rest waiting in order: overload is delay, never loss.
import { describe, expect, it } from 'vitest';
import { withConcurrencyLimit, type FunctionHost } from '../../../local/functions/function-host.js';
import { startLocalStack } from '../../../local/stack.js';
import { GatewayClient, sleep, uniqueId, type Frame } from './support/gateway-client.js';
import { useStack } from './support/stack-fixture.js';

/** A host whose invocations run until the test releases them, recording the order they started in. */
function heldHost(): FunctionHost & { started: string[]; release(event: string): void } {
  const releases = new Map<string, () => void>();
  const started: string[] = [];
  return {
    placement: 'in-process',
    started,
    invoke(_name, event) {
      started.push(event as string);
      return new Promise((resolve) => releases.set(event as string, () => resolve(event)));
    },
    release(event) {
      releases.get(event)!();
    },
    close: async () => undefined,
  };
}

describe('withConcurrencyLimit', () => {
  it('starts at most `limit` invocations, and the waiting ones in the order they came, as slots free up', async () => {
    const held = heldHost();
    const limited = withConcurrencyLimit(held, 2);
    const results = ['a', 'b', 'c', 'd'].map((event) => limited.invoke('message', event));
    await sleep(10);
    expect(held.started).toEqual(['a', 'b']);
    held.release('b');
    await expect(results[1]).resolves.toBe('b');
    await sleep(10);
    expect(held.started).toEqual(['a', 'b', 'c']);
    held.release('a');
    held.release('c');
    await sleep(10);
    expect(held.started).toEqual(['a', 'b', 'c', 'd']);
    held.release('d');
    await expect(Promise.all(results)).resolves.toEqual(['a', 'b', 'c', 'd']);
  });

  it('frees the slot of an invocation that fails', async () => {
    let calls = 0;
    const failing: FunctionHost = {
      placement: 'in-process',
      invoke: async () => {
        calls += 1;
        throw new Error('boom');
      },
      close: async () => undefined,
    };
    const limited = withConcurrencyLimit(failing, 1);
    await expect(limited.invoke('message', 1)).rejects.toThrow('boom');
    await expect(limited.invoke('message', 2)).rejects.toThrow('boom');
    expect(calls).toBe(2);
  });

  it('refuses a limit below 1', () => {
    expect(() => withConcurrencyLimit(heldHost(), 0)).toThrow(/maxConcurrentInvocations/);
  });
});

describe('where the handlers run', () => {
  it("runs them on a worker thread by default, and on the caller's thread when given overrides", async () => {
    const worker = await startLocalStack({ port: 0, dataDir: null });
    const inProcess = await startLocalStack({ port: 0, dataDir: null, overrides: { chatConfig: {} } });
    try {
      expect(worker.handlers).toBe('in-worker');
      expect(inProcess.handlers).toBe('in-process');
    } finally {
      await Promise.all([worker.stop(), inProcess.stop()]);
    }
  });

  it('refuses overrides with handlers on the worker thread (objects cannot cross to it)', async () => {
    await expect(
      startLocalStack({ port: 0, dataDir: null, handlers: 'in-worker', overrides: { chatConfig: {} } }),
    ).rejects.toThrow(/in-process/);
  });
});

describe('a burst far beyond the limit, through the real gateway', () => {
  const s = useStack({ maxConcurrentInvocations: 2 });

  it('delays but delivers every message to every connection, and answers every request', async () => {
    const members = await Promise.all(['a', 'b', 'c', 'd'].map((label) => s.connect(label)));
    const [owner, ...others] = members;
    const created = await owner!.client.request('createRoom', {
      name: 'burst',
      memberIds: others.map((member) => member.userId),
    });
    const roomId = (created.room as { roomId: string }).roomId;
    // A second device of the owner: it gets the owner's own messages too.
    const second = await GatewayClient.open(s.url(s.token(owner!.userId)));
    const everyone = [...members.map((member) => member.client), second];
    await Promise.all(others.map((member) => member.client.request('hello')));
    await second.request('hello');

    const perMember = 10;
    const sent = members.flatMap((member, index) =>
      Array.from({ length: perMember }, (_, n) => {
        const clientMessageId = uniqueId(`m${index}-${n}`);
        void member.client.send(
          JSON.stringify({
            action: 'sendMessage',
            requestId: clientMessageId,
            roomId,
            clientMessageId,
            content: `message ${n}`,
          }),
        );
        return { sender: member.client, clientMessageId };
      }),
    );
    const isMessage = (frame: Frame, id: string) =>
      frame.type === 'message' && (frame.message as { clientMessageId?: string }).clientMessageId === id;
    for (const { sender, clientMessageId } of sent) {
      expect((await sender.frame((frame) => frame.requestId === clientMessageId, 30_000)).type).toBe('ack');
      for (const client of everyone.filter((client) => client !== sender)) {
        await client.frame((frame) => isMessage(frame, clientMessageId), 30_000);
      }
    }
    await second.close();
  }, 60_000);
});
