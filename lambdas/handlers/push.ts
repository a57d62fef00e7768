import { loadConfig } from '../adapters/config.js';
import { createPushHandler } from '../adapters/push-wiring.js';

export const handler = createPushHandler(loadConfig(process.env, 'push'));
