// Section 7: the local stack's capacity under a burst, in deliveries per second, run as it was (handlers on the
// gateway's event loop, any number at once) and as it is, alternating in the same run so ratios are fair on a noisy
// machine.
// The shape is the one that used to lose deliveries: 300 users with two devices each, 40 rooms of 10 members, every
// member sending 5 messages at once (2,000 sends; each reaches the room's 20 connections but the sending one: 38,000
// deliveries). The stack runs in its own process (bench/workers/stack-worker.ts), the clients here; the rate is
// deliveries that arrived divided by the time from the first send to the last arrival.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { mapWithConcurrency } from '../../lambdas/chat/paging.js';
import { BENCH_CONTENT } from '../capacity/capacity-bench.js';
import { progress } from '../lib/progress.js';
import { spread, type Spread } from '../lib/stats.js';
import { startWorker } from '../lib/worker-process.js';
import { summarizeCpuProfiles, type ProfileSummary } from './cpu-profile.js';
import { Arrivals, openSocket } from './local-stack-fanout.js';

/** How the stack runs its handlers: on which thread, and how many invocations at once. */
export interface StackVariant {
  name: string;
  handlers: 'in-process' | 'in-worker';
  /** maxConcurrentInvocations; undefined for the stack's default. */
  maxConcurrent?: number;
}

/** The stack as it was (one event loop, no limit), the limit alone, and the default stack (own thread and limit). */
export const STACK_VARIANTS: readonly StackVariant[] = [
  { name: 'one event loop, no limit (as before)', handlers: 'in-process', maxConcurrent: Infinity },
  { name: 'one event loop, 16 invocations at once', handlers: 'in-process' },
  { name: 'own thread, 16 invocations at once (default)', handlers: 'in-worker' },
];

export interface BurstShape {
  users: number;
  devicesPerUser: number;
  rooms: number;
  roomSize: number;
  messagesPerMember: number;
}

export const ISSUE_BURST: BurstShape = { users: 300, devicesPerUser: 2, rooms: 40, roomSize: 10, messagesPerMember: 5 };

export interface BurstRun {
  variant: string;
  sends: number;
  acked: number;
  expectedDeliveries: number;
  delivered: number;
  /** First send → last arrival (delivery or ack). */
  seconds: number;
  deliveriesPerSecond: number;
  /** The stack process's CPU time over the burst, as a share of one core (2.0 = both cores busy). */
  stackCores: number;
}

export interface VariantSummary {
  variant: string;
  deliveriesPerSecond: Spread;
  lost: Spread;
  stackCores: Spread;
}

export interface LocalCapacityResults {
  shape: BurstShape;
  runs: BurstRun[];
  variants: VariantSummary[];
  /** Where the stack's CPU time went in one profiled burst per variant (node --cpu-prof). */
  profiles: Array<{ variant: string; summary: ProfileSummary }>;
}

/** No arrival for this long: what has not arrived by then never will. */
const QUIET_MS = 10_000;
/** Before the first arrival: every send is in flight at once, so the first fan-out may finish late. */
const FIRST_ARRIVAL_MS = 60_000;
const BURST_CAP_MS = 300_000;

export async function runLocalStackCapacity(options: {
  shape: BurstShape;
  runs: number;
  variants: readonly StackVariant[];
  /** A folder for node --cpu-prof output: one more burst per variant, profiled, after the measured runs. */
  profileDir?: string;
}): Promise<LocalCapacityResults> {
  const runs: BurstRun[] = [];
  for (let round = 0; round < options.runs; round++) {
    // Alternating order, so no variant always runs first (or last) in a round.
    for (const variant of round % 2 === 0 ? options.variants : [...options.variants].reverse()) {
      const result = await burst(options.shape, variant);
      runs.push(result);
      progress(
        `  ${variant.name}: ${result.delivered} of ${result.expectedDeliveries} deliveries in ${result.seconds.toFixed(1)} s, ` +
          `${result.deliveriesPerSecond.toFixed(0)}/s, ${result.acked} of ${result.sends} acked, stack used ${result.stackCores.toFixed(2)} cores`,
      );
    }
  }
  const profiles: LocalCapacityResults['profiles'] = [];
  if (options.profileDir) {
    for (const [index, variant] of options.variants.entries()) {
      const dir = join(options.profileDir, `variant-${index + 1}`);
      await mkdir(dir, { recursive: true });
      const before = new Set(await readdir(dir));
      await burst(options.shape, variant, dir);
      const files = (await readdir(dir))
        .filter((file) => file.endsWith('.cpuprofile') && !before.has(file))
        .map((file) => join(dir, file));
      profiles.push({ variant: variant.name, summary: await summarizeCpuProfiles(files) });
      progress(`  profile of a burst, ${variant.name}: ${files.length} thread(s) in ${dir}`);
    }
  }
  const of = (variant: StackVariant) => runs.filter((run) => run.variant === variant.name);
  const variants = options.variants.map((variant) => ({
    variant: variant.name,
    deliveriesPerSecond: spread(of(variant).map((run) => run.deliveriesPerSecond)),
    lost: spread(of(variant).map((run) => run.expectedDeliveries - run.delivered)),
    stackCores: spread(of(variant).map((run) => run.stackCores)),
  }));
  return { shape: options.shape, runs, variants, profiles };
}

