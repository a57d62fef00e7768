// Where a thread's CPU time went, from a V8 .cpuprofile (node --cpu-prof): self time summed by the part of the
// stack the code belongs to (dynalite, the AWS SDK, ws, Node's HTTP and sockets, the handlers, the gateway ...).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ThreadProfile {
  file: string;
  /** Sampled time, idle included. */
  totalMs: number;
  /** Sampled time not idle. */
  busyMs: number;
  /** Busy time by part, largest first; share is of busyMs. */
  parts: Array<{ part: string; ms: number; share: number }>;
}

export interface ProfileSummary {
  threads: ThreadProfile[];
}

/** Ordered: the first rule whose pattern matches the script URL (or the function name, for V8's own entries) wins. */
const PARTS: ReadonlyArray<readonly [part: string, pattern: RegExp]> = [
  ['idle', /^\(idle\)$/],
  ['garbage collection', /^\(garbage collector\)$/],
  ['V8 and native code (program)', /^\(program\)$/],
  [
    'dynalite and LevelDB',
    /node_modules\/(dynalite|level|memory-level|abstract-level|classic-level|functional-red-black-tree|lock|big\.js|lazy)\//,
  ],
  [
    'AWS SDK (clients, signing, serialization)',
    /node_modules\/(@aws-sdk|@smithy|@aws-crypto|fast-xml-parser|bowser|tslib)\//,
  ],
  ['Powertools logger and metrics', /node_modules\/@aws-lambda-powertools\//],
  ['JWT verification', /node_modules\/aws-jwt-verify\//],
  ['ws (WebSocket framing)', /node_modules\/ws\//],
  ['tsx / esbuild (loading TypeScript)', /node_modules\/(tsx|esbuild|get-tsconfig)\//],
  ['other packages', /node_modules\//],
  ['handlers and chat code (lambdas/)', /\/lambdas\//],
  ['local stack: gateway, management API (local/)', /\/local\//],
  ['bench harness', /\/bench\//],
  ['Node HTTP', /^node:(_http|http|internal\/http)/],
  ['Node crypto (dev keys, token signatures, SigV4 hashes)', /^node:(crypto|internal\/crypto)/],
  ['module loading (startup)', /^node:internal\/(modules|deps\/cjs-module-lexer)/],
  ['Node sockets and streams', /^node:(net|internal\/(stream|streams|net|tcp_wrap|socket)|stream)/],
  [
    'Node timers, promises, events',
    /^node:(internal\/(timers|process\/task_queues|async_hooks|event_target)|events|timers)/,
  ],
  ['Node, other', /^node:/],
];

function partOf(frame: ProfileNode['callFrame']): string {
  const key = frame.url || frame.functionName;
  for (const [part, pattern] of PARTS) if (pattern.test(key)) return part;
  return frame.url ? 'other' : 'native (V8 built-ins, microtasks, socket writes)';
}

export async function summarizeCpuProfile(file: string): Promise<ThreadProfile> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const partById = new Map(profile.nodes.map((node) => [node.id, partOf(node.callFrame)]));
  const micros = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const part = partById.get(id) ?? 'other';
    micros.set(part, (micros.get(part) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const totalMs = [...micros.values()].reduce((sum, value) => sum + value, 0) / 1000;
  const busyMs = totalMs - (micros.get('idle') ?? 0) / 1000;
  const parts = [...micros]
    .filter(([part]) => part !== 'idle')
    .map(([part, value]) => ({ part, ms: value / 1000, share: busyMs > 0 ? value / 1000 / busyMs : 0 }))
    .sort((a, b) => b.ms - a.ms);
  return { file: basename(file), totalMs, busyMs, parts };
}

export async function summarizeCpuProfiles(files: readonly string[]): Promise<ProfileSummary> {
  const threads = await Promise.all(files.map((file) => summarizeCpuProfile(file)));
  return { threads: threads.sort((a, b) => b.busyMs - a.busyMs) };
}
