// The Lambda functions, one per entry file in lambdas/handlers. The CDK stack (lib/) deploys them and the local stack
// (local/functions/) runs them from this one list, so a function added here is one that both must provide.

/**
 * The `$connect` authorizer, the three route handlers of the route table, the redelivery of frames whose posts kept
 * failing (fed by the redelivery queue), the fan-out worker that delivers batches of a large room's recipients
 * (invoked asynchronously by the message function), the push function (fed by the work queue; deployed only with a
 * platform application) and the sweeper (run every minute by a schedule).
 */
export const FUNCTION_NAMES = [
  'authorizer',
  'connect',
  'disconnect',
  'message',
  'redelivery',
  'fanout',
  'push',
  'sweeper',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];
