// A quick check of the four bundles as the CDK stack builds them (NodejsFunction with CHAT_BUNDLING from
// lib/chat-functions.ts, plus a metafile): size, largest packages, and the import time in fresh Node processes,
// with and without --enable-source-maps. `npx tsx bench/cold-start/bundle-load.ts [runs]` (default 7).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { CHAT_BUNDLING, CHAT_FUNCTION_NAMES, CHAT_RUNTIME } from '../../lib/chat-functions.js';
import { HANDLER_ENV, packagesOf } from './cold-start.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const runs = Number(process.argv[2] ?? 7);

const ENV: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...HANDLER_ENV, AWS_SESSION_TOKEN: 'bench' };

const outdir = mkdtempSync(join(tmpdir(), 'chat-bundles-'));
try {
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundles');
  const functions = CHAT_FUNCTION_NAMES.map((name) => {
    const fn = new NodejsFunction(stack, name, {
      entry: join(REPO_ROOT, 'lambdas', 'handlers', `${name}.ts`),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: CHAT_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      bundling: { ...CHAT_BUNDLING, metafile: true },
    });
    return [name, fn] as const;
  });
  const assembly = app.synth();
  const resources = assembly.getStackByName('Bundles').template.Resources as Record<string, any>;
  for (const [name, fn] of functions) {
    const key: string = resources[stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)].Properties.Code.S3Key;
    const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
    const file = join(dir, 'index.mjs');
    const bytes = statSync(file).size;
    const packages = packagesOf(JSON.parse(readFileSync(join(dir, 'index.meta.json'), 'utf8')))
      .slice(0, 8)
      .map((p) => `${p.name} ${(p.bytes / 1024).toFixed(1)}`)
      .join(', ');
    importOnce(file, false); // warms the file cache for every measured run alike
    const plain: number[] = [];
    const mapped: number[] = [];
    for (let run = 0; run < runs; run++) {
      plain.push(importOnce(file, false));
      mapped.push(importOnce(file, true));
    }
    console.log(
      `${name}: ${(bytes / 1024).toFixed(1)} KB, map ${(statSync(`${file}.map`).size / 1024).toFixed(1)} KB; ` +
        `load median ${median(plain).toFixed(0)} ms [${plain.map((v) => v.toFixed(0)).join(' ')}], ` +
        `with --enable-source-maps ${median(mapped).toFixed(0)} ms [${mapped.map((v) => v.toFixed(0)).join(' ')}]\n  ${packages}`,
    );
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}

function importOnce(file: string, sourceMaps: boolean): number {
  const script = `const t = performance.now(); const m = await import(${JSON.stringify(pathToFileURL(file).href)});
if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(performance.now() - t));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...ENV, NODE_OPTIONS: sourceMaps ? '--enable-source-maps' : '' },
  });
  if (result.status !== 0) throw new Error(`${file}: ${result.stderr}`);
  return Number(result.stdout);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
