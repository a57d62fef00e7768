// Push notifications (PROTOCOL.md, "Push notifications"): one job per stored message, and the push function's
// rules for who is pushed to, on the in-memory stores.
import { describe, expect, it } from 'vitest';
import {
  createPushWorker,
  DEFAULT_PUSH_SETTINGS,
  GENERIC_PUSH_BODY,
  PREVIEW_MAX_CHARACTERS,
  PushJobIncompleteError,
  type PushSettings,
} from '../../../lambdas/chat/index.js';
import type { PushJob } from '../../../lambdas/chat/ports.js';
import { createChatHarness, type ChatHarness, type TestConnection } from '../../fakes/chat-harness.js';
import { MemoryPushJobQueue, RecordingPushGateway } from '../../fakes/recording-push.js';

interface PushSetup {
  h: ChatHarness;
  queue: MemoryPushJobQueue;
  gateway: RecordingPushGateway;
  /** Runs every queued job (and the jobs they queue) to the end; returns how many ran. */
  runJobs(options?: { remainingMs?: () => number }): Promise<number>;
  run(job: PushJob): Promise<void>;
}

function pushSetup(
  settings: Partial<PushSettings> = {},
  extra: { badgeFor?: (userId: string) => Promise<number | undefined>; platforms?: RecordingPushGateway } = {},
): PushSetup {
  const queue = new MemoryPushJobQueue();
  const h = createChatHarness({ pushJobs: queue });
  const gateway = extra.platforms ?? new RecordingPushGateway();
  const worker = createPushWorker({
    stores: h.stores,
    gateway,
    jobs: queue,
    clock: h.clock,
    logger: h.logger,
    metrics: h.metrics,
    settings: { ...DEFAULT_PUSH_SETTINGS, ...settings },
    ...(extra.badgeFor && { badgeFor: extra.badgeFor }),
  });
  const setup: PushSetup = {
    h,
    queue,
    gateway,
    run: (job) => worker(job, () => 60_000),
    async runJobs({ remainingMs = () => 60_000 } = {}) {
      let ran = 0;
      for (let jobs = queue.take(); jobs.length > 0; jobs = queue.take()) {
        for (const job of jobs) {
          await worker(job, remainingMs);
          ran += 1;
        }
      }
      return ran;
    },
  };
  return setup;
}

async function awayWithDevices(s: PushSetup, userId: string, tokens: string[]): Promise<TestConnection> {
  const connection = await s.h.connect(userId);
  for (const token of tokens) await s.h.ack(connection, 'registerDevice', { platform: 'fcm', token });
  await s.h.disconnect(connection);
  return connection;
}

const send = (s: PushSetup, from: TestConnection, roomId: string, content: string, clientMessageId = content) =>
  s.h.ack(from, 'sendMessage', { roomId, clientMessageId, content });

describe('push jobs', () => {
  it('queues one job per stored message, with the configured delay; a retried send queues none', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice');
    const room = await s.h.createRoom(alice, 'r');
    await send(s, alice, room.roomId, 'hi', 'c1');
    await send(s, alice, room.roomId, 'hi again', 'c1');
    await send(s, alice, room.roomId, 'second', 'c2');
    expect(s.queue.jobs).toEqual([
      { job: { roomId: room.roomId, seq: 1 }, delaySeconds: 5 },
      { job: { roomId: room.roomId, seq: 2 }, delaySeconds: 5 },
    ]);
  });

  it('a job the queue refuses is counted and logged; the sender still gets the ack', async () => {
    const s = pushSetup();
    s.queue.refuse = true;
    const alice = await s.h.connect('alice');
    const room = await s.h.createRoom(alice, 'r');
    expect((await send(s, alice, room.roomId, 'secret words')).message).toMatchObject({ seq: 1 });
    expect(s.h.metrics.total('PushFailures')).toBe(1);
    expect(s.h.logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
    expect(s.h.logger.text()).not.toContain('secret words');
  });
});

