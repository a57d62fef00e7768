// Builds the client SDK: an ESM bundle with declarations for the package (client/dist), and a browser bundle
// for the local stack's demo page (local/public/vendor). Run with `npm run build`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'client/src/index.ts');
const dist = join(root, 'client/dist');

const common = {
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  // Browsers, React Native (Hermes) and Node 20: nothing newer than ES2020 is needed.
  target: 'es2020',
  // No Node built-ins may sneak in: the neutral platform makes any such import fail the build.
  platform: 'neutral',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(dist, { recursive: true, force: true });
await build({ ...common, outfile: join(dist, 'index.js') });
await build({ ...common, outfile: join(root, 'local/public/vendor/chat-client.js') });

// Declarations: tsc emits the SDK's and the protocol types it re-exports under dist/types; index.d.ts points there.
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'client/tsconfig.json')], {
  stdio: 'inherit',
});
mkdirSync(dist, { recursive: true });
writeFileSync(join(dist, 'index.d.ts'), "export * from './types/client/src/index.js';\n");
