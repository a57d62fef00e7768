import { loadConfig } from '../adapters/config.js';
import { createDisconnectHandler } from '../adapters/wiring.js';

export const handler = createDisconnectHandler(loadConfig(process.env, 'chat'));
