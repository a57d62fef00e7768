// Runtime configuration, read from the environment once per cold start. Every problem is reported with the name of
// the variable at fault, so a broken deployment fails on its first invocation with a message that says what to fix.
import { DEFAULT_FAN_OUT_SETTINGS } from '../chat/fan-out-batches.js';
import type { HeartbeatPolicy } from '../chat/heartbeat.js';
import { LIMITS } from '../protocol/limits.js';
import type { PushPlatform } from '../protocol/index.js';
import { SNS_PLATFORM } from './sns-push-payload.js';

export type AuthConfig =
  | { mode: 'cognito'; userPoolId: string; clientId: string }
  /** The local stack's own issuer: verified with cacheJwks, nothing is ever fetched. */
  | { mode: 'local'; issuer: string; audience: string; jwks: { keys: JsonWebKey[] } };

export interface RuntimeConfig {
  /** Required by the connect, disconnect and message handlers; the authorizer does not touch the table. */
  tableName?: string;
  region: string;
  /** Local stack and tests only. */
  dynamoEndpoint?: string;
  /** Else derived per event: https://{domainName}/{stage}. The redelivery handler, whose events name no API, needs it. */
  managementEndpoint?: string;
  /** The SQS queue frames go to when their posts keep failing; without it such frames are lost (and counted). */
  redeliveryQueueUrl?: string;
  /** The queue's maxReceiveCount: the redelivery handler gives a frame up on that try (redelivery handler only). */
  redeliveryMaxReceives?: number;
  /** The push job queue: the message function queues a job per message there, the push function continues in it. */
  pushQueueUrl?: string;
  /** How long a push job waits in the queue (message function; PUSH_DELAY_S, default 5). */
  pushDelayS?: number;
  /** The push function's settings. */
  push?: PushConfig;
  /** The fan-out worker function the message handler hands large rooms to (FANOUT_FUNCTION_NAME); else all inline. */
  fanOutFunctionName?: string;
  /** Local stack and tests only: the Lambda API the worker is invoked through. */
  lambdaEndpoint?: string;
  /** FANOUT_INLINE_MAX and FANOUT_BATCH_SIZE: which rooms stay inline, and recipients per worker. */
  fanOut?: { inlineMax: number; batchSize: number };
  /** The EventBridge bus (name or ARN) reportMessage publishes to; without it reports are only stored. */
  moderationEventBus?: string;
  /** Local stack and tests only: the EventBridge endpoint. */
  eventBridgeEndpoint?: string;
  /** Required by the authorizer only. */
  auth?: AuthConfig;
  maxConnectionS: number;
  /**
   * How long a user whose last connection closed stays online before the sweeper announces them offline
   * (OFFLINE_GRACE_S, default 15 s; 0 announces at the close). Milliseconds, so the local stack's tests can shorten it.
   */
  offlineGraceMs?: number;
  /**
   * Local stack and tests only: the heartbeat bounds and margin, shortened so tests need not wait minutes. Deployed,
   * the protocol's (30 s to 9 minutes, margin 60 s: lambdas/chat/heartbeat.ts).
   */
  heartbeat?: HeartbeatPolicy;
  /** Local only (dummy keys for dynalite and the local management API); on AWS the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** The attachment bucket's base URL (ATTACHMENTS_BUCKET_URL); without it uploads are refused. */
  attachmentsBucketUrl?: string;
  /** What createUpload accepts (UPLOAD_CONTENT_TYPES, comma-separated; UPLOAD_MAX_BYTES); else the defaults. */
  uploadContentTypes?: string[];
  uploadMaxBytes?: number;
}

export interface PushConfig {
  /** The SNS platform application of each platform pushed to (at least one). */
  applications: Partial<Record<PushPlatform, string>>;
  /** Message previews in pushes (PUSH_PREVIEW, default true); false sends a generic text. */
  preview: boolean;
  /** Local only: the SNS emulation (SNS_ENDPOINT). */
  snsEndpoint?: string;
}

/**
 * What a handler needs from the environment: the authorizer needs the auth settings, the others the table, the
 * handlers whose events name no API (redelivery, the fan-out worker, the sweeper) the management endpoint too, and
 * the push function its queue and platform applications.
 */
export type ConfigNeed = 'auth' | 'chat' | 'redelivery' | 'sweeper' | 'push' | 'fanout';

/** The variable naming each platform's SNS platform application. */
export const PUSH_APPLICATION_VARIABLES = {
  apns: 'PUSH_APNS_APPLICATION_ARN',
  apns_sandbox: 'PUSH_APNS_SANDBOX_APPLICATION_ARN',
  fcm: 'PUSH_FCM_APPLICATION_ARN',
} as const satisfies Record<PushPlatform, string>;

/** Seconds a push job waits unless PUSH_DELAY_S says otherwise. */
export const DEFAULT_PUSH_DELAY_S = 5;

/** The redelivery queue's maxReceiveCount unless REDELIVERY_MAX_RECEIVES says otherwise (the CDK stack sets both). */
export const DEFAULT_REDELIVERY_MAX_RECEIVES = 5;