/** Per round (every variant runs once in a round, back to back): `variant`'s deliveries/s ÷ `baseline`'s. */
export function ratioPerRound(runs: readonly BurstRun[], variant: string, baseline: string): Spread | undefined {
  const of = (name: string) => runs.filter((run) => run.variant === name);
  const [top, bottom] = [of(variant), of(baseline)];
  const rounds = Math.min(top.length, bottom.length);
  if (rounds === 0) return undefined;
  return spread(
    Array.from({ length: rounds }, (_, index) => top[index]!.deliveriesPerSecond / bottom[index]!.deliveriesPerSecond),
  );
}

async function burst(shape: BurstShape, variant: StackVariant, profileDir?: string): Promise<BurstRun> {
  const stack = await startWorker(new URL('../workers/stack-worker.ts', import.meta.url), {
    env: {
      BENCH_HANDLERS: variant.handlers,
      ...(variant.maxConcurrent !== undefined && { BENCH_MAX_CONCURRENT: String(variant.maxConcurrent) }),
    },
    ...(profileDir && { execArgv: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] }),
  });
  const arrivals = new Arrivals();
  const sockets: WebSocket[] = [];
  try {
    const userIds = Array.from({ length: shape.users }, (_, index) => `burst-user-${String(index).padStart(4, '0')}`);
    const { tokens } = await stack.request<{ tokens: string[] }>('mint', { userIds });
    const devices = userIds.flatMap((userId, index) =>
      Array.from({ length: shape.devicesPerUser }, () => ({ userId, token: tokens[index]! })),
    );
    const firstDevice = new Map<string, WebSocket>();
    await mapWithConcurrency(devices, 16, async ({ userId, token }) => {
      const socket = await openSocket(`${stack.info.wsUrl as string}/?token=${token}`);
      socket.on('message', (data) => arrivals.onFrame(data));
      sockets.push(socket);
      if (!firstDevice.has(userId)) firstDevice.set(userId, socket);
    });
    const rooms = Array.from({ length: shape.rooms }, (_, room) => ({
      roomId: `burst-room-${room}`,
      memberIds: Array.from(
        { length: shape.roomSize },
        (_, member) => userIds[(room * shape.roomSize + member) % shape.users]!,
      ),
    }));
    for (const room of rooms) await stack.request('setupRoom', room);

    const sends = shape.rooms * shape.roomSize * shape.messagesPerMember;
    const expectedDeliveries = sends * (shape.roomSize * shape.devicesPerUser - 1);
    const cpuBefore = (await stack.request<{ micros: number }>('cpuUsage')).micros;
    const begin = performance.now();
    for (let index = 0; index < shape.messagesPerMember; index++) {
      for (const room of rooms) {
        for (const userId of room.memberIds) {
          const clientMessageId = `${room.roomId}-${userId}-${index}`;
          firstDevice.get(userId)!.send(
            JSON.stringify({
              action: 'sendMessage',
              requestId: clientMessageId,
              roomId: room.roomId,
              clientMessageId,
              content: BENCH_CONTENT,
            }),
          );
        }
      }
    }
    arrivals.lastArrival = begin;
    while (arrivals.delivered < expectedDeliveries || arrivals.acked < sends) {
      const now = performance.now();
      const quiet = arrivals.lastArrival === begin ? FIRST_ARRIVAL_MS : QUIET_MS;
      if (now - arrivals.lastArrival > quiet || now - begin > BURST_CAP_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const cpuUsed = (await stack.request<{ micros: number }>('cpuUsage')).micros - cpuBefore;
    const seconds = (arrivals.lastArrival - begin) / 1000;
    return {
      variant: variant.name,
      sends,
      acked: arrivals.acked,
      expectedDeliveries,
      delivered: arrivals.delivered,
      seconds,
      deliveriesPerSecond: arrivals.delivered / seconds,
      stackCores: cpuUsed / 1e6 / seconds,
    };
  } finally {
    // Killed, not stopped (a stop would run $disconnect for 600 connections), unless a profile must be written.
    await stack.stop({ graceful: profileDir !== undefined });
    for (const socket of sockets) socket.terminate();
  }
}
