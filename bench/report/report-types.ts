// What a bench run measured, and the report made of it: shared by the report's sections.
import type { CapacityResults } from '../capacity/capacity-bench.js';
import type { ColdStartResults } from '../cold-start/cold-start.js';
import type { FanOutRateResults } from '../fanout/invocation-rate.js';
import type { LocalCapacityResults } from '../fanout/local-stack-capacity.js';
import type { LocalStackResults } from '../fanout/local-stack-fanout.js';
import type { SplitFanOutResults } from '../fanout/split-fanout.js';
import type { Machine } from '../lib/machine.js';

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
  /** Section 1's latencies again, with the handlers posting by hand-signed node:http requests. */
  localStackSignedPosts?: LocalStackResults;
  /** Section 7: deliveries per second under a burst, handlers on the gateway's loop and on their own thread. */
  localCapacity?: LocalCapacityResults;
  capacity?: CapacityResults;
  rate?: FanOutRateResults;
  coldStart?: ColdStartResults;
  /** Section 8: one message to rooms of 1,000 to 50,000, inline and split across workers. */
  splitFanOut?: SplitFanOutResults;
}

export interface RenderedReport {
  markdown: string;
  charts: Array<{ file: string; svg: string }>;
}
