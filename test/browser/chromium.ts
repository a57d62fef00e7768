// The headless Chromium the browser tests drive. By default the one @sparticuz/chromium ships inside its npm
// package, so a fresh clone needs nothing installed by hand and no root; CHAT_TEST_CHROMIUM names another
// executable instead (Debian's: CHAT_TEST_CHROMIUM=/usr/bin/chromium).
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createBrotliDecompress } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

// Without the background-networking flags Chromium keeps trying to reach Google's hosts, which a closed network
// refuses; --no-sandbox lets it run as root (CI) as well as any other user.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHAT_TEST_CHROMIUM?.trim() || (await packagedChromium());
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/**
 * Unpacks the package's brotli-compressed binary once per package version under node_modules/.cache. The package's
 * own `executablePath()` unpacks to a fixed /tmp/chromium and reuses whatever is there, which on a shared machine
 * may be another version's or a file a killed run left half-written; here the file appears only complete (rename).
 */
async function packagedChromium(): Promise<string> {
  const packageDir = dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const dir = fileURLToPath(new URL(`../../node_modules/.cache/sparticuz-chromium-${version}/`, import.meta.url));
  const executable = join(dir, 'chromium');
  if (existsSync(executable)) return executable;
  await mkdir(dir, { recursive: true });
  const partial = `${executable}.${process.pid}.partial`;
  try {
    await pipeline(
      createReadStream(join(packageDir, 'bin/chromium.br')),
      createBrotliDecompress(),
      createWriteStream(partial, { mode: 0o755 }),
    );
    await rename(partial, executable);
  } finally {
    await rm(partial, { force: true });
  }
  return executable;
}
