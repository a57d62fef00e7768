// Section 6: each handler bundled the way the CDK stack bundles it (NodejsFunction in lib/chat-functions.ts: ESM,
// minified, source map without sources, the AWS SDK bundled, the runtime's Node target, the require banner), its
// size, and the time a fresh Node process takes to import it (module-scope wiring included: config, clients).
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  CHAT_FUNCTION_NAMES,
  CHAT_RUNTIME,
  ESM_REQUIRE_BANNER,
  LAMBDA_CREDENTIALS_ALIAS,
  type ChatFunctionName,
} from '../../lib/chat-functions.js';
import { progress } from '../lib/progress.js';
import { spread, type Spread } from '../lib/stats.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ESBUILD = join(REPO_ROOT, 'node_modules', 'esbuild', 'bin', 'esbuild');
export const BUNDLE_DIR = join(REPO_ROOT, 'bench', 'tmp', 'bundles');

/** What the deployed functions see (lib/chat-functions.ts), with placeholder values. */
export const HANDLER_ENV: NodeJS.ProcessEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  TABLE_NAME: 'bench-chat',
  // The redelivery handler needs it at load (SQS events name no API).
  MANAGEMENT_ENDPOINT: 'https://bench.execute-api.us-east-1.amazonaws.com/bench',
  USER_POOL_ID: 'us-east-1_Bench1234',
  USER_POOL_CLIENT_ID: 'bench-client',
  POWERTOOLS_SERVICE_NAME: 'chat',
  POWERTOOLS_METRICS_NAMESPACE: 'ServerlessChat',
  POWERTOOLS_LOG_LEVEL: 'WARN',
};

export interface BundleRow {
  handler: ChatFunctionName;
  /** 'as deployed', or a variant measured to show what a change would do. */
  variant: string;
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** import() of the bundle in a fresh process: wall time, and the process's CPU time (robust to a busy machine). */
  loadMs: Spread;
  loadCpuMs: Spread;
  /** The same with NODE_OPTIONS=--enable-source-maps, as the stack deploys it. */
  loadWithSourceMapsMs: Spread;
  /** Spawn to exit of that fresh process (Node's own start included). */
  processMs: Spread;
  /** Bytes of the bundle by package (esbuild's metafile), largest first. */
  packages: Array<{ name: string; bytes: number }>;
}

export interface ColdStartResults {
  target: string;
  nodeVersion: string;
  rows: BundleRow[];
  /** Where one import of the message bundle spends its time (a CPU profile, sampled every 100 µs). */
  messageProfile?: ImportProfile;
}

export interface ImportProfile {
  /** V8 compiling the module's source. */
  compileMs: number;
  /** Running the bundle's own code: module-scope statements of the SDK, Powertools, zod and the wiring. */
  bundleCodeMs: number;
  /** Everything else sampled: Node's loader, garbage collection, idle. */
  otherMs: number;
}

/** esbuild's arguments, as aws-lambda-nodejs builds them for the stack's bundling options. */
export function esbuildArgs(handler: ChatFunctionName, outfile: string, externalSdk = false): string[] {
  return [
    // bundleAwsSDK: false would leave the SDK to the runtime (aws-lambda-nodejs's default externals).
    ...(externalSdk ? ['--external:@aws-sdk/*', '--external:@smithy/*'] : []),
    '--bundle',
    join(REPO_ROOT, 'lambdas', 'handlers', `${handler}.ts`),
    `--target=${nodeTarget()}`,
    '--platform=node',
    '--format=esm',
    `--outfile=${outfile}`,
    '--minify',
    '--sourcemap',
    '--sources-content=false',
    `--banner:js=${ESM_REQUIRE_BANNER}`,
    '--main-fields=module,main',
    // CHAT_BUNDLING's esbuildArgs (resolved from REPO_ROOT, the working directory of run()).
    `--alias:${LAMBDA_CREDENTIALS_ALIAS}`,
    '--legal-comments=none',
    '--log-level=warning',
    `--metafile=${outfile}.meta.json`,
  ];
}

function nodeTarget(): string {
  const match = /nodejs(\d+)/.exec(CHAT_RUNTIME.name);
  if (!match) throw new Error(`cold start: cannot read a Node version from runtime ${CHAT_RUNTIME.name}`);
  return `node${match[1]}`;
}

