import { loadConfig } from '../adapters/config.js';
import { createFanOutHandler } from '../adapters/wiring.js';

export const handler = createFanOutHandler(loadConfig(process.env, 'fanout'));
