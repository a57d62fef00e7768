// Management API faults injected at the HTTP level between the handlers' real notifier (the AWS SDK client) and the
// local stack's @connections API (the stack posts to the proxy as its MANAGEMENT_ENDPOINT): connections answering
// 410, bursts of 429, 500s, resets and answers held back. Gone connections lose all their items on the first
// failure; failing posts are retried and arrive once; what outlasts the retries goes through the redelivery queue
// (the local SQS, the real SQS client, the event source mapping and the redelivery handler); a failing or slow
// recipient never holds the others back.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../lambdas/protocol/index.js';
import { RecordingLogger, RecordingMetrics } from '../fakes/chat-harness.js';
import { sleep, type Frame, type ProbeSocket } from '../soak/lib/probe-socket.js';
import { startProbedStack, type ProbedStack } from '../soak/lib/probed-stack.js';
import { startFaultProxy, type FaultDecision, type FaultProxy } from './support/fault-proxy.js';

let proxy: FaultProxy;
let probed: ProbedStack;
let sqs: SQSClient;
let userCounter = 0;
const sockets: ProbeSocket[] = [];
const metrics = new RecordingMetrics();
// Injected failures are logged by design: recorded here, which keeps the output clean and lets tests read them.
const logger = new RecordingLogger();
const MAX_RECEIVES = 3;

beforeAll(async () => {
  proxy = await startFaultProxy();
  probed = await startProbedStack({
    managementEndpoint: proxy.url,
    // A short visibility timeout: a frame that failed again is tried again within a test's patience.
    redelivery: { visibilityTimeoutMs: 1_000, maxReceiveCount: MAX_RECEIVES },
    // No grace period after $connect: the faults hit connections opened just before them, and a 410 there is meant
    // as "gone" (the grace that protects connections still being opened is tested in connect-race.test.ts).
    overrides: { metrics, logger, chatConfig: { connectGraceMs: 0 } },
  });
  proxy.target = probed.stack.httpUrl;
  sqs = new SQSClient({
    region: 'us-east-1',
    endpoint: probed.stack.redelivery.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close().catch(() => undefined)));
  await probed?.stop();
  await proxy?.close();
  sqs?.destroy();
});

