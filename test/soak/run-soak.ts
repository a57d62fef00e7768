// `npm run soak`: the full soak on the local stack. 1,000 connections in 100 rooms, 10,000 messages from every
// connection at once, a tenth of the clients dropping for 2 s of every 15 s; prints the figures and exits 1 when any
// delivery check failed. `--small` runs the size that npm test runs; `--json <file>` also writes the report;
// `--in-process` keeps the stack in this process (as the test does).
import { writeFile } from 'node:fs/promises';
import { FULL_SOAK, SMALL_SOAK } from './lib/presets.js';
import { describeReport, runSoak } from './lib/soak.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = args.includes('--small') ? SMALL_SOAK : FULL_SOAK;
  const jsonIndex = args.indexOf('--json');
  const started = Date.now();
  const report = await runSoak({
    ...options,
    // The stack gets a process (and so a core) of its own; the clients stay here.
    stackProcess: !args.includes('--in-process'),
    log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`),
  });
  console.log(describeReport(report));
  if (jsonIndex >= 0 && args[jsonIndex + 1]) await writeFile(args[jsonIndex + 1]!, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
