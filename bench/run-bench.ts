// npm run bench [-- --quick] [-- --only=1,2,5,6,7,8,9] [-- --profile] [-- --out=<folder>] [-- --render=<results.json>]
// Runs the benchmark sections, shows progress on stderr, and writes the dated Markdown report and its SVG charts.
// Each run also keeps its raw measurements in bench/tmp/results-<date>.json; --render rewrites a report from them.
// Sections 2, 3 and 4 come together (the comparison and the cost model are computed from section 2's run).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCapacityBench, ROOM_SIZES, TOTAL_CONNECTIONS } from './capacity/capacity-bench.js';
import { runColdStart } from './cold-start/cold-start.js';
import { measureFunctionCpu } from './cost/function-cpu.js';
import { runInvocationRate } from './fanout/invocation-rate.js';
import { measurePostCpu } from './fanout/notifier-cpu.js';
import { ISSUE_BURST, runLocalStackCapacity, STACK_VARIANTS } from './fanout/local-stack-capacity.js';
import { runLocalStackFanOut } from './fanout/local-stack-fanout.js';
import { runSplitFanOut } from './fanout/split-fanout.js';
import { describeMachine } from './lib/machine.js';
import { progress, step } from './lib/progress.js';
import { startWorker } from './lib/worker-process.js';
import { renderReport, type BenchResults } from './report/render-report.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Options {
  quick: boolean;
  /** Section 7 also profiles one burst per placement (node --cpu-prof, into bench/tmp/profiles/). */
  profile: boolean;
  sections: Set<number>;
  out: string;
  render?: string;
}

const SECTIONS = [1, 2, 5, 6, 7, 8, 9];

/** Section 9's management API throttle: API Gateway's 10,000 a second scaled to what two shared cores can reach. */
const SPLIT_FANOUT_THROTTLE_RPS = 2_000;
/** ...and once more at a throttle the two worker threads do reach, to show what it does to a large room. */
const SPLIT_FANOUT_LOW_THROTTLE_RPS = 300;

function parseArgs(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const only = argv.find((arg) => arg.startsWith('--only='));
  const out = argv.find((arg) => arg.startsWith('--out='));
  const render = argv.find((arg) => arg.startsWith('--render='));
  const known = ['--only=', '--out=', '--render='];
  const unknown = argv.filter(
    (arg) => arg !== '--quick' && arg !== '--profile' && !known.some((prefix) => arg.startsWith(prefix)),
  );
  if (unknown.length > 0) {
    throw new Error(
      `bench: unknown argument ${unknown.join(' ')} (use --quick, --only=1,2,5,6,7,8,9, --profile, --out=<folder>, --render=<results.json>)`,
    );
  }
  const sections = new Set(only ? only.slice('--only='.length).split(',').map(Number) : SECTIONS);
  for (const section of sections) {
    if (!SECTIONS.includes(section))
      throw new Error(`bench: --only takes sections 1, 2, 5, 6, 7, 8 and 9 (3 and 4 come with 2), not ${section}`);
  }
  return {
    quick,
    profile: argv.includes('--profile'),
    sections,
    out: out ? out.slice('--out='.length) : join(REPO_ROOT, quick ? 'bench/tmp/results-quick' : 'bench/results'),
    ...(render && { render: render.slice('--render='.length) }),
  };
}

