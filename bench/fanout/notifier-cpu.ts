// Micro-benchmark of the management-API notifier alone: CPU per post of one warm notifier, and the rate of a fan-out
// with 50 posts in flight against a management API that answers after 10 ms. The server runs in a child process so
// that process.cpuUsage() counts the notifier's work only. The same notifier rules (notifierOver) over four ways of
// making the calls: the AWS SDK client as built and as the notifier tuned it, and the lean path (SignatureV4 over
// node:http, as deployed) and the same signed requests sent by @smithy/node-http-handler.
// Usage: npx tsx bench/fanout/notifier-cpu.ts [runs] [posts] [variant]
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ManagementNotifier } from '../../lambdas/adapters/management-notifier.js';
import { notifierFor, POSTER_VARIANTS, type PosterVariant } from './poster-variants.js';

const SERVER_FLAG = '--management-api-server';

async function startServer(delayMs: number): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), [SERVER_FLAG, String(delayMs)], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(Number(m))));
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

const FRAME = JSON.stringify({
  type: 'message',
  roomId: 'r1',
  seq: 42,
  content: 'x'.repeat(200),
  sentAt: new Date().toISOString(),
});

async function sequentialCpuMicrosPerPost(notifier: ManagementNotifier, posts: number): Promise<number> {
  for (let i = 0; i < 200; i += 1) await notifier.post(`warm-${i}=`, FRAME);
  const before = process.cpuUsage();
  for (let i = 0; i < posts; i += 1) await notifier.post(`conn-${i}=`, FRAME);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / posts;
}

async function fanOut(
  notifier: ManagementNotifier,
  posts: number,
  inFlight: number,
): Promise<{ perSecond: number; cpuMicros: number }> {
  for (let i = 0; i < 200; i += 1) await notifier.post(`warm-${i}=`, FRAME);
  let next = 0;
  const started = performance.now();
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < posts) {
        next += 1;
        await notifier.post(`conn-${next}=`, FRAME);
      }
    }),
  );
  const used = process.cpuUsage(before);
  return { perSecond: posts / ((performance.now() - started) / 1000), cpuMicros: (used.user + used.system) / posts };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[]): string =>
  `${Math.round(median(values))} (${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))})`;

/**
 * CPU µs per post of one poster variant, 50 in flight against a management API that answers after 10 ms (medians
 * of `runs` runs of `posts` posts): what the sizing model (bench/cost/function-sizing.ts) takes as CPU per post.
 */
export async function measurePostCpu(
  variant: PosterVariant,
  runs: number,
  posts: number,
): Promise<{ cpuMicrosPerPost: number; postsPerSecond: number }> {
  const slow = await startServer(10);
  try {
    const cpu: number[] = [];
    const rate: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const notifier = notifierFor(`${slow.endpoint}/prod`, variant);
      const result = await fanOut(notifier, posts, 50);
      notifier.destroy();
      cpu.push(result.cpuMicros);
      rate.push(result.perSecond);
    }
    return { cpuMicrosPerPost: median(cpu), postsPerSecond: median(rate) };
  } finally {
    slow.child.kill();
  }
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const posts = Number(process.argv[3] ?? 5000);
  const only = process.argv[4] as PosterVariant | undefined;
  const immediate = await startServer(0);
  const slow = await startServer(10);
  try {
    for (const variant of only ? [only] : POSTER_VARIANTS) {
      const cpu: number[] = [];
      const rate: number[] = [];
      const rateCpu: number[] = [];
      for (let run = 0; run < runs; run += 1) {
        const a = notifierFor(`${immediate.endpoint}/prod`, variant);
        cpu.push(await sequentialCpuMicrosPerPost(a, posts));
        a.destroy();
        const b = notifierFor(`${slow.endpoint}/prod`, variant);
        const result = await fanOut(b, posts, 50);
        b.destroy();
        rate.push(result.perSecond);
        rateCpu.push(result.cpuMicros);
      }
      console.log(
        `${variant.padEnd(19)}: sequential CPU µs/post ${range(cpu)} | 50 in flight, 10 ms server: posts/s ${range(rate)}, CPU µs/post ${range(rateCpu)}`,
      );
    }
  } finally {
    immediate.child.kill();
    slow.child.kill();
  }
}

if (process.argv.includes(SERVER_FLAG)) {
  // Child: answers every request with 200 after delayMs (0: at once).
  const delayMs = Number(process.argv[process.argv.indexOf(SERVER_FLAG) + 1]);
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const answer = () => response.writeHead(200, { 'content-type': 'application/json' }).end();
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as AddressInfo).port));
} else if (process.argv[1]?.endsWith('notifier-cpu.ts')) {
  await main();
}
