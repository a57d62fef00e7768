// `npm run soak`: the full soak on the local stack. 1,000 connections in 100 rooms, 10,000 messages from every
// connection at once, a tenth of the clients dropping for 2 s of every 15 s; prints the figures and exits 1 when any
// delivery check failed. `--small` runs the size that npm test runs; `--heavy` 300 users x 2 devices in 40 rooms of
// 10, 2,000 messages at once; `--faults <share>` puts a proxy in front of @connections that times out, resets or
// answers 500 for that share of posts (e.g. 0.05); `--settle-s <s>` waits that long for late deliveries; `--json <file>` also writes the report; `--in-process` keeps the
// stack in this process (as the test does).
import { writeFile } from 'node:fs/promises';
import { FULL_SOAK, HEAVY_SOAK, SMALL_SOAK } from './lib/presets.js';
import { describeReport, runSoak } from './lib/soak.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = args.includes('--small') ? SMALL_SOAK : args.includes('--heavy') ? HEAVY_SOAK : FULL_SOAK;
  const jsonIndex = args.indexOf('--json');
  const faultIndex = args.indexOf('--faults');
  const faultShare = faultIndex >= 0 ? Number(args[faultIndex + 1]) : 0;
  if (!(faultShare >= 0 && faultShare < 1))
    throw new Error(`--faults: "${args[faultIndex + 1]}" must be a share from 0 to below 1`);
  const settleIndex = args.indexOf('--settle-s');
  const settleS = settleIndex >= 0 ? Number(args[settleIndex + 1]) : undefined;
  if (settleS !== undefined && !(settleS > 0))
    throw new Error(`--settle-s: "${args[settleIndex + 1]}" must be a number of seconds`);
  const started = Date.now();
  const report = await runSoak({
    ...options,
    ...(faultShare > 0 && { faultShare }),
    ...(settleS !== undefined && { settleMs: settleS * 1000 }),
    // The stack gets a process (and so a core) of its own; the clients stay here.
    stackProcess: !args.includes('--in-process'),
    log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`),
  });
  console.log(describeReport(report));
  if (jsonIndex >= 0 && args[jsonIndex + 1])
    await writeFile(args[jsonIndex + 1]!, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
