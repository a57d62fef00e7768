// Per-invocation logging and metrics for the handlers: the shared Powertools logger with the invocation's keys,
// and metrics flushed at the end of every invocation whatever its outcome.
import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import type { Logger, Metrics } from '../chat/ports.js';
import type { RuntimeConfig } from './config.js';
import { asLoggerPort, sharedPowertoolsLogger } from './logger.js';
import { createMetrics, type FlushableMetrics } from './metrics.js';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  /** Runs one invocation with per-invocation log keys, and flushes metrics at its end, whatever the outcome. */
  run<T>(context: Context | undefined, keys: Record<string, string | undefined>, body: () => Promise<T>): Promise<T>;
}

export function observabilityFor(
  config: RuntimeConfig,
  overrides: { logger?: Logger; metrics?: Metrics & Partial<FlushableMetrics> },
): Observability {
  const powertools: PowertoolsLogger | undefined = overrides.logger ? undefined : sharedPowertoolsLogger();
  const logger = overrides.logger ?? asLoggerPort(powertools as PowertoolsLogger);
  // EMF metrics are for CloudWatch; on the local stack they would only be noise on stdout.
  const metrics: Metrics & Partial<FlushableMetrics> =
    overrides.metrics ?? createMetrics({ enabled: !isLocal(config) });
  return {
    logger,
    metrics,
    async run(context, keys, body) {
      if (powertools) {
        if (context) powertools.addContext(context);
        powertools.appendKeys(definedOnly(keys));
      }
      try {
        return await body();
      } finally {
        metrics.flush?.();
        powertools?.resetKeys();
      }
    },
  };
}

/** The local stack and tests point the config at local endpoints or local keys; AWS never does. */
export function isLocal(config: RuntimeConfig): boolean {
  return (
    config.dynamoEndpoint !== undefined ||
    config.auth?.mode === 'local' ||
    config.managementEndpoint?.startsWith('http://') === true
  );
}

function definedOnly(keys: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
