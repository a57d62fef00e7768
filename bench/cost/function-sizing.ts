// Lambda duration and cost against memory, from measured CPU: the model lib/chat-functions.ts sizes the functions
// by. Pure arithmetic, unit-tested in test/bench; the figures it is fed come from bench/fanout/notifier-cpu.ts (CPU
// per post) and bench/cost/function-cpu.ts (each function's own CPU, and per page of 100 subscribers).
//
// The model:
// - Lambda gives CPU in proportion to memory: 1,769 MB is one vCPU. A handler is one Node thread, so it never gets
//   more than one vCPU's worth: share = min(1, memory / 1769).
// - CPU work measured on one core of the build machine takes cpu / share there (the machine's core stands in for a
//   Lambda vCPU; an assumption, stated in the report).
// - Posts go out 50 at a time and each waits for the management API (10 ms assumed), so they cannot finish faster
//   than posts / 50 × 10 ms; CPU and waiting overlap, so the fan-out takes the larger of the two.
// - Each DynamoDB round trip the invocation waits for in turn (its sequential calls; later subscriber pages are read
//   while the current one is delivered) adds its latency on top.
// - Billing: GB-s = memory / 1024 × duration rounded up to the millisecond, plus a per-request price (arm64).
import { AWS_PRICES, type Prices } from './cost-model.js';

/** Lambda's memory at which a function has one full vCPU. */
export const ONE_VCPU_MB = 1_769;
/** The memory settings compared (Lambda takes any whole MB from 128 to 10,240). */
export const MEMORY_CHOICES_MB = [128, 256, 512, 768, 1024, 1280, 1536, 1769, 2048] as const;

export interface WorkShape {
  /** CPU ms on one full vCPU, everything but the posts. */
  cpuMs: number;
  /** CPU ms on one full vCPU to load the function's bundle: its cold start, once per execution environment. */
  initCpuMs?: number;
  /** Posts to connections (each delivery and the ack). */
  posts: number;
  /** DynamoDB round trips waited for one after another. */
  sequentialRoundTrips: number;
}

export interface SizingAssumptions {
  cpuPerPostUs: number;
  /** Posts in flight at once. */
  postsInFlight: number;
  /** The management API's answer time per post. */
  postLatencyMs: number;
  /** One DynamoDB round trip as the function waits for it. */
  dynamoRoundTripMs: number;
}

export const DEFAULT_ASSUMPTIONS: Omit<SizingAssumptions, 'cpuPerPostUs'> = {
  postsInFlight: 50,
  postLatencyMs: 10,
  dynamoRoundTripMs: 5,
};

export const cpuShareOf = (memoryMb: number): number => Math.min(1, memoryMb / ONE_VCPU_MB);

export interface Estimate {
  memoryMb: number;
  durationMs: number;
  /** Loading the bundle at this memory (a cold start's own CPU; undefined when not measured). */
  coldStartMs: number | undefined;
  /** What bounds the fan-out part: the CPU, or the posts' waiting with 50 in flight. */
  boundBy: 'cpu' | 'posts in flight';
  /** Dollars per invocation (duration and request). */
  cost: number;
}

export function estimate(
  work: WorkShape,
  memoryMb: number,
  assumptions: SizingAssumptions,
  prices: Prices = AWS_PRICES,
): Estimate {
  if (!(memoryMb >= 128)) throw new RangeError('estimate: Lambda memory is at least 128 MB');
  const cpuMs = (work.cpuMs + (work.posts * assumptions.cpuPerPostUs) / 1000) / cpuShareOf(memoryMb);
  const postsMs = Math.ceil(work.posts / assumptions.postsInFlight) * assumptions.postLatencyMs;
  const waitingMs = work.sequentialRoundTrips * assumptions.dynamoRoundTripMs;
  const durationMs = waitingMs + Math.max(cpuMs, postsMs);
  const gbSeconds = (memoryMb / 1024) * (Math.ceil(durationMs) / 1000);
  return {
    memoryMb,
    durationMs,
    coldStartMs: work.initCpuMs === undefined ? undefined : work.initCpuMs / cpuShareOf(memoryMb),
    boundBy: cpuMs >= postsMs ? 'cpu' : 'posts in flight',
    cost: gbSeconds * prices.lambdaPerGbSecond + prices.lambdaPerMillionRequests / 1e6,
  };
}

/** What the functions cost in CPU on one core of the build machine (bench/cost/function-cpu.ts). */
export interface MeasuredCpu {
  /** One post with 50 in flight (bench/fanout/notifier-cpu.ts). */
  cpuPerPostUs: number;
  /** Each function's bundle load, CPU ms (bench/cold-start); absent: cold starts are not weighed. */
  loadCpuMs?: Partial<Record<string, number>>;
  /** A sendMessage to a room of 2 (one subscriber page, one delivery), posts excluded. */
  messageBaseMs: number;
  /** Each further page of 100 subscribers (reading it and dispatching its posts), posts excluded. */
  pageMs: number;
  /** A user in 5 rooms of 10 connecting and disconnecting (presence announced), posts excluded; and their posts. */
  connectMs: number;
  connectPosts: number;
  disconnectMs: number;
  disconnectPosts: number;
  /** One RS256 ID token verified against the cached key set. */
  authorizerMs: number;
  /** A batch of 10 queued frames, posts excluded. */
  redeliveryBatchMs: number;
}

export const SUBSCRIBERS_PER_PAGE = 100;

/**
 * One message to a room of `subscribers` (the sender among them), fanned out inline by the message function:
 * the sender's batch read, the counter, the claim and the history item are waited for in turn, then the first page.
 */
