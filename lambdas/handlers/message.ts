import { loadConfig } from '../adapters/config.js';
import { createMessageFunctionHandler } from '../adapters/message-handler.js';

export const handler = createMessageFunctionHandler(loadConfig(process.env, 'chat'));
