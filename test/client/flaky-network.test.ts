// The SDK against the real local stack on a network that fails the way mobile links do: it comes back soon after
// the last heal however often the link dropped before, and a message lost at the very end of a room still arrives.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { StateChange, WebSocketConstructor } from '../../client/src/index.js';
import { record, sleep, TappedWebSocket, useLocalStack, waitFor } from './local-stack-fixture.js';

/** A port nothing listens on: connecting to it is refused at once, like a network that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Real sockets to the stack while the network is up; `cut` kills the live ones, and while down every attempt fails. */
class FlakyNetwork {
  up = true;
  private readonly live = new Set<TappedWebSocket>();

  constructor(private readonly refusedUrl: string) {}

  readonly WebSocket: WebSocketConstructor = ((network: FlakyNetwork) =>
    class extends TappedWebSocket {
      constructor(url: string) {
        super(network.up ? url : network.refusedUrl, {});
        network.live.add(this);
      }
    })(this);

  /** The link drops (no close handshake); it stays down until `heal`. */
  cut(): void {
    this.up = false;
    for (const socket of this.live) socket.terminate();
    this.live.clear();
  }

  heal(): void {
    this.up = true;
  }
}

const delaysOf = (states: StateChange[]) => states.filter((s) => s.delayMs !== undefined).map((s) => s.delayMs!);

describe('ChatClient on a flaky network', () => {
  const local = useLocalStack();
  const { user } = local;

  it('after many short-lived connections and an outage, is back within the foreground cap of the heal, and works', async () => {
    const network = new FlakyNetwork(`ws://127.0.0.1:${await deadPort()}`);
    // The SDK's own backoff (500 ms doubling, capped at 5 s in the foreground), not the fixture's quick one.
    const alice = user('alice', { WebSocket: network.WebSocket, reconnectDelay: {} });
    const bob = user('bob');
    const states = record(alice.client, 'state');
    await alice.client.connect();
    await bob.client.connect();
    const room = await bob.client.createRoom('flaky', [alice.userId]);
    await waitFor(() => alice.client.room(room.roomId) !== undefined, 'alice hears of the room');

    // Ten connections that each live a moment: each hello resets the backoff.
    const opens = () => states.filter((s) => s.state === 'open').length;
    for (let flap = 0; flap < 10; flap += 1) {
      const opened = opens();
      network.cut();
      network.heal();
      await waitFor(() => opens() > opened, `open again after flap ${flap}`);
      await sleep(100);
    }
    expect(delaysOf(states)).toHaveLength(10);
    expect(Math.max(...delaysOf(states))).toBeLessThanOrEqual(500);

    // Then an outage long enough for several failed attempts, and the heal.
    const flapWaits = delaysOf(states).length;
    const callsBefore = alice.tokenCalls();
    network.cut();
    await waitFor(() => alice.tokenCalls() >= callsBefore + 5, 'several attempts while down', 20_000);
    const waits = delaysOf(states).slice(flapWaits);
    // Climbing, but never beyond the foreground cap: at most 5 s after the heal the next attempt runs.
    expect(waits.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...waits)).toBeLessThanOrEqual(5_000);
    network.heal();
    await waitFor(() => alice.client.state === 'open', 'open after the heal', 10_000);

    const aliceSees = record(alice.client, 'message');
    await bob.client.sendMessage(room.roomId, 'welcome back');
    await waitFor(() => aliceSees.length === 1, 'the message after the heal');
    expect(aliceSees[0]!.message.content).toBe('welcome back');
  });

  it('reconnectNow (or the online event) after the heal tries at once, even in the background', async () => {
    const network = new FlakyNetwork(`ws://127.0.0.1:${await deadPort()}`);
    const alice = user('alice', { WebSocket: network.WebSocket, reconnectDelay: {}, foreground: false });
    const states = record(alice.client, 'state');
    await alice.client.connect();
    network.cut();
    await waitFor(() => delaysOf(states).some((d) => d > 2_000), 'a long wait before the next attempt', 20_000);
    network.heal();
    const before = alice.tokenCalls();
    alice.client.reconnectNow();
    // The attempt starts within the call (it asks for a token first), not after the pending wait.
    expect(alice.tokenCalls()).toBe(before + 1);
    await waitFor(() => alice.client.state === 'open', 'open at once');
  });
});

describe('ChatClient and a message lost at the end of a room', () => {
  const local = useLocalStack();

  async function pairWithLossyBob(bobOptions: { foregroundPingIntervalMs?: number } = {}) {
    const dropped: string[] = [];
    const sent: Array<Record<string, unknown>> = [];
    const lossy = class extends TappedWebSocket {
      constructor(url: string) {
        super(url, {
          incoming: (data) => {
            const frame = JSON.parse(data) as { type?: string; message?: { content?: string } };
            if (frame.type !== 'message' || !frame.message?.content?.startsWith('lost:')) return true;
            dropped.push(frame.message.content);
            return false;
          },
          outgoing: (data) => sent.push(JSON.parse(data) as Record<string, unknown>),
        });
      }
    };
    const pair = await local.pair({ WebSocket: lossy, ...bobOptions });
    // Let the opening catch-up settle, so only the tail check can find the loss.
    await sleep(300);
    return { ...pair, dropped, sent };
  }

  it('is found by the periodic tail check and emitted, with no later message to reveal the gap', async () => {
    const { alice, bob, roomId, dropped, sent } = await pairWithLossyBob({ foregroundPingIntervalMs: 400 });
    const bobSees = record(bob.client, 'message');
    await alice.client.sendMessage(roomId, 'before');
    await waitFor(() => bobSees.length === 1, 'the first message');
    const pingsBefore = sent.filter((f) => f.action === 'ping').length;
    const lost = await alice.client.sendMessage(roomId, 'lost: the last word');
    await waitFor(() => dropped.length === 1, 'the live frame dropped');
    await waitFor(() => bobSees.length === 2, 'the lost message, from the tail check');
    expect(bobSees.map((e) => e.message.content)).toEqual(['before', 'lost: the last word']);
    expect(bobSees[1]!.message.seq).toBe(lost.seq);
    expect(sent.filter((f) => f.action === 'ping' && f.roomSeqs === true).length).toBeGreaterThan(pingsBefore);
    expect(bob.client.lastSeqs()[roomId]).toBe(lost.seq);
  });

  it('is found at once when the app calls reconnectNow (back to the foreground, network back)', async () => {
    const { alice, bob, roomId, dropped } = await pairWithLossyBob();
    const bobSees = record(bob.client, 'message');
    await alice.client.sendMessage(roomId, 'lost: nobody saw this');
    await waitFor(() => dropped.length === 1, 'the live frame dropped');
    await sleep(200);
    expect(bobSees).toEqual([]);
    bob.client.reconnectNow();
    await waitFor(() => bobSees.length === 1, 'the lost message');
    expect(bobSees[0]!.message.content).toBe('lost: nobody saw this');
  });
});
