// The Lambda functions the local stack runs, by name, built by the same wiring factories as on AWS. One list for both
// placements (on the gateway's thread, or on a thread of their own), so a function added here (another emulated
// service's consumer, say) runs the same either way.
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import { FUNCTION_NAMES, type FunctionName } from '../../lambdas/adapters/function-names.js';
import { asLoggerPort, createLogger } from '../../lambdas/adapters/logger.js';
import { createAuthorizerHandler } from '../../lambdas/adapters/authorizer-handler.js';
import { lambdaFanOutDispatcherFor } from '../../lambdas/adapters/lambda-fan-out-dispatcher.js';
import { createPushHandler } from '../../lambdas/adapters/push-wiring.js';
import { createMessageFunctionHandler } from '../../lambdas/adapters/message-handler.js';
import {
  createConnectHandler,
  createDisconnectHandler,
  createFanOutHandler,
  createRedeliveryHandler,
  createSweeperHandler,
  type HandlerOverrides,
} from '../../lambdas/adapters/wiring.js';

/** A Lambda function as the local stack calls it: an event in, a result (or a thrown error) out. */
export type LocalFunction = (event: never) => Promise<unknown>;

export interface LocalFunctionOptions {
  logLevel: string;
  /** Replaces parts of the wiring (tests' fault injection); only where the functions share the caller's thread. */
  overrides?: Partial<Omit<HandlerOverrides, 'verifier'>>;
}

export function createLocalFunctions(
  config: RuntimeConfig,
  options: LocalFunctionOptions,
): Map<FunctionName, LocalFunction> {
  const logger = asLoggerPort(createLogger({ logLevel: options.logLevel }));
  const overrides = { logger, ...options.overrides };
  // A Record over FunctionName: a function added to FUNCTION_NAMES and not built here is a compile error.
  const functions: Record<FunctionName, LocalFunction> = {
    authorizer: createAuthorizerHandler(config, { logger }) as LocalFunction,
    connect: createConnectHandler(config, overrides) as LocalFunction,
    disconnect: createDisconnectHandler(config, overrides) as LocalFunction,
    message: createMessageFunctionHandler(config, {
      fanOutDispatcherFor: lambdaFanOutDispatcherFor,
      ...overrides,
    }) as LocalFunction,
    redelivery: createRedeliveryHandler(config, overrides) as LocalFunction,
    fanout: createFanOutHandler(config, overrides) as LocalFunction,
    // A config without push (a test's own) gets a push function that says so when called.
    push: (config.push ? createPushHandler(config, overrides) : pushNotConfigured) as LocalFunction,
    sweeper: createSweeperHandler(config, overrides) as LocalFunction,
  };
  return new Map(FUNCTION_NAMES.map((name) => [name, functions[name]]));
}

const pushNotConfigured = async (): Promise<never> => {
  throw new Error('push is not configured (no platform application in the config)');
};

export function functionNamed(functions: Map<FunctionName, LocalFunction>, name: FunctionName): LocalFunction {
  const fn = functions.get(name);
  if (!fn) throw new Error(`no local function named ${name}`);
  return fn;
}
