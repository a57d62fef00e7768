// Runtime configuration, read from the environment once per cold start. Every problem is reported with the name of
// the variable at fault, so a broken deployment fails on its first invocation with a message that says what to fix.
import { LIMITS } from '../protocol/index.js';

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
  /** Required by the authorizer only. */
  auth?: AuthConfig;
  maxConnectionS: number;
  /**
   * How long a user whose last connection closed stays online before the sweeper announces them offline
   * (OFFLINE_GRACE_S, default 15 s; 0 announces at the close). Milliseconds, so the local stack's tests can shorten it.
   */
  offlineGraceMs?: number;
  /** Local only (dummy keys for dynalite and the local management API); on AWS the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * What a handler needs from the environment: the authorizer needs the auth settings, the others the table, and the
 * redelivery and sweeper handlers (whose events name no API) the management endpoint too.
 */
export type ConfigNeed = 'auth' | 'chat' | 'redelivery' | 'sweeper';

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
    need === 'redelivery' || need === 'sweeper'
      ? requiredUrl(env, 'MANAGEMENT_ENDPOINT')
      : optionalUrl(env, 'MANAGEMENT_ENDPOINT');
  if (managementEndpoint) config.managementEndpoint = managementEndpoint;
  const redeliveryQueueUrl = optionalUrl(env, 'REDELIVERY_QUEUE_URL');
  if (redeliveryQueueUrl) config.redeliveryQueueUrl = redeliveryQueueUrl;
  return config;
}

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
