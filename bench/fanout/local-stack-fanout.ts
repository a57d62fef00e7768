// Section 1: publish-to-delivery latency and sustained deliveries on the local stack, with real WebSocket clients.
// The stack runs in its own process (bench/workers/stack-worker.ts); the clients run here, so the two do not share
// an event loop. Every client connects with a dev token over ws; rooms are then written straight into the table.
// A room of N subscribers is the sender plus N-1 receivers: a message makes N-1 deliveries. Latency is measured at
// the clients, from just before the sender's frame is written to the arrival of the message at the last receiver.
import { WebSocket } from 'ws';
import { mapWithConcurrency } from '../../lambdas/chat/paging.js';
import { BENCH_CONTENT } from '../capacity/capacity-bench.js';
import { progress } from '../lib/progress.js';
import { latencySummary, spread, type Spread } from '../lib/stats.js';
import { startWorker } from '../lib/worker-process.js';

export interface LatencyRow {
  subscribers: number;
  runs: number;
  messagesPerRun: number;
  /** Per run: p50, p95, p99 of publish → last delivery; reported as the median across runs, with the range. */
  p50: Spread;
  p95: Spread;
  p99: Spread;
  /** Publish → the sender's ack. */
  ackP50: Spread;
  /** The stack process's CPU time over the measured messages, per delivery: what one delivery costs it. */
  stackCpuMicrosPerDelivery: number;
  /** Every sample of every run, for the chart. */
  samples: number[];
}

export interface ThroughputRow {
  subscribers: number;
  senders: number;
  seconds: number;
  deliveriesPerSecond: Spread;
  messagesPerSecond: Spread;
  /** The stack process's CPU time per delivery (it runs handlers, management API and gateway). */
  stackCpuMicrosPerDelivery: Spread;
}

export interface LocalStackResults {
  /** How the handlers post: as deployed (the lean path), or through the AWS SDK's management client. */
  poster: 'deployed' | 'sdk-client';
  connections: number;
  connectSeconds: number;
  latency: LatencyRow[];
  throughput: ThroughputRow[];
}

interface Client {
  userId: string;
  socket: WebSocket;
}

/** Arrivals of each message (by clientMessageId) at the receivers, and of the sender's acks. */
export class Arrivals {
  private readonly deliveries = new Map<string, { count: number; last: number }>();
  private readonly acks = new Map<string, number>();
  private readonly waiters = new Map<string, { expected: number; resolve: () => void }>();
  delivered = 0;
  acked = 0;
  /** performance.now() of the latest message or ack. */
  lastArrival = 0;

  onFrame(data: WebSocket.RawData): void {
    const at = performance.now();
    const frame = JSON.parse(data.toString()) as {
      type?: string;
      requestId?: string;
      message?: { clientMessageId?: string };
    };
    if (frame.type === 'message' && frame.message?.clientMessageId) {
      const key = frame.message.clientMessageId;
      const entry = this.deliveries.get(key) ?? { count: 0, last: 0 };
      entry.count += 1;
      entry.last = at;
      this.deliveries.set(key, entry);
      this.delivered += 1;
      this.lastArrival = at;
      this.check(key);
    } else if (frame.type === 'ack' && frame.requestId) {
      this.acks.set(frame.requestId, at);
      this.acked += 1;
      this.lastArrival = at;
      this.check(frame.requestId);
    }
  }

