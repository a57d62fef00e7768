// RATE_LIMITED: flooding is refused frame by frame (each still answered once), while 20 frames a second with
// bursts of 50 always pass. Frames here are sent raw, past the client's own pacing.
import { describe, expect, it } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import { sleep, type Frame, type TestClient } from './support/test-client.js';

const local = useLocalStack();

/** Sends pings with the given requestIds at once and collects the one reply each gets. */
async function burst(client: TestClient, requestIds: string[]): Promise<Map<string, Frame>> {
  for (const requestId of requestIds) client.sendRaw({ action: 'ping', requestId });
  const replies = new Map<string, Frame>();
  await Promise.all(
    requestIds.map(async (requestId) => {
      replies.set(requestId, await client.waitFor((f) => f.requestId === requestId, 15_000));
    }),
  );
  return replies;
}

describe('rate limits', () => {
  it('a flood of 300 frames is partly RATE_LIMITED, each frame answered exactly once, and the connection lives', async () => {
    const { client } = await local.connectNew('flooder');
    const ids = Array.from({ length: 300 }, (_, i) => `flood-${i}`);
    const replies = await burst(client, ids);
    expect(replies.size).toBe(300);
    const limited = [...replies.values()].filter((f) => f.type === 'error');
    expect(limited.length).toBeGreaterThan(0);
    for (const error of limited) expect(error).toMatchObject({ code: 'RATE_LIMITED', message: expect.any(String) });
    for (const frame of replies.values()) expect(['ack', 'error']).toContain(frame.type);
    // A fresh connection's first 50 are a burst the protocol always allows.
    expect(ids.slice(0, 50).map((id) => replies.get(id)?.type)).toEqual(Array(50).fill('ack'));
    await client.expectNoFrame((f) => typeof f.requestId === 'string' && f.requestId.startsWith('flood-'));

    expect(client.isOpen).toBe(true);
    // A second at 20 frames a second refills room for at least one more.
    await sleep(1_000);
    await client.ack('ping');
  });

  it('a burst of 50, then 20 frames a second, then another burst of 50 after a pause all pass', async () => {
    const { client } = await local.connectNew('steady');
    const first = await burst(
      client,
      Array.from({ length: 50 }, (_, i) => `b1-${i}`),
    );
    expect([...first.values()].filter((f) => f.type !== 'ack')).toEqual([]);

    const steady: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 40; i += 1) {
      // 50 ms apart on the sender's clock: exactly 20 a second, never faster.
      await sleep(Math.max(0, started + (i + 1) * 50 - Date.now()));
      const requestId = `steady-${i}`;
      steady.push(requestId);
      client.sendRaw({ action: 'ping', requestId });
    }
    const steadyReplies = await Promise.all(steady.map((id) => client.waitFor((f) => f.requestId === id, 15_000)));
    expect(steadyReplies.filter((f) => f.type !== 'ack')).toEqual([]);

    await sleep(2_600);
    const second = await burst(
      client,
      Array.from({ length: 50 }, (_, i) => `b2-${i}`),
    );
    expect([...second.values()].filter((f) => f.type !== 'ack')).toEqual([]);
  });

  it('one connection being limited does not limit another connection of the same user', async () => {
    const { user, client: flooder } = await local.connectNew('twin');
    const calm = await local.connect(user, { label: 'calm' });
    const replies = await burst(
      flooder,
      Array.from({ length: 200 }, (_, i) => `twin-${i}`),
    );
    expect([...replies.values()].some((f) => f.type === 'error' && f.code === 'RATE_LIMITED')).toBe(true);
    await calm.ack('ping');
  });
});
