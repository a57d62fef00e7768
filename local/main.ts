// `npm start`: the local stack on 127.0.0.1, configured from the environment, until Ctrl-C.
import { LocalStackStartupError, startLocalStack, type LocalStackOptions } from './stack.js';

function readSeconds(name: string, fallback: number, min = 1): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min)
    throw new Error(`${name}: "${raw}" must be a whole number of seconds, ${min} or more`);
  return value;
}

function readPort(): number {
  const raw = process.env.PORT?.trim();
  if (!raw) return 8080;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65_535) throw new Error(`PORT: "${raw}" must be a port number from 0 to 65535`);
  return value;
}

function readUrl(name: string): string | undefined {
  const raw = process.env[name]?.trim();
  if (!raw) return undefined;
  if (!/^https?:$/.test(URL.parse(raw)?.protocol ?? ''))
    throw new Error(`${name}: "${raw}" must be an http:// or https:// URL`);
  return raw.replace(/\/+$/, '');
}

function readOptions(): LocalStackOptions {
  const inMemory = process.argv.slice(2).includes('--in-memory');
  const managementEndpoint = readUrl('MANAGEMENT_ENDPOINT');
  return {
    port: readPort(),
    dataDir: inMemory ? null : process.env.CHAT_DATA_DIR?.trim() || '.local-data',
    idleTimeoutS: readSeconds('CHAT_IDLE_TIMEOUT_S', 600),
    maxConnectionS: readSeconds('CHAT_MAX_CONNECTION_S', 7_200),
    // As deployed: offline 15 s after the last close, at the next sweep (every minute).
    offlineGraceMs: readSeconds('CHAT_OFFLINE_GRACE_S', 15, 0) * 1000,
    sweepPeriodMs: readSeconds('CHAT_SWEEP_PERIOD_S', 60) * 1000,
    logLevel: process.env.POWERTOOLS_LOG_LEVEL?.trim() || 'INFO',
    // As on AWS: the handlers post here instead of the stack's own @connections (a fault proxy in front of it).
    ...(managementEndpoint && { managementEndpoint }),
    push: { delaySeconds: readPushDelay(), preview: process.env.CHAT_PUSH_PREVIEW?.trim() !== 'false' },
  };
}

/** CHAT_PUSH_DELAY_S: seconds a push job waits (default 5, as deployed; 0 for a demo that pushes at once). */
function readPushDelay(): number {
  const raw = process.env.CHAT_PUSH_DELAY_S?.trim();
  if (!raw) return 5;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 900) throw new Error(`CHAT_PUSH_DELAY_S: "${raw}" must be 0 to 900 seconds`);
  return value;
}

async function main(): Promise<void> {
  // The AWS SDK prints a notice that its 2027 releases need Node 22 (Lambda runs Node 24); on a laptop running the
  // local stack on Node 20 it is noise in the ready message. Set the variable to false to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: LocalStackOptions;
  try {
    options = readOptions();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack(options);
  } catch (error) {
    if (!(error instanceof LocalStackStartupError)) throw error;
    // Something the user can fix: what is wrong and what to do, without a stack trace.
    console.error(explainStartupProblem(error, options));
    process.exitCode = 1;
    return;
  }
  const storage = options.dataDir === null ? 'in memory' : `in ${options.dataDir}`;
  console.log(
    [
      `Local chat stack ready (data ${storage}).`,
      `  WebSocket:  ${stack.wsUrl}/?token=<token>`,
      `  Demo page:  ${stack.httpUrl}/`,
      `  Management: ${stack.httpUrl}/@connections/<connectionId>`,
      `Try it:`,
      `  TOKEN=$(curl -s '${stack.httpUrl}/dev/token?sub=alice&name=Alice' | node -pe 'JSON.parse(require("fs").readFileSync(0)).token')`,
      `  npx wscat -c "${stack.wsUrl}/?token=$TOKEN"   then send: {"action":"hello","requestId":"1"}`,
      `  or: node -e 'const w=new (require("ws"))(process.argv[1]);w.on("open",()=>w.send(JSON.stringify({action:"hello",requestId:"1"})));w.on("message",m=>{console.log(String(m));w.close()})' "${stack.wsUrl}/?token=$TOKEN"`,
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      // A second Ctrl-C: the user does not want to wait for $disconnect.
      process.exit(130);
    }
    stopping = true;
    console.log(`${signal}: closing connections and stopping...`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** The startup problem in the words of `npm start`: its flags and variables. */
function explainStartupProblem(error: LocalStackStartupError, options: LocalStackOptions): string {
  const otherData =
    'start this one with `npm start -- --in-memory` (nothing is kept) or with CHAT_DATA_DIR set to another folder';
  switch (error.kind) {
    case 'data-folder-in-use':
      return `Cannot start: the data folder ${options.dataDir} is in use by another local stack.\nStop that stack (Ctrl-C in its terminal), or ${otherData}.`;
    case 'data-folder-unusable':
      return `Cannot start: ${error.message}\nMake it writable, or ${otherData}.`;
    case 'port-in-use':
      return `Cannot start: port ${options.port} is in use (another local stack, or another program).\nStop it, or set PORT to another port (PORT=0 picks a free one).`;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
