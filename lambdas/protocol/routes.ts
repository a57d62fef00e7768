// The one route table: the CDK stack creates a WebSocket route for each key and the local gateway emulator selects
// routes from the same list, so the two cannot drift.
import { ACTION_NAMES } from './actions.js';

export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';

/** Which handler serves a route. Every action goes to the one message router (one warm function). */
export type HandlerName = 'connect' | 'disconnect' | 'message';

export const ROUTES: ReadonlyArray<{ routeKey: string; handler: HandlerName }> = [
  { routeKey: '$connect', handler: 'connect' },
  { routeKey: '$disconnect', handler: 'disconnect' },
  { routeKey: '$default', handler: 'message' },
  ...ACTION_NAMES.map((action) => ({ routeKey: action, handler: 'message' as const })),
];

/** API Gateway's route selection: the frame's `action` if a route has that key, else `$default`. */
export function selectRoute(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const action = (parsed as { action?: unknown }).action;
      if (typeof action === 'string' && action !== '$connect' && action !== '$disconnect' && ROUTE_KEYS.has(action)) {
        return action;
      }
    }
  } catch {
    // Not JSON: API Gateway falls back to $default too.
  }
  return '$default';
}

const ROUTE_KEYS = new Set(ROUTES.map((r) => r.routeKey));
