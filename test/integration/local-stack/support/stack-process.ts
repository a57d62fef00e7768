// `npm start` as a user runs it: local/main.ts in a process of its own (through tsx), its output collected, its
// endpoints read from the ready message. For the tests of what main.ts itself does: exit statuses, messages, signals.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = 'local/main.ts';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StackProcess {
  wsUrl: string;
  httpUrl: string;
  /** Everything written so far. */
  output(): { stdout: string; stderr: string };
  /** A dev token from the process's own /dev/token. */
  token(sub: string): Promise<string>;
  /** Sends the signal and waits for the process to exit. */
  stop(signal: NodeJS.Signals): Promise<ProcessExit>;
  /** SIGKILL if still running (for finally blocks). */
  kill(): void;
}

export interface StartedProcess {
  exited: Promise<ProcessExit>;
  output(): { stdout: string; stderr: string };
  signal(signal: NodeJS.Signals): void;
  kill(): void;
  /** Resolves with the ready message's URLs, or null once the process exits without one. */
  ready: Promise<{ wsUrl: string; httpUrl: string } | null>;
}

const running = new Set<StartedProcess>();

/** SIGKILLs every process started here that is still running: for afterAll, so a timed-out test leaves none behind. */
export function killStartedProcesses(): void {
  for (const started of running) started.kill();
}

/** Starts local/main.ts with PORT=0 unless `env` says otherwise. */
export function startMainProcess(args: string[], env: NodeJS.ProcessEnv = {}): StartedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<{ wsUrl: string; httpUrl: string } | null>((resolve) => {
    const check = () => {
      const ws = /WebSocket: +(ws:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      const http = /Demo page: +(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (ws && http) resolve({ wsUrl: ws[1]!, httpUrl: http[1]! });
    };
    child.stdout.on('data', check);
    void exited.then(() => resolve(null));
  });
  const started: StartedProcess = {
    exited,
    ready,
    output: () => ({ stdout, stderr }),
    signal: (signal) => child.kill(signal),
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

/** Starts local/main.ts and waits until it is ready; fails with its output when it exits first. */
export async function runStackProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<StackProcess> {
  const started = startMainProcess(args, env);
  const urls = await started.ready;
  if (!urls)
    throw new Error(
      `local/main.ts exited before it was ready:\n${started.output().stdout}\n${started.output().stderr}`,
    );
  return {
    ...urls,
    output: started.output,
    kill: started.kill,
    async token(sub) {
      const response = await fetch(`${urls.httpUrl}/dev/token?sub=${encodeURIComponent(sub)}`);
      return ((await response.json()) as { token: string }).token;
    },
    stop(signal) {
      started.signal(signal);
      return started.exited;
    },
  };
}
