// One structured logger per execution environment (Powertools), with the keys every line should carry. It
// implements the chat logic's Logger port. Tokens never reach it on purpose; the replacer below is the safety net
// for a token that slips into a logged value anyway.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogLevel } from '@aws-lambda-powertools/logger/types';
import type { Logger } from '../chat/ports.js';

export const DEFAULT_SERVICE_NAME = 'chat';

/** A compact JWS (header.payload.signature, base64url): what an ID token looks like in a string. */
const JWT_PATTERN = /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const SECRET_KEYS = new Set(['token', 'authorization', 'idtoken', 'id_token', 'accesstoken', 'access_token']);

export interface LoggerOptions {
  serviceName?: string;
  /** Else POWERTOOLS_LOG_LEVEL, else INFO. */
  logLevel?: string;
  persistentKeys?: Record<string, string | number | boolean>;
}

export function createLogger(options: LoggerOptions = {}): PowertoolsLogger {
  return new PowertoolsLogger({
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME,
    ...(options.logLevel ? { logLevel: options.logLevel.toUpperCase() as LogLevel } : {}),
    ...(options.persistentKeys ? { persistentKeys: options.persistentKeys } : {}),
    jsonReplacerFn: redactSecrets,
  });
}

let sharedLogger: PowertoolsLogger | undefined;

/** The execution environment's logger: created on first use, then shared by every handler and adapter. */
export function sharedPowertoolsLogger(): PowertoolsLogger {
  sharedLogger ??= createLogger();
  return sharedLogger;
}

/** The Logger port over a Powertools logger. */
export function asLoggerPort(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, extra) => (extra ? logger.debug(message, extra) : logger.debug(message)),
    info: (message, extra) => (extra ? logger.info(message, extra) : logger.info(message)),
    warn: (message, extra) => (extra ? logger.warn(message, extra) : logger.warn(message)),
    error: (message, extra) => (extra ? logger.error(message, extra) : logger.error(message)),
  };
}

export function redactSecrets(key: string, value: unknown): unknown {
  if (SECRET_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return '[redacted]';
  if (typeof value === 'string' && value.includes('eyJ')) return value.replace(JWT_PATTERN, '[redacted jwt]');
  return value;
}