export function messageWork(subscribers: number, cpu: MeasuredCpu): WorkShape {
  const pages = Math.max(1, Math.ceil(subscribers / SUBSCRIBERS_PER_PAGE));
  return {
    cpuMs: cpu.messageBaseMs + (pages - 1) * cpu.pageMs,
    posts: subscribers,
    sequentialRoundTrips: 5,
  };
}

export interface FunctionSizing {
  name: string;
  /** The workload the choice is made for, in words. */
  reference: string;
  work: WorkShape;
  chosenMb: number;
  estimates: Estimate[];
  why: string;
}

export interface ChoiceOptions {
  /** How much slower than the fastest setting is still "as fast": 10 %, or 5 ms for work of a few ms. */
  slack?: number;
  slackMs?: number;
  /** The quick choice may cost at most this many times the cheapest setting's cost per invocation. */
  costCeiling?: number;
  /** The longest a cold start's bundle load may take (functions someone waits for). */
  coldStartBudgetMs?: number;
  choices?: readonly number[];
}

/**
 * The rule: the smallest memory whose duration is as fast as the fastest setting's (within 10 % or 5 ms) for the
 * function's reference workload and whose cold start fits its budget, unless that costs more than `costCeiling`
 * (2×) the cheapest setting per invocation: then the cheapest within 2× of the fastest. CPU-bound work costs the
 * same GB-s at any memory up to one vCPU (half the CPU, twice the time), so speed is nearly free for it; waiting on
 * DynamoDB or the API, and the per-request price, are what more memory does not shorten.
 */
export function chooseMemory(
  work: WorkShape,
  assumptions: SizingAssumptions,
  options: ChoiceOptions = {},
): { chosenMb: number; estimates: Estimate[]; rule: string } {
  const slack = options.slack ?? 0.1;
  const slackMs = options.slackMs ?? 5;
  const costCeiling = options.costCeiling ?? 2;
  const budget = options.coldStartBudgetMs ?? Infinity;
  const estimates = (options.choices ?? MEMORY_CHOICES_MB).map((mb) => estimate(work, mb, assumptions));
  const fastest = Math.min(...estimates.map((e) => e.durationMs));
  const cheapest = Math.min(...estimates.map((e) => e.cost));
  const startsInTime = (e: Estimate) => (e.coldStartMs ?? 0) <= budget;
  const quick = estimates.find(
    (e) => e.durationMs <= Math.max(fastest * (1 + slack), fastest + slackMs) && startsInTime(e),
  );
  if (quick && quick.cost <= cheapest * costCeiling) {
    return { chosenMb: quick.memoryMb, estimates, rule: 'the smallest as fast as the fastest' };
  }
  const affordable = estimates
    .filter((e) => e.durationMs <= fastest * 2 && startsInTime(e))
    .sort((a, b) => a.cost - b.cost)[0];
  const chosen = affordable ?? estimates[estimates.length - 1]!;
  return { chosenMb: chosen.memoryMb, estimates, rule: 'the cheapest within 2× of the fastest' };
}

/** Each function's reference workload and the memory chosen for it. */
export function sizeFunctions(cpu: MeasuredCpu, assumptions = DEFAULT_ASSUMPTIONS): FunctionSizing[] {
  const full: SizingAssumptions = { ...assumptions, cpuPerPostUs: cpu.cpuPerPostUs };
  // Someone waits for a cold start of these: a handshake (authorizer, connect) or a message. Not for a disconnect
  // (the socket is gone) nor for a redelivery (its frame is late already).
  const coldStartBudgetMs: Record<string, number> = { message: 250, connect: 250, authorizer: 250 };
  const shapes: Array<{ name: string; reference: string; work: WorkShape }> = [
    { name: 'message', reference: 'one message to a room of 100', work: messageWork(100, cpu) },
    {
      name: 'connect',
      reference: `a user in 5 rooms of 10 (${cpu.connectPosts} presence posts)`,
      work: { cpuMs: cpu.connectMs, posts: cpu.connectPosts, sequentialRoundTrips: 6 },
    },
    {
      name: 'disconnect',
      reference: `the same user leaving (${cpu.disconnectPosts} presence posts)`,
      work: { cpuMs: cpu.disconnectMs, posts: cpu.disconnectPosts, sequentialRoundTrips: 5 },
    },
    {
      name: 'authorizer',
      reference: 'one ID token verified against the cached key set',
      work: { cpuMs: cpu.authorizerMs, posts: 0, sequentialRoundTrips: 0 },
    },
    {
      name: 'redelivery',
      reference: 'a batch of 10 queued frames',
      work: { cpuMs: cpu.redeliveryBatchMs, posts: 10, sequentialRoundTrips: 0 },
    },
  ];
  return shapes.map(({ name, reference, work: shape }) => {
    const initCpuMs = cpu.loadCpuMs?.[name];
    const work = initCpuMs === undefined ? shape : { ...shape, initCpuMs };
    const budget = coldStartBudgetMs[name];
    const { chosenMb, estimates, rule } = chooseMemory(work, full, budget ? { coldStartBudgetMs: budget } : {});
    return { name, reference, work, chosenMb, estimates, why: rule };
  });
}

/** The message function's duration and Lambda cost per million messages at each memory, for rooms of each size. */
export function messageTable(
  cpu: MeasuredCpu,
  roomSizes: readonly number[],
  memories: readonly number[] = MEMORY_CHOICES_MB,
  assumptions = DEFAULT_ASSUMPTIONS,
): Array<{ subscribers: number; estimates: Estimate[] }> {
  const full: SizingAssumptions = { ...assumptions, cpuPerPostUs: cpu.cpuPerPostUs };
  return roomSizes.map((subscribers) => ({
    subscribers,
    estimates: memories.map((mb) => estimate(messageWork(subscribers, cpu), mb, full)),
  }));
}
