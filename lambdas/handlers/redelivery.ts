import { loadConfig } from '../adapters/config.js';
import { createRedeliveryHandler } from '../adapters/wiring.js';

export const handler = createRedeliveryHandler(loadConfig(process.env, 'redelivery'));
