// Builds the CDK app exactly as bin/chat-backend.ts does (defineChatBackend reads the same context keys), in a
// throw-away output folder, and hands the tests its template, the cdk-nag report and the cloud assembly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { defineChatBackend } from '../../../lib/chat-app.js';
import type { ChatBackendStack } from '../../../lib/chat-backend-stack.js';
import { CHAT_BUNDLING, CHAT_RUNTIME } from '../../../lib/chat-function-factory.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface SynthOptions {
  context?: Record<string, string>;
  /** Bundle the functions with esbuild (slow-ish); off, CDK stages placeholder code and the template is the same. */
  bundle?: boolean;
}

export interface Synthesized {
  app: App;
  stack: ChatBackendStack;
  template: Template;
  assembly: CloudAssembly;
  /** cdk-nag's AWS Solutions findings that no acknowledgement covers (rule id → construct paths). */
  unacknowledged: Array<{ rule: string; severity: string; paths: string[] }>;
}

const outdirs: string[] = [];

/** Deletes what the syntheses of this test file wrote (bundles are a few MB each): call it in afterAll. */
export function removeSynthOutputs(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

/** A fresh output folder for an App, removed by removeSynthOutputs. */
export function scratchOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'chat-cdk-'));
  outdirs.push(outdir);
  return outdir;
}

export function synthChatBackend(options: SynthOptions = {}): Synthesized {
  const app = new App({
    outdir: scratchOutdir(),
    context: {
      ...options.context,
      // CDK skips asset bundling for stacks not listed here.
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = defineChatBackend(app);
  // app.synth() runs the registered cdk-nag plugin too and throws on any unacknowledged finding.
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const report = new AwsSolutionsChecks().validateScope(app);
  const unacknowledged = report.violations.map((v) => ({
    rule: v.ruleName,
    severity: v.severity ?? 'unknown',
    paths: v.violatingResources.map((r) => r.constructPath ?? r.resourceLogicalId ?? '?'),
  }));
  return { app, stack, template, assembly, unacknowledged };
}

/**
 * One handler of lambdas/handlers bundled exactly as the stack bundles it (CHAT_BUNDLING), in a stack of its own;
 * returns the folder of its index.mjs.
 */
export function bundleHandler(name: string, options: { metafile?: boolean } = {}): string {
  const app = new App({ outdir: scratchOutdir() });
  const stack = new Stack(app, 'Bundled');
  const fn = new NodejsFunction(stack, 'Handler', {
    entry: join(REPO_ROOT, 'lambdas', 'handlers', `${name}.ts`),
    projectRoot: REPO_ROOT,
    depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
    runtime: CHAT_RUNTIME,
    bundling: { ...CHAT_BUNDLING, ...(options.metafile && { metafile: true }) },
  });
  const assembly = app.synth();
  const resources = assembly.getStackByName('Bundled').template.Resources as Record<string, any>;
  const key: string = resources[stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)].Properties.Code.S3Key;
  return join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
}

type Json = unknown;

/**
 * Renders a CloudFormation value to one string: literals as they are, `Ref`/`GetAtt` as `${Name}`, `Fn::Join`
 * joined. Enough to compare ARNs, URLs and the dashboard body against expected text.
 */
export function render(value: Json): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const object = value as Record<string, Json>;
    if ('Ref' in object) return `\${${String(object.Ref)}}`;
    if ('Fn::GetAtt' in object) return `\${${(object['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, Json[]];
      return parts.map(render).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** Every resource of a type, by logical id. */
export function resourcesOf(
  template: Template,
  type: string,
): Array<[string, { Properties: Record<string, any> } & Record<string, any>]> {
  return Object.entries(template.findResources(type)) as Array<[string, { Properties: Record<string, any> }]>;
}
