// The narrow interfaces the chat logic is written against, one module per aggregate in ./ports/. The DynamoDB
// stores and the management-API notifier (lambdas/adapters) implement them on AWS and on the local stack;
// test/fakes implements them in memory. Times here are epoch milliseconds; the wire uses ISO 8601 (see
// lambdas/protocol).
export * from './ports/paging.js';
export type * from './ports/profiles.js';
export type * from './ports/connections.js';
export type * from './ports/presence.js';
export type * from './ports/rooms.js';
export type * from './ports/subscriptions.js';
export * from './ports/messages.js';
export type * from './ports/typing.js';
export type * from './ports/devices.js';
export type * from './ports/push.js';
export type * from './ports/blocks.js';
export type * from './ports/reports.js';
export type * from './ports/occupancy.js';
export type * from './ports/stores.js';
export type * from './ports/services.js';
export type * from './ports/attachments.js';
