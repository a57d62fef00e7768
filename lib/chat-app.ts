import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadAuthConfig } from '../lambdas/adapters/config.js';
import { ChatBackendStack, DISPOSABLE_STAGE, assertStageName } from './chat-backend-stack.js';

/**
 * Builds the app from its context (`-c key=value` or cdk.json), the same way for `cdk synth`/`deploy` and for the
 * tests, and checks it with cdk-nag's AWS Solutions rules on every synthesis.
 *
 * Context: stage (default dev), userPoolId + userPoolClientId (an existing pool; else one is created),
 * selfSignUp (true/false), apiGatewayLogsRole (true/false), alarmEmail, fanOutConcurrency (a whole number, or none);
 * push notifications: pushApnsApplicationArn, pushApnsSandboxApplicationArn, pushFcmApplicationArn (none: no push),
 * pushPreview (true/false), pushDelaySeconds; uploads: uploadContentTypes (comma-separated media types),
 * uploadMaxBytes, attachmentOrigins (comma-separated browser origins for the bucket's CORS).
 */
export function defineChatBackend(app: App): ChatBackendStack {
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = context(key);
    if (value === undefined) return fallback;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`context ${key}: expected true or false, got "${value}"`);
  };

  const stage = context('stage') ?? DISPOSABLE_STAGE;
  // Before the stack exists: its name contains the stage, and a bad one should be reported as the stage's fault.
  assertStageName(stage);
  const userPoolId = context('userPoolId');
  const userPoolClientId = context('userPoolClientId');
  if ((userPoolId === undefined) !== (userPoolClientId === undefined)) {
    throw new Error('context userPoolId and userPoolClientId: give both (an existing pool) or neither (a new pool)');
  }
  if (userPoolId && userPoolClientId) assertUserPool(userPoolId, userPoolClientId);
  const alarmEmail = context('alarmEmail');
  const applications = Object.fromEntries(
    (
      [
        ['apns', 'pushApnsApplicationArn'],
        ['apns_sandbox', 'pushApnsSandboxApplicationArn'],
        ['fcm', 'pushFcmApplicationArn'],
      ] as const
    ).flatMap(([platform, key]) => {
      const arn = context(key);
      return arn ? [[platform, arn]] : [];
    }),
  );
  const pushDelay = context('pushDelaySeconds');
  const list = (key: string): string[] | undefined =>
    context(key)
      ?.split(',')
      .map((item) => item.trim());
  const uploadContentTypes = list('uploadContentTypes');
  const maxBytesText = context('uploadMaxBytes');
  const uploadMaxBytes = maxBytesText === undefined ? undefined : Number(maxBytesText);
  if (uploadMaxBytes !== undefined && (!Number.isSafeInteger(uploadMaxBytes) || uploadMaxBytes < 1)) {
    throw new Error(`context uploadMaxBytes: expected a whole number of bytes, got "${maxBytesText}"`);
  }
  const attachmentOrigins = list('attachmentOrigins');
  const fanOutConcurrency = context('fanOutConcurrency');
  if (fanOutConcurrency !== undefined && fanOutConcurrency !== 'none' && !/^[1-9]\d*$/.test(fanOutConcurrency)) {
    throw new Error(`context fanOutConcurrency: a whole number of at least 1, or none; got "${fanOutConcurrency}"`);
  }

  const stack = new ChatBackendStack(app, `ChatBackend-${stage}`, {
    description: `Serverless real-time chat backend (stage ${stage})`,
    stage,
    ...(userPoolId && userPoolClientId && { existingUserPool: { userPoolId, userPoolClientId } }),
    selfSignUpEnabled: flag('selfSignUp', false),
    manageApiGatewayLogsRole: flag('apiGatewayLogsRole', true),
    ...(alarmEmail && { alarmEmail }),
    push: {
      applications,
      preview: flag('pushPreview', true),
      ...(pushDelay !== undefined && { delaySeconds: Number(pushDelay) }),
    },
    uploads: {
      ...(uploadContentTypes && { contentTypes: uploadContentTypes }),
      ...(uploadMaxBytes !== undefined && { maxBytes: uploadMaxBytes }),
    },
    ...(attachmentOrigins && { attachmentOrigins }),
    ...(fanOutConcurrency !== undefined && {
      fanOutConcurrency: fanOutConcurrency === 'none' ? ('none' as const) : Number(fanOutConcurrency),
    }),
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}

/** The authorizer checks these at cold start; checked here too, so a typo fails the deploy and not every connect. */
function assertUserPool(userPoolId: string, userPoolClientId: string): void {
  try {
    loadAuthConfig({ USER_POOL_ID: userPoolId, USER_POOL_CLIENT_ID: userPoolClientId });
  } catch (error) {
    throw new Error(`context userPoolId / userPoolClientId: ${(error as Error).message}`);
  }
}
