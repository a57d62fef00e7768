import { loadConfig } from '../adapters/config.js';
import { createConnectHandler } from '../adapters/wiring.js';

export const handler = createConnectHandler(loadConfig(process.env, 'chat'));