export async function runColdStart(options: { runs: number }): Promise<ColdStartResults> {
  await rm(BUNDLE_DIR, { recursive: true, force: true });
  const rows: BundleRow[] = [];
  const builds: Array<{ handler: ChatFunctionName; variant: string; externalSdk: boolean }> = [
    ...CHAT_FUNCTION_NAMES.map((handler) => ({ handler, variant: 'as deployed', externalSdk: false })),
    { handler: 'message', variant: 'AWS SDK left to the runtime', externalSdk: true },
  ];
  for (const { handler, variant, externalSdk } of builds) {
    const folder = join(BUNDLE_DIR, externalSdk ? `${handler}-external-sdk` : handler);
    const outfile = join(folder, 'index.mjs');
    await mkdir(folder, { recursive: true });
    await run(ESBUILD, esbuildArgs(handler, outfile, externalSdk), {});
    const code = await readFile(outfile);
    const sourceMap = await stat(`${outfile}.map`);
    const packages = packagesOf(JSON.parse(await readFile(`${outfile}.meta.json`, 'utf8')) as Metafile);
    const load: number[] = [];
    const loadCpu: number[] = [];
    const loadMapped: number[] = [];
    const processTimes: number[] = [];
    // One unmeasured import first: the file system cache is warm for every measured one alike.
    await importInFreshProcess(outfile, false);
    for (let index = 0; index < options.runs; index++) {
      const plain = await importInFreshProcess(outfile, false);
      load.push(plain.loadMs);
      loadCpu.push(plain.loadCpuMs);
      processTimes.push(plain.processMs);
      loadMapped.push((await importInFreshProcess(outfile, true)).loadMs);
    }
    const row: BundleRow = {
      handler,
      variant,
      bytes: code.byteLength,
      gzipBytes: gzipSync(code, { level: 9 }).byteLength,
      sourceMapBytes: sourceMap.size,
      loadMs: spread(load),
      loadCpuMs: spread(loadCpu),
      loadWithSourceMapsMs: spread(loadMapped),
      processMs: spread(processTimes),
      packages,
    };
    rows.push(row);
    progress(
      `  ${handler} (${variant}): ${(row.bytes / 1024).toFixed(0)} KB, loads in ${row.loadMs.median.toFixed(0)} ms (${row.loadWithSourceMapsMs.median.toFixed(0)} ms with source maps)`,
    );
  }
  const messageProfile = await profileImport(join(BUNDLE_DIR, 'message', 'index.mjs'));
  progress(
    `  message bundle import profile: ${messageProfile.compileMs.toFixed(0)} ms compiling, ${messageProfile.bundleCodeMs.toFixed(0)} ms running its top-level code`,
  );
  return { target: nodeTarget(), nodeVersion: process.version, rows, messageProfile };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** One import under --cpu-prof: the sampled time split into compiling, the bundle's own code, and the rest. */
async function profileImport(file: string): Promise<ImportProfile> {
  const folder = await mkdtemp(join(tmpdir(), 'bench-profile-'));
  try {
    const script = `await import(${JSON.stringify(pathToFileURL(file).href)});`;
    await run(
      process.execPath,
      ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${folder}`, '--input-type=module', '-e', script],
      HANDLER_ENV,
    );
    const [name] = (await readdir(folder)).filter((entry) => entry.endsWith('.cpuprofile'));
    const profile = JSON.parse(await readFile(join(folder, name!), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    const split = { compileMs: 0, bundleCodeMs: 0, otherMs: 0 };
    profile.samples.forEach((id, index) => {
      const { functionName, url } = nodes.get(id)!.callFrame;
      const ms = profile.timeDeltas[index]! / 1000;
      if (url.endsWith('index.mjs')) split.bundleCodeMs += ms;
      else if (/compile/i.test(functionName)) split.compileMs += ms;
      else split.otherMs += ms;
    });
    return split;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

interface Metafile {
  outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
}

/** Output bytes by npm package (or by source folder for the project's own code). */
export function packagesOf(metafile: Metafile): Array<{ name: string; bytes: number }> {
  const bytes = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const name = match
        ? match[1]!
        : input
            .replace(/^(\.\.\/)+/, '')
            .split('/')
            .slice(0, 2)
            .join('/');
      bytes.set(name, (bytes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...bytes.entries()].map(([name, size]) => ({ name, bytes: size })).sort((a, b) => b.bytes - a.bytes);
}

async function importInFreshProcess(
  file: string,
  sourceMaps: boolean,
): Promise<{ loadMs: number; loadCpuMs: number; processMs: number }> {
  const script = [
    'const cpu = process.cpuUsage();',
    'const begin = performance.now();',
    `const module = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const loadMs = performance.now() - begin;',
    'const used = process.cpuUsage(cpu);',
    "if (typeof module.handler !== 'function') throw new Error('no handler export');",
    'process.stdout.write(JSON.stringify({ loadMs, loadCpuMs: (used.user + used.system) / 1000 }));',
  ].join('\n');
  const begin = performance.now();
  const output = await run(process.execPath, ['--input-type=module', '-e', script], {
    ...HANDLER_ENV,
    ...(sourceMaps && { NODE_OPTIONS: '--enable-source-maps' }),
  });
  const processMs = performance.now() - begin;
  const measured = JSON.parse(output) as { loadMs: number; loadCpuMs: number };
  return { ...measured, processMs };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    // A clean environment: the bench's own NODE_OPTIONS (tsx's loader) must not reach the measured process.
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args[0]} exited with ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}
