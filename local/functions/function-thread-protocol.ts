// The messages between the local stack and its functions' worker thread.
import type { RuntimeConfig } from '../../lambdas/adapters/config.js';
import type { FunctionName } from '../../lambdas/adapters/function-names.js';

export interface FunctionThreadData {
  config: RuntimeConfig;
  logLevel: string;
}

export interface FunctionRequest {
  id: number;
  name: FunctionName;
  /** The event as JSON. */
  event: string;
}

export interface SerializedError {
  name: string;
  message: string;
}

export type FunctionReply =
  | { type: 'ready' }
  | { type: 'failed-to-start'; error: SerializedError }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}