/** Visible plus in-flight messages of a queue, read with the real SQS client. */
async function depthOf(queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

interface Listener {
  userId: string;
  connectionId: string;
  socket: ProbeSocket;
}

/** Alice and `count` listeners, all in two rooms; resolves once every listener has heard of both. */
async function twoRoomsWith(count: number) {
  userCounter += 1;
  const alice = await probed.connect(`mf${userCounter}-alice`);
  sockets.push(alice.socket);
  const listeners: Listener[] = [];
  for (let i = 0; i < count; i++) {
    const userId = `mf${userCounter}-listener${i}`;
    const { socket, connectionId } = await probed.connect(userId);
    sockets.push(socket);
    listeners.push({ userId, connectionId, socket });
  }
  const memberIds = listeners.map((l) => l.userId);
  const roomId = ((await alice.socket.ack('createRoom', { name: 'faults', memberIds })).room as { roomId: string })
    .roomId;
  const otherRoomId = ((await alice.socket.ack('createRoom', { name: 'other', memberIds })).room as { roomId: string })
    .roomId;
  for (const listener of listeners) {
    for (const id of [roomId, otherRoomId]) {
      await listener.socket.waitForEvent(
        (f) => f.type === 'roomJoined' && (f.room as { roomId: string }).roomId === id,
      );
    }
  }
  return { alice: alice.socket, listeners, roomId, otherRoomId };
}

/** From now on, the connection's next `failures` posts meet `fault`, and later ones `then`. */
function failPostsTo(connectionId: string, failures: number, fault: FaultDecision, then: FaultDecision = 'pass'): void {
  let posts = 0;
  proxy.decide = ({ method, connectionId: id }) => {
    if (method !== 'POST' || id !== connectionId) return 'pass';
    posts += 1;
    return posts <= failures ? fault : then;
  };
}

const isMessage = (id: string) => (frame: Frame) => frame.type === 'message' && (frame.message as Message).id === id;
const countOf = (socket: ProbeSocket, id: string) => socket.events.filter((entry) => isMessage(id)(entry.frame)).length;

async function send(socket: ProbeSocket, roomId: string, clientMessageId: string): Promise<Message> {
  return (await socket.ack('sendMessage', { roomId, clientMessageId, content: `content of ${clientMessageId}` }))
    .message as Message;
}

/** The connection, its user's connection item, its sweep entry, and its subscriptions to the two rooms. */
const ITEMS_OF_A_CONNECTION = 5;

/** Items that carry the connection id in their keys (its connection items and subscriptions). */
async function itemsOfConnection(connectionId: string) {
  const items = await probed.tableItems();
  return items.filter((item) => String(item.pk).includes(connectionId) || String(item.sk).includes(connectionId));
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('connections answering 410', () => {
  it('are removed with all their items on the first failure, are never posted to again, and hold no one back', async () => {
    const { alice, listeners, roomId, otherRoomId } = await twoRoomsWith(8);
    const gone = listeners.slice(0, 3);
    const healthy = listeners.slice(3);
    const goneIds = new Set(gone.map((l) => l.connectionId));
    for (const listener of gone)
      expect((await itemsOfConnection(listener.connectionId)).length).toBe(ITEMS_OF_A_CONNECTION);
    proxy.decide = ({ method, connectionId }) => (method === 'POST' && goneIds.has(connectionId) ? 410 : 'pass');
    const mark = proxy.calls.length;
    try {
      const first = await send(alice, roomId, 'gone-1');
      for (const listener of healthy) await listener.socket.waitForEvent(isMessage(first.id));
      for (const listener of gone) {
        // The connection, its user's connection item and its subscriptions in both rooms: all gone.
        await eventually(
          async () => (await itemsOfConnection(listener.connectionId)).length === 0,
          `${listener.userId}'s items removed`,
        );
        const posts = proxy.calls
          .slice(mark)
          .filter((c) => c.connectionId === listener.connectionId && c.method === 'POST');
        expect(posts.map((c) => c.status)).toEqual([410]);
      }
      // Each was their user's only connection: the rooms hear they went offline.
      for (const listener of gone) {
        for (const id of [roomId, otherRoomId]) {
          await alice.waitForEvent(
            (f) => f.type === 'presence' && f.userId === listener.userId && f.roomId === id && f.isOnline === false,
          );
        }
      }
      const second = await send(alice, otherRoomId, 'gone-2');
      for (const listener of healthy) await listener.socket.waitForEvent(isMessage(second.id));
      await sleep(200);
      const later = proxy.calls.slice(mark).filter((c) => goneIds.has(c.connectionId));
      expect(later).toHaveLength(gone.length);
      for (const listener of gone)
        expect(countOf(listener.socket, first.id) + countOf(listener.socket, second.id)).toBe(0);
      for (const listener of healthy) expect(countOf(listener.socket, first.id)).toBe(1);
    } finally {
      proxy.decide = undefined;
    }
  });
});

describe('bursts of 429', () => {
  it('throttled posts are retried and arrive exactly once, and the connections are kept', async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(6);
    const throttledTimes = new Map<string, number>();
    const ids = new Set(listeners.map((l) => l.connectionId));
    // Every recipient throttled twice in a row: a burst that hits the whole fan-out at once.
    proxy.decide = ({ method, connectionId }) => {
      if (method !== 'POST' || !ids.has(connectionId)) return 'pass';
      const times = (throttledTimes.get(connectionId) ?? 0) + 1;
      throttledTimes.set(connectionId, times);
      return times <= 2 ? 429 : 'pass';
    };
    const mark = proxy.calls.length;
    try {
      const message = await send(alice, roomId, 'throttled');
      for (const listener of listeners) await listener.socket.waitForEvent(isMessage(message.id));
      await sleep(300);
      for (const listener of listeners) {
        expect(countOf(listener.socket, message.id)).toBe(1);
        const posts = proxy.calls.slice(mark).filter((c) => c.connectionId === listener.connectionId);
        expect(posts.map((c) => c.status)).toEqual([429, 429, 200]);
        expect((await itemsOfConnection(listener.connectionId)).length).toBe(ITEMS_OF_A_CONNECTION);
      }
    } finally {
      proxy.decide = undefined;
    }
  });

  it('a recipient throttled past the per-post budget gets the frame later through the redelivery queue, once, and is kept', async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(4);
    const [throttled, ...others] = listeners as [Listener, ...Listener[]];
    // Four attempts in the fan-out, two more at the first redelivery, then the gateway lets it through.
    failPostsTo(throttled.connectionId, 6, 429);
    const mark = proxy.calls.length;
    const queuedBefore = metrics.total('FramesQueued');
    const redeliveredBefore = metrics.total('FramesRedelivered');
    try {
      const first = await send(alice, roomId, 'over-budget');
      for (const listener of others) await listener.socket.waitForEvent(isMessage(first.id));
      await throttled.socket.waitForEvent(isMessage(first.id));
      await sleep(300);
      expect(
        proxy.calls
          .slice(mark)
          .filter((c) => c.connectionId === throttled.connectionId)
          .map((c) => c.status),
      ).toEqual([...Array(6).fill(429), 200]);
      expect(countOf(throttled.socket, first.id)).toBe(1);
    } finally {
      proxy.decide = undefined;
    }
    expect(metrics.total('FramesQueued') - queuedBefore).toBe(1);
    expect(metrics.total('FramesRedelivered') - redeliveredBefore).toBe(1);
    expect((await itemsOfConnection(throttled.connectionId)).length).toBe(ITEMS_OF_A_CONNECTION);
    await eventually(async () => (await depthOf(probed.stack.redelivery.queueUrl)) === 0, 'the queue to drain');
  });
});

