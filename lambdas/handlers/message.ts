import { loadConfig } from '../adapters/config.js';
import { createMessageHandler } from '../adapters/wiring.js';

export const handler = createMessageHandler(loadConfig(process.env, 'chat'));