/** Seconds a user stays online after their last connection closed, unless OFFLINE_GRACE_S says otherwise. */
export const DEFAULT_OFFLINE_GRACE_S = 15;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

// The same shape aws-jwt-verify accepts (region_id); checked here so a typo fails at cold start, not per token.
const USER_POOL_ID = /^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d_[a-zA-Z0-9]+$/;

export function loadConfig(env: NodeJS.ProcessEnv, need: ConfigNeed): RuntimeConfig {
  const auth = need === 'auth' ? loadAuthConfig(env) : undefined;
  const region = readRegion(env, auth);
  const config: RuntimeConfig = {
    region,
    maxConnectionS: readInteger(env, 'MAX_CONNECTION_S', {
      min: 1,
      max: LIMITS.maxConnectionS,
      fallback: LIMITS.maxConnectionS,
    }),
  };
  if (need === 'redelivery') {
    config.redeliveryMaxReceives = readInteger(env, 'REDELIVERY_MAX_RECEIVES', {
      min: 1,
      max: 1000,
      fallback: DEFAULT_REDELIVERY_MAX_RECEIVES,
    });
  }
  if (auth) config.auth = auth;
  if (need !== 'auth') {
    config.tableName = required(env, 'TABLE_NAME');
    config.offlineGraceMs =
      readInteger(env, 'OFFLINE_GRACE_S', { min: 0, max: 600, fallback: DEFAULT_OFFLINE_GRACE_S }) * 1000;
  }
  const dynamoEndpoint = optionalUrl(env, 'DYNAMODB_ENDPOINT');
  if (dynamoEndpoint) config.dynamoEndpoint = dynamoEndpoint;
  const managementEndpoint =
    need === 'redelivery' || need === 'fanout' || need === 'sweeper'
      ? requiredUrl(env, 'MANAGEMENT_ENDPOINT')
      : optionalUrl(env, 'MANAGEMENT_ENDPOINT');
  if (managementEndpoint) config.managementEndpoint = managementEndpoint;
  const redeliveryQueueUrl = optionalUrl(env, 'REDELIVERY_QUEUE_URL');
  if (redeliveryQueueUrl) config.redeliveryQueueUrl = redeliveryQueueUrl;
  const pushQueueUrl = need === 'push' ? requiredUrl(env, 'PUSH_QUEUE_URL') : optionalUrl(env, 'PUSH_QUEUE_URL');
  if (pushQueueUrl) config.pushQueueUrl = pushQueueUrl;
  if (need === 'chat') {
    config.pushDelayS = readInteger(env, 'PUSH_DELAY_S', { min: 0, max: 900, fallback: DEFAULT_PUSH_DELAY_S });
  }
  if (need === 'push') config.push = loadPushConfig(env);
  const attachmentsBucketUrl = optionalUrl(env, 'ATTACHMENTS_BUCKET_URL');
  if (attachmentsBucketUrl) config.attachmentsBucketUrl = attachmentsBucketUrl;
  const contentTypes = env.UPLOAD_CONTENT_TYPES?.trim();
  if (contentTypes) {
    const types = contentTypes.split(',').map((type) => type.trim().toLowerCase());
    if (types.some((type) => !/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type))) {
      throw new ConfigError('UPLOAD_CONTENT_TYPES', `"${contentTypes}" must be media types separated by commas`);
    }
    config.uploadContentTypes = types;
  }
  if (env.UPLOAD_MAX_BYTES?.trim()) {
    config.uploadMaxBytes = readInteger(env, 'UPLOAD_MAX_BYTES', { min: 1, max: 5 * 1024 ** 3, fallback: 0 });
  }
  if (need !== 'auth') Object.assign(config, loadFanOutConfig(env));
  const moderationEventBus = env.MODERATION_EVENT_BUS?.trim();
  if (moderationEventBus) config.moderationEventBus = moderationEventBus;
  const eventBridgeEndpoint = optionalUrl(env, 'EVENTBRIDGE_ENDPOINT');
  if (eventBridgeEndpoint) config.eventBridgeEndpoint = eventBridgeEndpoint;
  return config;
}

/** The split fan-out's settings; the defaults are the chat logic's (DEFAULT_FAN_OUT_SETTINGS). */
function loadFanOutConfig(
  env: NodeJS.ProcessEnv,
): Pick<RuntimeConfig, 'fanOutFunctionName' | 'lambdaEndpoint' | 'fanOut'> {
  const config: Pick<RuntimeConfig, 'fanOutFunctionName' | 'lambdaEndpoint' | 'fanOut'> = {};
  const functionName = env.FANOUT_FUNCTION_NAME?.trim();
  if (functionName) config.fanOutFunctionName = functionName;
  const lambdaEndpoint = optionalUrl(env, 'LAMBDA_ENDPOINT');
  if (lambdaEndpoint) config.lambdaEndpoint = lambdaEndpoint;
  if (present(env, 'FANOUT_INLINE_MAX') || present(env, 'FANOUT_BATCH_SIZE')) {
    config.fanOut = {
      inlineMax: readInteger(env, 'FANOUT_INLINE_MAX', {
        min: 0,
        max: 1_000_000,
        fallback: DEFAULT_FAN_OUT_SETTINGS.inlineMax,
      }),
      batchSize: readInteger(env, 'FANOUT_BATCH_SIZE', {
        min: 1,
        max: 5_000,
        fallback: DEFAULT_FAN_OUT_SETTINGS.batchSize,
      }),
    };
  }
  return config;
}