describe('the redelivery queue', () => {
  const failingThen = (connectionId: string, failures: number, then: FaultDecision) =>
    failPostsTo(connectionId, failures, 500, then);

  it('brings a message whose posts outlasted the fan-out and the first redelivery, byte for byte, exactly once', async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(3);
    const [sick] = listeners as [Listener];
    // The fan-out's four attempts and the first receive's four: the second receive gets through.
    failingThen(sick.connectionId, 8, 'pass');
    const content = 'queued ✓ "quoted" \\ 😀 </script>';
    try {
      const message = (await alice.ack('sendMessage', { roomId, clientMessageId: 'queued', content }))
        .message as Message;
      const frame = await sick.socket.waitForEvent(isMessage(message.id));
      expect((frame.message as Message).content).toBe(content);
      expect(frame.message).toEqual(message);
      await sleep(500);
      expect(countOf(sick.socket, message.id)).toBe(1);
      expect(
        proxy
          .callsTo(sick.connectionId, 'POST')
          .map((c) => c.status)
          .slice(-9),
      ).toEqual([...Array(8).fill(500), 200]);
      expect(proxy.callsTo(sick.connectionId, 'POST').filter((c) => c.status === 500)).toHaveLength(8);
    } finally {
      proxy.decide = undefined;
    }
    await eventually(async () => (await depthOf(probed.stack.redelivery.queueUrl)) === 0, 'the queue to drain');
  });

  it('a connection gone by the time of the redelivery gets the clean-up of the fan-out: items removed, rooms told', async () => {
    const { alice, listeners, roomId, otherRoomId } = await twoRoomsWith(2);
    const [leaving] = listeners as [Listener];
    failingThen(leaving.connectionId, 4, 410);
    try {
      await send(alice, roomId, 'gone-later');
      await eventually(
        async () => (await itemsOfConnection(leaving.connectionId)).length === 0,
        "the gone connection's items removed",
      );
      for (const id of [roomId, otherRoomId]) {
        await alice.waitForEvent(
          (f) => f.type === 'presence' && f.userId === leaving.userId && f.roomId === id && f.isOnline === false,
        );
      }
      const statuses = proxy
        .callsTo(leaving.connectionId, 'POST')
        .map((c) => c.status)
        .filter((status) => status !== 200);
      expect(statuses.slice(0, 5)).toEqual([500, 500, 500, 500, 410]);
      // The visibility timeout here (1 s) is shorter than the clean-up: SQS may hand the frame out once more,
      // which meets the same 410 (delivery is at least once; the clean-up is idempotent).
      expect(new Set(statuses.slice(5))).toEqual(new Set(statuses.length > 5 ? [410] : []));
    } finally {
      proxy.decide = undefined;
    }
  });

  it('a frame that fails on every try is counted given up, logged by connection id only, and ends in the dead-letter queue', async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(2);
    const [hopeless, other] = listeners as [Listener, Listener];
    failingThen(hopeless.connectionId, Number.POSITIVE_INFINITY, 'pass');
    const givenUpBefore = metrics.total('FramesGivenUp');
    const deadBefore = await depthOf(probed.stack.redelivery.deadLetterQueueUrl);
    const secret = 'never in a log line 7f3a';
    try {
      const message = (await alice.ack('sendMessage', { roomId, clientMessageId: 'hopeless', content: secret }))
        .message as Message;
      await other.socket.waitForEvent(isMessage(message.id));
      await eventually(() => metrics.total('FramesGivenUp') > givenUpBefore, 'the frame given up', 15_000);
      await eventually(
        async () => (await depthOf(probed.stack.redelivery.deadLetterQueueUrl)) === deadBefore + 1,
        'the frame in the dead-letter queue',
        15_000,
      );
      // The fan-out's four attempts, then four for each of the queue's tries.
      expect(proxy.callsTo(hopeless.connectionId, 'POST').filter((c) => c.status === 500)).toHaveLength(
        4 + 4 * MAX_RECEIVES,
      );
      expect(countOf(hopeless.socket, message.id)).toBe(0);
    } finally {
      proxy.decide = undefined;
    }
    expect(metrics.total('FramesGivenUp') - givenUpBefore).toBe(1);
    const givenUp = logger.entries.filter((e) => e.message.includes('given up'));
    expect(givenUp.map((e) => e.extra?.connectionId)).toEqual([hopeless.connectionId]);
    expect(logger.text()).not.toContain(secret);
    // Still connected: a failing delivery path is not a gone connection.
    expect((await itemsOfConnection(hopeless.connectionId)).length).toBe(ITEMS_OF_A_CONNECTION);
  });
});

