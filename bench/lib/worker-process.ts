// Runs a bench worker (a TypeScript module) in its own Node process and talks to it by request and reply over
// IPC. Services the measured code calls (dynalite, the delayed management API, the local stack) live in workers so
// they do not share an event loop with what is being timed, as they would not on AWS.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface WorkerRequest {
  id: number;
  type: string;
  [field: string]: unknown;
}

export interface WorkerReply {
  id: number;
  ok: boolean;
  error?: string;
  [field: string]: unknown;
}

export interface WorkerProcess {
  pid: number;
  /** What the worker answered to 'ready' (its endpoints). */
  info: Record<string, unknown>;
  request<T = Record<string, unknown>>(type: string, fields?: Record<string, unknown>): Promise<T>;
  /**
   * Ends the worker (by its own pid) and waits for it to exit. `graceful`: closes its IPC channel first so it exits
   * by itself (and writes what --cpu-prof collected), killing it only after 10 s.
   */
  stop(options?: { graceful?: boolean }): Promise<void>;
}

export async function startWorker(
  moduleUrl: URL,
  options: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
): Promise<WorkerProcess> {
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: WorkerReply) => {
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message);
    else waiter.reject(new Error(message.error ?? 'worker request failed'));
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`worker exited (${code ?? signal})`));
    pending.clear();
  });

  const worker: WorkerProcess = {
    pid: child.pid!,
    info: {},
    request<T>(type: string, fields: Record<string, unknown> = {}) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: (reply) => resolve(reply as unknown as T), reject });
        child.send({ id, type, ...fields } satisfies WorkerRequest);
      });
    },
    async stop({ graceful = false } = {}) {
      const running = () => child.exitCode === null && child.signalCode === null;
      if (graceful && running()) {
        child.disconnect();
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      }
      if (running()) child.kill('SIGKILL');
      await exited;
    },
  };
  worker.info = await worker.request('ready');
  return worker;
}

/** The worker side: answers requests with `handlers[type]`; a thrown error becomes a failed reply. */
export function serveRequests(
  handlers: Record<string, (request: WorkerRequest) => Promise<Record<string, unknown>> | Record<string, unknown>>,
): void {
  process.on('message', (request: WorkerRequest) => {
    void (async () => {
      try {
        const handler = handlers[request.type];
        if (!handler) throw new Error(`unknown worker request ${request.type}`);
        const reply = await handler(request);
        process.send!({ ...reply, id: request.id, ok: true });
      } catch (error) {
        process.send!({
          id: request.id,
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
    })();
  });
  // The parent's IPC channel closing means the run is over (or crashed): do not outlive it.
  process.on('disconnect', () => process.exit(0));
}