describe('the push function', () => {
  it('pushes once per device to a member with no live connection, never to the sender, never twice', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice', { name: 'Alice' });
    await s.h.ack(alice, 'registerDevice', { platform: 'apns', token: 'alice-phone' });
    await awayWithDevices(s, 'bob', ['bob-phone', 'bob-tablet']);
    const room = await s.h.createRoom(alice, 'r', ['bob']);
    await s.h.disconnect(alice);
    const alice2 = await s.h.connect('alice', { name: 'Alice' });
    await send(s, alice2, room.roomId, 'Lunch?');
    await s.h.disconnect(alice2);
    const [job] = s.queue.take();
    await s.run(job!);
    await s.run(job!); // SQS delivers at least once
    expect(s.gateway.tokensSent()).toEqual(['bob-phone', 'bob-tablet']);
    expect(s.gateway.sent[0]!.notification).toEqual({
      userId: 'bob',
      roomId: room.roomId,
      seq: 1,
      title: 'Alice',
      body: 'Lunch?',
      collapseKey: room.roomId,
    });
    expect(s.h.metrics.total('PushesSent')).toBe(2);
    // The endpoint is created once and kept with the device.
    expect(s.gateway.created).toHaveLength(2);
    expect((await s.h.stores.devices.listDevices('bob')).every((d) => d.endpointArn !== undefined)).toBe(true);
  });

  it('pushes to nobody with a live connection on any device, re-checked when the job runs', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice');
    await awayWithDevices(s, 'bob', ['bob-phone', 'bob-tablet']);
    const room = await s.h.createRoom(alice, 'r', ['bob']);
    await send(s, alice, room.roomId, 'one');
    // Bob came back on one device before the job ran (the delay is for exactly this).
    const bobDesktop = await s.h.connect('bob');
    await s.runJobs();
    expect(s.gateway.sent).toEqual([]);
    await s.h.disconnect(bobDesktop);
    await send(s, alice, room.roomId, 'two');
    await s.runJobs();
    expect(s.gateway.sent.map((p) => p.notification.seq)).toEqual([2, 2]);
  });

  it('skips members who muted the room, and members who read the message already', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice');
    const bob = await s.h.connect('bob');
    await s.h.ack(bob, 'registerDevice', { platform: 'fcm', token: 'bob-phone' });
    const carol = await s.h.connect('carol');
    await s.h.ack(carol, 'registerDevice', { platform: 'fcm', token: 'carol-phone' });
    const room = await s.h.createRoom(alice, 'r', ['bob', 'carol']);
    await s.h.ack(bob, 'muteRoom', { roomId: room.roomId, muted: true });
    await send(s, alice, room.roomId, 'one');
    await s.h.ack(carol, 'markRead', { roomId: room.roomId, seq: 1 });
    await s.h.disconnect(bob);
    await s.h.disconnect(carol);
    await s.runJobs();
    expect(s.gateway.sent).toEqual([]);

    const bobAgain = await s.h.connect('bob');
    await s.h.ack(bobAgain, 'muteRoom', { roomId: room.roomId, muted: false });
    await s.h.disconnect(bobAgain);
    await send(s, alice, room.roomId, 'two');
    await s.runJobs();
    expect(s.gateway.tokensSent()).toEqual(['bob-phone', 'carol-phone']);
  });

  it('skips members who blocked the sender; unblocked, they are pushed to again', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice');
    const bob = await s.h.connect('bob');
    await s.h.ack(bob, 'registerDevice', { platform: 'fcm', token: 'bob-phone' });
    const carol = await s.h.connect('carol');
    await s.h.ack(carol, 'registerDevice', { platform: 'fcm', token: 'carol-phone' });
    const room = await s.h.createRoom(alice, 'r', ['bob', 'carol']);
    await s.h.ack(bob, 'blockUser', { userId: 'alice' });
    await s.h.disconnect(bob);
    await s.h.disconnect(carol);
    await send(s, alice, room.roomId, 'one');
    await s.runJobs();
    expect(s.gateway.tokensSent()).toEqual(['carol-phone']);

    const bobAgain = await s.h.connect('bob');
    await s.h.ack(bobAgain, 'unblockUser', { userId: 'alice' });
    await s.h.disconnect(bobAgain);
    await send(s, alice, room.roomId, 'two');
    await s.runJobs();
    expect(s.gateway.tokensSent()).toEqual(['bob-phone', 'carol-phone', 'carol-phone']);
  });

  it('removes a device whose endpoint the service reports disabled, and deletes the endpoint', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice');
    await awayWithDevices(s, 'bob', ['bob-old', 'bob-new']);
    const room = await s.h.createRoom(alice, 'r', ['bob']);
    s.gateway.disabledTokens.add('bob-old');
    await send(s, alice, room.roomId, 'one');
    await s.runJobs();
    expect(s.gateway.tokensSent()).toEqual(['bob-new']);
    expect((await s.h.stores.devices.listDevices('bob')).map((d) => d.token)).toEqual(['bob-new']);
    expect(s.gateway.deleted).toEqual([expect.stringContaining('bob-old')]);
    expect(s.h.metrics.total('PushEndpointsRemoved')).toBe(1);
  });

  it('previews whole characters up to the limit, or says nothing when previews are off', async () => {
    const on = pushSetup();
    const alice = await on.h.connect('alice');
    await awayWithDevices(on, 'bob', ['bob-phone']);
    const room = await on.h.createRoom(alice, 'r', ['bob']);
    const long = `${'😀'.repeat(PREVIEW_MAX_CHARACTERS)}\n\nmore`;
    await send(on, alice, room.roomId, long, 'long');
    await send(on, alice, room.roomId, ' \n ', 'blank');
    await on.runJobs();
    expect(on.gateway.sent.map((p) => p.notification.body)).toEqual([
      `${'😀'.repeat(PREVIEW_MAX_CHARACTERS)}…`,
      GENERIC_PUSH_BODY,
    ]);

    const off = pushSetup({ preview: false });
    const alice2 = await off.h.connect('alice');
    await awayWithDevices(off, 'bob', ['bob-phone']);
    const room2 = await off.h.createRoom(alice2, 'r', ['bob']);
    await send(off, alice2, room2.roomId, 'the secret plan');
    await off.runJobs();
    expect(off.gateway.sent.map((p) => p.notification.body)).toEqual([GENERIC_PUSH_BODY]);
    expect(JSON.stringify(off.gateway.sent)).not.toContain('secret');
  });

  it('a failed push fails the job; its retry sends only what was not sent', async () => {
    const s = pushSetup();
    const alice = await s.h.connect('alice');
    await awayWithDevices(s, 'bob', ['bob-phone', 'bob-flaky']);
    await awayWithDevices(s, 'carol', ['carol-phone']);
    const room = await s.h.createRoom(alice, 'r', ['bob', 'carol']);
    s.gateway.failingTokens.add('bob-flaky');
    await send(s, alice, room.roomId, 'one');
    const [job] = s.queue.take();
    await expect(s.run(job!)).rejects.toBeInstanceOf(PushJobIncompleteError);
    expect(s.gateway.tokensSent()).toEqual(['bob-phone', 'carol-phone']);
    expect(s.h.metrics.total('PushFailures')).toBe(1);
    s.gateway.failingTokens.clear();
    await s.run(job!);
    expect(s.gateway.tokensSent()).toEqual(['bob-flaky', 'bob-phone', 'carol-phone']);
  });

  it('splits a large room into further jobs when time runs short, and pushes each member once', async () => {
    const s = pushSetup({ membersPerPage: 20, reserveMs: 1_000 });
    const alice = await s.h.connect('alice');
    const members = Array.from({ length: 55 }, (_, i) => `member-${String(i).padStart(2, '0')}`);
    for (const userId of members) await awayWithDevices(s, userId, [`${userId}-phone`]);
    const room = await s.h.createRoom(alice, 'big', members);
    await send(s, alice, room.roomId, 'all hands');
    // Every run thinks it is almost out of time after its first page.
    const ran = await s.runJobs({ remainingMs: () => 500 });
    expect(ran).toBe(3);
    expect(s.gateway.tokensSent()).toEqual(members.map((m) => `${m}-phone`));
  });

  it('pushes only to platforms with an application configured; carries the badge when one is known', async () => {
    const s = pushSetup({}, { platforms: new RecordingPushGateway(['apns']), badgeFor: async () => 3 });
    const alice = await s.h.connect('alice');
    const bob = await s.h.connect('bob');
    await s.h.ack(bob, 'registerDevice', { platform: 'apns', token: 'bob-iphone' });
    await s.h.ack(bob, 'registerDevice', { platform: 'fcm', token: 'bob-android' });
    await s.h.disconnect(bob);
    const room = await s.h.createRoom(alice, 'r', ['bob']);
    await send(s, alice, room.roomId, 'hi');
    await s.runJobs();
    expect(s.gateway.sent.map((p) => [p.token, p.notification.badge])).toEqual([['bob-iphone', 3]]);
  });

  it('drops a job whose message is not stored', async () => {
    const s = pushSetup();
    await s.run({ roomId: 'nowhere', seq: 4 });
    expect(s.gateway.sent).toEqual([]);
    expect(s.h.logger.entries.filter((e) => e.level === 'error')).toHaveLength(1);
  });
});
