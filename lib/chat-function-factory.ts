// How every Lambda function of the stack is made: the runtime and esbuild bundling they share (also what the bundle
// test and bench/cold-start build), a role and a log group of its own, and its grant on the table.
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import type { ChatTable } from './chat-table.js';
import { capitalize } from './naming.js';
import type { TableAccess } from './table-access.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The newest Node.js runtime this aws-cdk-lib knows; the bundles target it (esbuild's target follows the runtime).
 * Lambda's Node.js 24 runtime has no AWS SDK v2 and runs ESM natively, which the bundles rely on.
 */
export const CHAT_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * esbuild's ESM output still contains CommonJS dependencies that call `require` (some AWS SDK and Powertools
 * internals); ESM has no `require`, so the banner provides one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Stands in for the SDK's default credential chain in the bundles (see lambdas/adapters/lambda-credentials.ts for
 * why that is safe on Lambda). Relative: esbuild resolves an alias from its working directory, which for local
 * bundling is the project root.
 */
export const LAMBDA_CREDENTIALS_ALIAS = '@aws-sdk/credential-provider-node=./lambdas/adapters/lambda-credentials.ts';

/**
 * How every function is bundled (also what bench/cold-start measures; `npx tsx bench/cold-start/bundle-load.ts`
 * builds them through NodejsFunction and times the import).
 *
 * Left out on purpose: the SDK's default credential chain (see LAMBDA_CREDENTIALS_ALIAS) and aws-jwt-verify outside
 * the authorizer. What that saved in size and load time: bench/results/2026-11-28-bundle-trim.md.
 */
export const CHAT_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  banner: ESM_REQUIRE_BANNER,
  // Prefer packages' ESM builds, which tree-shake; fall back to CommonJS.
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourceMapMode: SourceMapMode.DEFAULT,
  // Source text is in the repository; the map only needs positions, which keeps the zip small.
  sourcesContent: false,
  // Bundle the SDK: the version is pinned by package-lock.json instead of whatever the runtime ships.
  bundleAwsSDK: true,
  forceDockerBundling: false,
  esbuildArgs: {
    '--alias': [LAMBDA_CREDENTIALS_ALIAS],
    // The bundle is never read by people; its license notes would only add bytes to parse.
    '--legal-comments': 'none',
  },
};

export interface FunctionSettings {
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
}

export interface ChatFunctionSpec {
  /** Names the construct ids (`<Name>`, `<Name>Role`, `<Name>Logs`). */
  readonly name: string;
  readonly entry: string;
  readonly settings: FunctionSettings;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** What only this function has (the fan-out worker's asynchronous invocation settings). */
  readonly functionOptions?: Partial<lambda.FunctionOptions>;
}

/**
 * One function as every chat function is made: its own role (no managed policies: only its own log group, and later
 * what its code uses) and its own log group with a retention, bundled by esbuild like the others.
 */
export function createChatFunction(
  scope: Construct,
  spec: ChatFunctionSpec,
): { fn: NodejsFunction; role: iam.Role; logGroup: logs.LogGroup } {
  const logGroup = new logs.LogGroup(scope, `${capitalize(spec.name)}Logs`, {
    retention: spec.logRetention,
    removalPolicy: spec.removalPolicy,
  });
  // Not AWSLambdaBasicExecutionRole: that one may write to every log group in the account.
  const role = new iam.Role(scope, `${capitalize(spec.name)}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Runs the chat ${spec.name} function`,
  });
  logGroup.grantWrite(role);
  const fn = new NodejsFunction(scope, capitalize(spec.name), {
    entry: spec.entry,
    handler: 'handler',
    projectRoot: REPO_ROOT,
    depsLockFilePath: `${REPO_ROOT}/package-lock.json`,
    runtime: CHAT_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    description: spec.settings.description,
    memorySize: spec.settings.memorySize,
    timeout: spec.settings.timeout,
    role,
    logGroup,
    environment: spec.environment,
    bundling: CHAT_BUNDLING,
    ...spec.functionOptions,
  });
  return { fn, role, logGroup };
}

/** The table actions (and user index queries) one function may use, on this table only. */
export function grantTableAccess(role: iam.Role, access: TableAccess, table: ChatTable): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ChatTable', actions: [...access.table], resources: [table.table.tableArn] }),
  );
  if (access.userIndex.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ChatTableUserIndex',
        actions: [...access.userIndex],
        resources: [table.userIndexArn],
      }),
    );
  }
}
