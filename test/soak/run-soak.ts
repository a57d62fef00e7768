// `npm run soak`: the full soak on the local stack. 1,000 connections in 100 rooms, 10,000 messages from every
// connection at once, a tenth of the clients dropping for 2 s of every 15 s; prints the figures and exits 1 when any
// delivery check failed. `--small` runs the size that npm test runs; `--json <file>` also writes the report.
import { writeFile } from 'node:fs/promises';
import { describeReport, runSoak, type SoakOptions } from './lib/soak.js';

export const FULL_SOAK: Omit<SoakOptions, 'log'> = {
  rooms: 100,
  connections: 1_000,
  churningClients: 100,
  twoDeviceUsers: 50,
  messages: 10_000,
  sendPhaseMs: 60_000,
  maxInFlight: 100,
  churn: { downMs: 2_000, periodMs: 15_000 },
  connectConcurrency: 25,
  settleMs: 60_000,
};

export const SMALL_SOAK: Omit<SoakOptions, 'log'> = {
  rooms: 10,
  connections: 100,
  churningClients: 10,
  twoDeviceUsers: 5,
  messages: 1_000,
  sendPhaseMs: 16_000,
  maxInFlight: 40,
  churn: { downMs: 2_000, periodMs: 15_000 },
  connectConcurrency: 20,
  settleMs: 20_000,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = args.includes('--small') ? SMALL_SOAK : FULL_SOAK;
  const jsonIndex = args.indexOf('--json');
  const started = Date.now();
  const report = await runSoak({
    ...options,
    log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`),
  });
  console.log(describeReport(report));
  if (jsonIndex >= 0 && args[jsonIndex + 1]) await writeFile(args[jsonIndex + 1]!, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
