// What a bench run measured, and the report made of it: shared by the report's sections.
import type { CapacityResults } from '../capacity/capacity-bench.js';
import type { ColdStartResults } from '../cold-start/cold-start.js';
import type { FanOutRateResults } from '../fanout/invocation-rate.js';
import type { LocalCapacityResults } from '../fanout/local-stack-capacity.js';
import type { LocalStackResults } from '../fanout/local-stack-fanout.js';
import type { SplitFanOutResults } from '../fanout/split-fanout.js';
import type { Machine } from '../lib/machine.js';
import type { MeasuredCpu } from '../cost/function-sizing.js';

export interface BenchResults {
  date: string;
  startedAt: string;
  durationS: number;
  quick: boolean;
  runs: number;
  command: string;
  machineStart: Machine;
  machineEnd: Machine;
  localStack?: LocalStackResults;
  /** Section 1's latencies again, with the handlers posting through the AWS SDK's management client. */
  localStackSdkClientPosts?: LocalStackResults;
  /** Section 7: deliveries per second under a burst, handlers on the gateway's loop and on their own thread. */
  localCapacity?: LocalCapacityResults;
  capacity?: CapacityResults;
  rate?: FanOutRateResults;
  coldStart?: ColdStartResults;
  /** Section 8: the CPU the functions' memory is sized from, by the model in bench/cost/function-sizing.ts. */
  sizing?: { cpu: MeasuredCpu; postsPerSecond: Record<string, number> };
  /** Section 9: one message to rooms of 1,000 to 50,000, inline and split across workers. */
  splitFanOut?: SplitFanOutResults;
}

export interface RenderedReport {
  markdown: string;
  charts: Array<{ file: string; svg: string }>;
}