describe('500s from the management API', () => {
  it('are retried, not taken for gone: the recipient is kept and gets the frame once', async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(5);
    const failing = listeners.slice(0, 2);
    const failingIds = new Set(failing.map((l) => l.connectionId));
    const failures = new Map<string, number>();
    // Two 500s in a row for each failing recipient, then the API recovers.
    proxy.decide = ({ method, connectionId }) => {
      if (method !== 'POST' || !failingIds.has(connectionId)) return 'pass';
      const times = (failures.get(connectionId) ?? 0) + 1;
      failures.set(connectionId, times);
      return times <= 2 ? 500 : 'pass';
    };
    const mark = proxy.calls.length;
    let first: Message;
    try {
      first = await send(alice, roomId, 'five-hundred');
      for (const listener of listeners) await listener.socket.waitForEvent(isMessage(first.id));
      await sleep(300);
    } finally {
      proxy.decide = undefined;
    }
    for (const listener of failing) {
      expect(
        proxy.calls
          .slice(mark)
          .filter((c) => c.connectionId === listener.connectionId)
          .map((c) => c.status),
      ).toEqual([500, 500, 200]);
      expect((await itemsOfConnection(listener.connectionId)).length).toBe(ITEMS_OF_A_CONNECTION);
      expect(countOf(listener.socket, first.id)).toBe(1);
    }
  });
});

describe('a post whose socket is reset before any answer', () => {
  it('is sent again and arrives once (a keep-alive socket the server closed under the request)', async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(3);
    const [reset, ...others] = listeners as [Listener, ...Listener[]];
    let resets = 0;
    proxy.decide = ({ method, connectionId }) => {
      if (method !== 'POST' || connectionId !== reset.connectionId || resets > 0) return 'pass';
      resets += 1;
      return 'reset';
    };
    const mark = proxy.calls.length;
    try {
      const message = await send(alice, roomId, 'after-reset');
      for (const listener of [reset, ...others]) await listener.socket.waitForEvent(isMessage(message.id));
      await sleep(200);
      expect(countOf(reset.socket, message.id)).toBe(1);
      expect(
        proxy.calls
          .slice(mark)
          .filter((c) => c.connectionId === reset.connectionId)
          .map((c) => c.status),
      ).toEqual([0, 200]);
    } finally {
      proxy.decide = undefined;
    }
  });
});

describe('a recipient whose posts hang', () => {
  it("holds back neither the sender's ack nor the other recipients, and gets its frame once it answers", async () => {
    const { alice, listeners, roomId } = await twoRoomsWith(5);
    const [slow, ...others] = listeners as [Listener, ...Listener[]];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    proxy.decide = ({ method, connectionId }) =>
      method === 'POST' && connectionId === slow.connectionId ? { holdUntil: released } : 'pass';
    try {
      const first = await send(alice, roomId, 'slow-1');
      for (const listener of others) await listener.socket.waitForEvent(isMessage(first.id));
      // A second sender's message goes past the stuck post too.
      const second = await send(others[0]!.socket, roomId, 'slow-2');
      for (const listener of others.slice(1)) await listener.socket.waitForEvent(isMessage(second.id));
      await alice.waitForEvent(isMessage(second.id));
      expect(countOf(slow.socket, first.id) + countOf(slow.socket, second.id)).toBe(0);
      proxy.decide = undefined;
      release();
      await slow.socket.waitForEvent(isMessage(first.id));
      await slow.socket.waitForEvent(isMessage(second.id));
    } finally {
      proxy.decide = undefined;
      release();
    }
  });
});
