import { loadConfig } from '../adapters/config.js';
import { lambdaFanOutDispatcherFor } from '../adapters/lambda-fan-out-dispatcher.js';
import { createMessageFunctionHandler } from '../adapters/message-handler.js';

// The Lambda and EventBridge clients come in here, not in the shared wiring: only this function invokes the fan-out
// worker and publishes moderation events.
export const handler = createMessageFunctionHandler(loadConfig(process.env, 'chat'), {
  fanOutDispatcherFor: lambdaFanOutDispatcherFor,
});