  /** Resolves once `expected` receivers have the message and the sender has its ack (requestId = clientMessageId). */
  wait(clientMessageId: string, expected: number, timeoutMs: number): Promise<{ lastDelivery: number; ack: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(clientMessageId);
        const got = this.deliveries.get(clientMessageId)?.count ?? 0;
        reject(new Error(`message ${clientMessageId}: ${got} of ${expected} deliveries after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(clientMessageId, {
        expected,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(clientMessageId);
          resolve({ lastDelivery: this.deliveries.get(clientMessageId)!.last, ack: this.acks.get(clientMessageId)! });
        },
      });
      this.check(clientMessageId);
    });
  }

  forget(clientMessageId: string): void {
    this.deliveries.delete(clientMessageId);
    this.acks.delete(clientMessageId);
  }

  private check(key: string): void {
    const waiter = this.waiters.get(key);
    if (!waiter) return;
    if ((this.deliveries.get(key)?.count ?? 0) >= waiter.expected && this.acks.has(key)) waiter.resolve();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The protocol allows at least 20 frames a second per connection: one sender never goes faster. */
const MIN_GAP_MS = 50;

export async function runLocalStackFanOut(options: {
  roomSizes: readonly number[];
  runs: number;
  messagesPerRun: (subscribers: number) => number;
  throughputRooms: readonly number[];
  throughputSeconds: number;
  senders: number;
  poster?: 'deployed' | 'sdk-client';
}): Promise<LocalStackResults> {
  const poster = options.poster ?? 'deployed';
  const largest = Math.max(...options.roomSizes, ...options.throughputRooms);
  const stack = await startWorker(new URL('../workers/stack-worker.ts', import.meta.url), {
    env: { BENCH_POSTER: poster },
  });
  const arrivals = new Arrivals();
  const clients: Client[] = [];
  try {
    const wsUrl = stack.info.wsUrl as string;
    const receiverIds = Array.from({ length: largest - 1 }, (_, index) => `receiver-${String(index).padStart(4, '0')}`);
    const senderIds = Array.from({ length: options.senders }, (_, index) => `sender-${index}`);
    const userIds = [...senderIds, ...receiverIds];
    const { tokens } = await stack.request<{ tokens: string[] }>('mint', { userIds });
    const connectBegin = performance.now();
    let opened = 0;
    const logins = userIds.map((userId, index) => ({ userId, token: tokens[index]! }));
    await mapWithConcurrency(logins, 16, async ({ userId, token }) => {
      const socket = await openSocket(`${wsUrl}/?token=${token}`);
      socket.on('message', (data) => arrivals.onFrame(data));
      clients.push({ userId, socket });
      opened += 1;
      if (opened % 250 === 0) progress(`  ${opened} of ${userIds.length} WebSocket clients connected`);
    });
    const connectSeconds = (performance.now() - connectBegin) / 1000;
    progress(`  ${clients.length} clients connected in ${connectSeconds.toFixed(1)} s`);
    const senderSocket = (userId: string) => clients.find((client) => client.userId === userId)!.socket;

    const latency: LatencyRow[] = [];
    for (const size of options.roomSizes) {
      const roomId = `latency-${size}`;
      await stack.request('setupRoom', { roomId, memberIds: [senderIds[0]!, ...receiverIds.slice(0, size - 1)] });
      const send = async (clientMessageId: string) => {
        const begin = performance.now();
        senderSocket(senderIds[0]!).send(sendMessageFrame(roomId, clientMessageId));
        const { lastDelivery, ack } = await arrivals.wait(clientMessageId, size - 1, 30_000);
        arrivals.forget(clientMessageId);
        return { toLast: lastDelivery - begin, toAck: ack - begin, begin };
      };
      for (let warm = 0; warm < 3; warm++) await send(`warm-${size}-${warm}`);
      const perRun: Array<{ toLast: number[]; toAck: number[] }> = [];
      const messages = options.messagesPerRun(size);
      const cpuBefore = (await stack.request<{ micros: number }>('cpuUsage')).micros;
      for (let run = 0; run < options.runs; run++) {
        const toLast: number[] = [];
        const toAck: number[] = [];
        for (let index = 0; index < messages; index++) {
          const sample = await send(`lat-${size}-${run}-${index}`);
          toLast.push(sample.toLast);
          toAck.push(sample.toAck);
          const wait = MIN_GAP_MS - (performance.now() - sample.begin);
          if (wait > 0) await sleep(wait);
        }
        perRun.push({ toLast, toAck });
      }
      const cpuUsed = (await stack.request<{ micros: number }>('cpuUsage')).micros - cpuBefore;
      const summaries = perRun.map((run) => latencySummary(run.toLast));
      const row: LatencyRow = {
        subscribers: size,
        runs: options.runs,
        messagesPerRun: messages,
        p50: spread(summaries.map((summary) => summary.p50)),
        p95: spread(summaries.map((summary) => summary.p95)),
        p99: spread(summaries.map((summary) => summary.p99)),
        ackP50: spread(perRun.map((run) => latencySummary(run.toAck).p50)),
        stackCpuMicrosPerDelivery: cpuUsed / (options.runs * messages * (size - 1)),
        samples: perRun.flatMap((run) => run.toLast),
      };
      latency.push(row);
      progress(
        `  ${poster === 'deployed' ? '' : '(SDK client posts) '}room of ${size}: publish → last delivery p50 ${row.p50.median.toFixed(1)} ms, ` +
          `p99 ${row.p99.median.toFixed(1)} ms; ${row.stackCpuMicrosPerDelivery.toFixed(0)} µs of stack CPU per delivery`,
      );
    }

    const throughput: ThroughputRow[] = [];
    for (const size of options.throughputRooms) {
      const roomId = `throughput-${size}`;
      await stack.request('setupRoom', {
        roomId,
        memberIds: [...senderIds, ...receiverIds.slice(0, size - senderIds.length)],
      });
      const deliveriesPerSecond: number[] = [];
      const messagesPerSecond: number[] = [];
      const cpuPerDelivery: number[] = [];
      for (let run = -1; run < options.runs; run++) {
        // Closed loop: each sender waits until its message reached the whole room, so nothing queues up unseen and
        // the rate is what the stack sustains, not what it accepted.
        const deadline = performance.now() + options.throughputSeconds * 1000;
        const deliveredBefore = arrivals.delivered;
        const cpuBefore = (await stack.request<{ micros: number }>('cpuUsage')).micros;
        const begin = performance.now();
        let messages = 0;
        await Promise.all(
          senderIds.map(async (senderId, senderIndex) => {
            for (let index = 0; performance.now() < deadline; index++) {
              const clientMessageId = `tp-${size}-${run}-${senderIndex}-${index}`;
              const started = performance.now();
              senderSocket(senderId).send(sendMessageFrame(roomId, clientMessageId));
              await arrivals.wait(clientMessageId, size - 1, 60_000);
              arrivals.forget(clientMessageId);
              messages += 1;
              const wait = MIN_GAP_MS - (performance.now() - started);
              if (wait > 0) await sleep(wait);
            }
          }),
        );
        const seconds = (performance.now() - begin) / 1000;
        const delivered = arrivals.delivered - deliveredBefore;
        const cpu = (await stack.request<{ micros: number }>('cpuUsage')).micros - cpuBefore;
        if (run < 0) continue; // warm-up
        deliveriesPerSecond.push(delivered / seconds);
        messagesPerSecond.push(messages / seconds);
        cpuPerDelivery.push(cpu / Math.max(1, delivered));
      }
      const row: ThroughputRow = {
        subscribers: size,
        senders: senderIds.length,
        seconds: options.throughputSeconds,
        deliveriesPerSecond: spread(deliveriesPerSecond),
        messagesPerSecond: spread(messagesPerSecond),
        stackCpuMicrosPerDelivery: spread(cpuPerDelivery),
      };
      throughput.push(row);
      progress(
        `  room of ${size}, ${senderIds.length} senders: ${row.deliveriesPerSecond.median.toFixed(0)} deliveries/s sustained`,
      );
    }
    return { poster, connections: clients.length, connectSeconds, latency, throughput };
  } finally {
    // The stack is killed, not stopped: a graceful stop would run $disconnect for every client, and each would
    // announce presence to a room of up to a thousand.
    await stack.stop();
    for (const client of clients) client.socket.terminate();
  }
}

export function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`handshake refused: HTTP ${response.statusCode}`)),
    );
  });
}

/** A sendMessage frame whose requestId is its clientMessageId, so arrivals and the ack are matched by one id. */
function sendMessageFrame(roomId: string, clientMessageId: string): string {
  return JSON.stringify({
    action: 'sendMessage',
    requestId: clientMessageId,
    roomId,
    clientMessageId,
    content: BENCH_CONTENT,
  });
}
