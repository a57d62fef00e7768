import { loadConfig } from '../adapters/config.js';
import { createSweeperHandler } from '../adapters/wiring.js';

export const handler = createSweeperHandler(loadConfig(process.env, 'sweeper'));
