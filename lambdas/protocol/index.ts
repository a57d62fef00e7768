export * from './objects.js';
export * from './errors.js';
export * from './limits.js';
export * from './actions.js';
export * from './frames.js';
export * from './routes.js';
export * from './attachments.js';
