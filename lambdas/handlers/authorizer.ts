import { loadConfig } from '../adapters/config.js';
import { createAuthorizerHandler } from '../adapters/authorizer-handler.js';

export const handler = createAuthorizerHandler(loadConfig(process.env, 'auth'));