/** The push function's platform applications (at least one), preview setting and, locally, the SNS endpoint. */
export function loadPushConfig(env: NodeJS.ProcessEnv): PushConfig {
  const applications: Partial<Record<PushPlatform, string>> = {};
  for (const [platform, variable] of Object.entries(PUSH_APPLICATION_VARIABLES)) {
    const arn = env[variable]?.trim();
    if (!arn) continue;
    const snsPlatform = SNS_PLATFORM[platform as PushPlatform];
    if (!platformApplicationArn(snsPlatform).test(arn)) {
      throw new ConfigError(variable, `"${arn}" is not an SNS platform application ARN of ${snsPlatform}`);
    }
    applications[platform as PushPlatform] = arn;
  }
  if (Object.keys(applications).length === 0) {
    throw new ConfigError(
      Object.values(PUSH_APPLICATION_VARIABLES).join(' / '),
      'the push function needs at least one platform application',
    );
  }
  const preview = env.PUSH_PREVIEW?.trim() || 'true';
  if (preview !== 'true' && preview !== 'false') {
    throw new ConfigError('PUSH_PREVIEW', `"${preview}" must be true or false`);
  }
  const config: PushConfig = { applications, preview: preview === 'true' };
  const snsEndpoint = optionalUrl(env, 'SNS_ENDPOINT');
  if (snsEndpoint) config.snsEndpoint = snsEndpoint;
  return config;
}

/** arn:<partition>:sns:<region>:<account>:app/<PLATFORM>/<name> */
export const platformApplicationArn = (snsPlatform: string): RegExp =>
  new RegExp(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:app/${snsPlatform}/[A-Za-z0-9_.-]{1,256}$`);

/**
 * On AWS: USER_POOL_ID and USER_POOL_CLIENT_ID. For a process that verifies local dev tokens from the environment:
 * LOCAL_JWKS (the issuer's public JWKS as JSON), LOCAL_JWT_ISSUER and LOCAL_JWT_AUDIENCE instead.
 */
export function loadAuthConfig(env: NodeJS.ProcessEnv): AuthConfig {
  if (present(env, 'LOCAL_JWKS') && !present(env, 'USER_POOL_ID')) {
    return {
      mode: 'local',
      issuer: required(env, 'LOCAL_JWT_ISSUER'),
      audience: required(env, 'LOCAL_JWT_AUDIENCE'),
      jwks: parseJwks(env.LOCAL_JWKS as string, 'LOCAL_JWKS'),
    };
  }
  const userPoolId = required(env, 'USER_POOL_ID');
  if (!USER_POOL_ID.test(userPoolId)) {
    throw new ConfigError('USER_POOL_ID', `"${userPoolId}" is not a Cognito user pool id (expected <region>_<id>)`);
  }
  return { mode: 'cognito', userPoolId, clientId: required(env, 'USER_POOL_CLIENT_ID') };
}

/** A JWKS of public signing keys, each with the kid tokens name it by. */
export function parseJwks(text: string, variable: string): { keys: JsonWebKey[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(variable, 'not JSON (expected a JWKS: {"keys":[...]})');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new ConfigError(variable, 'expected a JWKS with at least one key: {"keys":[...]}');
  }
  keys.forEach((key: unknown, index) => {
    const jwk = key as Record<string, unknown> | null;
    if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string' || typeof jwk.kid !== 'string') {
      throw new ConfigError(variable, `keys[${index}] needs string "kty" and "kid" fields`);
    }
    if ('d' in jwk) {
      // A private key in a verifier's configuration is a leak waiting to happen; refuse it outright.
      throw new ConfigError(variable, `keys[${index}] is a private key; give the public JWKS only`);
    }
  });
  return { keys: keys as JsonWebKey[] };
}

function readRegion(env: NodeJS.ProcessEnv, auth: AuthConfig | undefined): string {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  if (region) return region;
  // The authorizer talks to no regional AWS API but Cognito's JWKS, whose region is in the pool id.
  if (auth?.mode === 'cognito') return auth.userPoolId.split('_')[0] as string;
  if (auth?.mode === 'local') return 'local';
  throw new ConfigError('AWS_REGION', 'is required (Lambda sets it; set it yourself outside Lambda)');
}

function present(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name]?.trim() ?? '') !== '';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(name, 'is required');
  return value;
}

function requiredUrl(env: NodeJS.ProcessEnv, name: string): string {
  const value = optionalUrl(env, name);
  if (!value) throw new ConfigError(name, 'is required');
  return value;
}

function optionalUrl(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `"${value}" must be an http:// or https:// URL`);
  }
  return value.replace(/\/+$/, '');
}

function readInteger(
  env: NodeJS.ProcessEnv,
  name: string,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `"${raw}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}
