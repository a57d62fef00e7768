// A scheduled function on the local stack, as an EventBridge rule runs one on AWS: the same handler, invoked with a
// "Scheduled Event" every `periodMs`, or, for a rule whose targets each hand the function an input of their own, once
// per input, all at once. Runs never overlap here (a run that outlasts the period delays the next one),
// which for the sweeper only means the local stack is a little gentler than AWS.
import type { Logger } from '../lambdas/chat/ports.js';

export interface LocalSchedule {
  /** Runs the function now (between two ticks), e.g. for a test that does not want to wait for the next one. */
  runNow(): Promise<void>;
  /** Stops the ticks and waits for the run in hand. */
  stop(): Promise<void>;
}

export interface LocalScheduleOptions {
  /** The rule's name, in the event's `resources` and in logs. */
  name: string;
  periodMs: number;
  region: string;
  invoke: (event: ScheduledEvent | object) => Promise<unknown>;
  /** The targets' inputs (as `RuleTargetInput.fromObject`): each tick invokes the function once with each. */
  inputs?: readonly object[];
  logger: Logger;
}

/** The event EventBridge hands a function its rule targets on a schedule. */
export interface ScheduledEvent {
  version: '0';
  id: string;
  'detail-type': 'Scheduled Event';
  source: 'aws.events';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, never>;
}

export function startLocalSchedule(options: LocalScheduleOptions): LocalSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let runs = 0;

  const eventNow = (): ScheduledEvent => ({
    version: '0',
    id: `local-${options.name}-${(runs += 1)}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString(),
    region: options.region,
    resources: [`arn:aws:events:${options.region}:000000000000:rule/${options.name}`],
    detail: {},
  });

  function run(): Promise<void> {
    running = running.then(async () => {
      if (stopped) return;
      const events = options.inputs ?? [eventNow()];
      const results = await Promise.allSettled(events.map((event) => options.invoke(event)));
      for (const result of results) {
        if (result.status === 'fulfilled') continue;
        // As on AWS: a failed run is logged (and alarmed on there); the next tick comes all the same.
        const error: unknown = result.reason;
        options.logger.warn('scheduled function failed', {
          rule: options.name,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    });
    return running;
  }

  function tick(): void {
    timer = setTimeout(() => {
      void run().then(() => {
        if (!stopped) tick();
      });
    }, options.periodMs);
    timer.unref();
  }
  tick();

  return {
    runNow: run,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