async function writeReport(results: BenchResults, out: string): Promise<void> {
  const report = renderReport(results);
  await mkdir(out, { recursive: true });
  const reportFile = join(out, `${results.date}.md`);
  await writeFile(reportFile, report.markdown);
  for (const chart of report.charts) await writeFile(join(out, chart.file), chart.svg);
  progress(`report written: ${relative(REPO_ROOT, reportFile)} (+ ${report.charts.length} charts)`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.render) {
    const saved = JSON.parse(await readFile(options.render, 'utf8')) as BenchResults;
    await writeReport(saved, options.out);
    return;
  }
  const runs = options.quick ? 2 : 5;
  const startedAt = new Date();
  const began = performance.now();
  const machineStart = describeMachine();
  progress(
    `${options.quick ? 'quick' : 'full'} run, ${runs} runs per figure, sections ${[...options.sections].join(', ')}; ${machineStart.cpuModel}, ${machineStart.cores} cores, load ${machineStart.loadAverage.join(' ')}`,
  );
  const results: BenchResults = {
    date: startedAt.toISOString().slice(0, 10),
    startedAt: startedAt.toISOString(),
    durationS: 0,
    quick: options.quick,
    runs,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machineStart,
    machineEnd: machineStart,
  };

  if (options.sections.has(2) || options.sections.has(5)) {
    const services = await step('starting dynalite and the 10 ms management API', () =>
      startWorker(new URL('./workers/services-worker.ts', import.meta.url)),
    );
    try {
      if (options.sections.has(2)) {
        results.capacity = await step('sections 2-3: DynamoDB capacity, and the scan design side by side', () =>
          runCapacityBench({
            dynamoEndpoint: services.info.dynamoEndpoint as string,
            managementEndpoint: services.info.managementEndpoint as string,
            managementDelayMs: Number(services.info.delayMs),
            runs,
            roomSizes: options.quick ? [2, 10, 100] : ROOM_SIZES,
            totals: options.quick ? [500, 2000] : TOTAL_CONNECTIONS,
          }),
        );
      }
      if (options.sections.has(5)) {
        results.rate = await step('section 5: fan-out rate of one invocation', () =>
          runInvocationRate({ services, runs, recipients: options.quick ? [1000] : [1000, 5000] }),
        );
      }
    } finally {
      await services.stop();
    }
  }
  if (options.sections.has(1)) {
    results.localStack = await step('section 1: fan-out on the local stack with WebSocket clients', () =>
      runLocalStackFanOut({
        roomSizes: options.quick ? [10, 100] : [10, 100, 1000],
        runs,
        // 100 a run puts each run's p99 on its second-largest sample rather than its largest.
        messagesPerRun: (size) => (options.quick ? 5 : size >= 1000 ? 20 : 100),
        throughputRooms: options.quick ? [100] : [100, 1000],
        throughputSeconds: options.quick ? 2 : 5,
        senders: 10,
      }),
    );
    // The same latencies with the handlers posting through the AWS SDK client: what its per-call work costs.
    results.localStackSdkClientPosts = await step(
      'section 1: the same with posts by the AWS SDK client instead of the lean path',
      () =>
        runLocalStackFanOut({
          roomSizes: [10, 100],
          runs,
          messagesPerRun: () => (options.quick ? 5 : 100),
          throughputRooms: [],
          throughputSeconds: 0,
          senders: 1,
          poster: 'sdk-client',
        }),
    );
  }
  if (options.sections.has(7)) {
    results.localCapacity = await step('section 7: capacity of the local stack under a burst', () =>
      runLocalStackCapacity({
        shape: options.quick ? { ...ISSUE_BURST, users: 100, rooms: 10 } : ISSUE_BURST,
        runs: options.quick ? 1 : 3,
        variants: STACK_VARIANTS,
        ...(options.profile && {
          profileDir: join(REPO_ROOT, 'bench', 'tmp', 'profiles', startedAt.toISOString().replace(/[:.]/g, '-')),
        }),
      }),
    );
  }
  if (options.sections.has(9)) {
    // Its own services: the same 10 ms management API, throttled (see bench/fanout/split-fanout.ts).
    const throttled = await step('starting dynalite and the throttled 10 ms management API', () =>
      startWorker(new URL('./workers/services-worker.ts', import.meta.url), {
        env: { BENCH_MANAGEMENT_RPS: String(SPLIT_FANOUT_THROTTLE_RPS) },
      }),
    );
    try {
      results.splitFanOut = await step('section 9: rooms of any size, inline against workers', () =>
        runSplitFanOut({
          services: throttled,
          roomSizes: options.quick ? [1_000, 5_000] : [1_000, 10_000, 50_000],
          workers: 2,
          throttled: { size: options.quick ? 1_000 : 10_000, rps: SPLIT_FANOUT_LOW_THROTTLE_RPS },
        }),
      );
    } finally {
      await throttled.stop();
    }
  }
  if (options.sections.has(6)) {
    results.coldStart = await step('section 6: bundles and cold start', () =>
      runColdStart({ runs: options.quick ? 2 : 10 }),
    );
  }

  if (options.sections.has(8)) {
    results.sizing = await step('section 8: function memory from measured CPU', async () => {
      const lean = await measurePostCpu('lean', runs, options.quick ? 1000 : 5000);
      const sdk = await measurePostCpu('sdk-tuned', runs, options.quick ? 1000 : 5000);
      const loadCpuMs = Object.fromEntries(
        (results.coldStart?.rows ?? [])
          .filter((row) => row.variant === 'as deployed')
          .map((row) => [row.handler, row.loadCpuMs.median]),
      );
      const functions = await measureFunctionCpu(options.quick ? 10 : 40);
      return {
        cpu: { ...functions, cpuPerPostUs: Math.round(lean.cpuMicrosPerPost), loadCpuMs },
        postsPerSecond: { lean: lean.postsPerSecond, 'SDK client': sdk.postsPerSecond },
      };
    });
  }

  results.machineEnd = describeMachine();
  results.durationS = (performance.now() - began) / 1000;
  await mkdir(join(REPO_ROOT, 'bench', 'tmp'), { recursive: true });
  await writeFile(
    join(REPO_ROOT, 'bench', 'tmp', `results-${results.date}${options.quick ? '-quick' : ''}.json`),
    JSON.stringify(results, null, 1),
  );
  await writeReport(results, options.out);
  progress(`done in ${(results.durationS / 60).toFixed(1)} minutes`);
}

main().then(
  // Worker processes and sockets are closed; anything left (an SDK agent's idle socket) must not keep the run alive.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
