import { loadConfig } from '../adapters/config.js';
import { lambdaFanOutDispatcherFor } from '../adapters/lambda-fan-out-dispatcher.js';
import { createMessageHandler } from '../adapters/wiring.js';

// The Lambda client comes in here, not in the shared wiring: only this function invokes the fan-out worker.
export const handler = createMessageHandler(loadConfig(process.env, 'chat'), {
  fanOutDispatcherFor: lambdaFanOutDispatcherFor,
});
