// `npm start` when it cannot start for a reason the user can fix: a second stack on the same data folder, a data
// folder that cannot be written, a port already taken. Each is one clear message, exit status 1 and no stack trace.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStartedProcesses, runStackProcess, startMainProcess, type StackProcess } from './support/stack-process.js';

/** Runs local/main.ts to its exit; it must not get as far as being ready. */
async function failedStart(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const started = startMainProcess(args, env);
  try {
    const { code } = await started.exited;
    return { code, ...started.output() };
  } finally {
    started.kill();
  }
}

function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at /m);
  expect(text).not.toContain('Database is closed');
}

describe('npm start that cannot start', () => {
  let folder: string;
  let first: StackProcess;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'chat-two-stacks-'));
    first = await runStackProcess([], { CHAT_DATA_DIR: folder });
  }, 60_000);

  afterAll(async () => {
    killStartedProcesses();
    await rm(folder, { recursive: true, force: true });
  });

  it('says the data folder is in use by another stack, and what to do instead, when a second stack shares it', async () => {
    const second = await failedStart([], { CHAT_DATA_DIR: folder });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`the data folder ${folder} is in use by another local stack`);
    expect(second.stderr).toContain('--in-memory');
    expect(second.stderr).toContain('CHAT_DATA_DIR');
    expectNoStackTrace(second.stderr);
    expect(second.stdout).not.toContain('ready');
    // The first stack is unharmed: it still hands out tokens and accepts them.
    expect(await first.token('still-there')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  }, 60_000);

  it('says the port is in use when it is, and exits 1', async () => {
    const port = new URL(first.httpUrl).port;
    const second = await failedStart(['--in-memory'], { PORT: port });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`port ${port} is in use`);
    expect(second.stderr).toContain('PORT=0');
    expectNoStackTrace(second.stderr);
  }, 60_000);

  it('says the data folder cannot be written when a file stands where it should be, and exits 1', async () => {
    const file = join(folder, 'not-a-folder');
    await writeFile(file, 'a file, not a folder');
    const dataDir = join(file, 'data');
    const second = await failedStart([], { CHAT_DATA_DIR: dataDir });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`The data folder ${dataDir} cannot be created or written (ENOTDIR)`);
    expect(second.stderr).toContain('--in-memory');
    expectNoStackTrace(second.stderr);
  }, 60_000);

  it('starts the second stack once the first one has stopped', async () => {
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    const second = await runStackProcess([], { CHAT_DATA_DIR: folder });
    try {
      expect(await second.token('after')).toMatch(/\./);
      expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      second.kill();
    }
  }, 60_000);
});
