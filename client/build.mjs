// Builds the client SDK: an ESM bundle with declarations for the package (client/dist), and a browser bundle for
// the local stack's demo page (local/public/vendor/chat-client.js). `npm run build` runs it with no arguments.
//   --demo-only   only the demo page's bundle (what the browser test needs; no declarations, quick)
//   --out <dir>   write <dir>/dist and <dir>/vendor instead (the build test checks a build of its own there)
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { 'demo-only': { type: 'boolean' }, out: { type: 'string' } } });
const out = args.out ? resolve(args.out) : undefined;
const dist = out ? join(out, 'dist') : join(root, 'client/dist');
const demoBundle = out ? join(out, 'vendor/chat-client.js') : join(root, 'local/public/vendor/chat-client.js');

const common = {
  entryPoints: [join(root, 'client/src/index.ts')],
  bundle: true,
  format: 'esm',
  // Browsers, React Native (Hermes) and Node 20: nothing newer than ES2020 is needed.
  target: 'es2020',
  // The neutral platform resolves no Node built-in: one imported by mistake fails the build.
  platform: 'neutral',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

await build({ ...common, outfile: demoBundle });
if (!args['demo-only']) {
  rmSync(dist, { recursive: true, force: true });
  await build({ ...common, outfile: join(dist, 'index.js') });
  // Declarations: tsc emits the SDK's and the protocol types it re-exports under dist/types; index.d.ts points there.
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'client/tsconfig.json'), '--outDir', join(dist, 'types')], {
    stdio: 'inherit',
  });
  mkdirSync(dist, { recursive: true });
  writeFileSync(join(dist, 'index.d.ts'), "export * from './types/client/src/index.js';\n");
}
