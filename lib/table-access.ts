// Which DynamoDB actions each function may call, on the table and on the user index. Kept apart from the
// constructs so a test can run the real handlers' code paths against an embedded DynamoDB, record the commands they
// send, and fail when a path needs an action that is not listed here (an AccessDenied that would otherwise first
// show up in production).
import type { FunctionName } from '../lambdas/adapters/function-names.js';

/**
 * The functions that use the table: the three route handlers, the redelivery of queued frames, the fan-out worker,
 * the sweeper, and the push function (deployed only with a platform application).
 */
export type TableUser = Exclude<FunctionName, 'authorizer'>;

export type DynamoDbAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:Query'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:BatchWriteItem';

export interface TableAccess {
  /** Actions on the table itself. */
  readonly table: readonly DynamoDbAction[];
  /** Actions on the byUser index (only Query is possible on an index). */
  readonly userIndex: readonly 'dynamodb:Query'[];
}

/**
 * Only the clean-up of a connection found gone (after a 410 at redelivery, or by the sweeper's GET, which first
 * reads its sweep shards with Query): the connection read to tell one still opening from one gone (Get), its items
 * (Delete), its subscriptions (user index, BatchWrite), the presence state read (Get) and settled, the user's
 * remaining connections and last seen (Query, Update), typing ended (user index, Delete), the offline presence
 * fan-out (Query).
 */
const GONE_CLEAN_UP: TableAccess = {
  table: [
    'dynamodb:GetItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:BatchWriteItem',
  ],
  userIndex: ['dynamodb:Query'],
};

/**
 * The authorizer is absent on purpose: it verifies a token and touches no table. test/infra/least-privilege.test.ts
 * runs the handlers and fails when a list here has an action too many or too few.
 */
export const TABLE_ACCESS: Readonly<Record<TableUser, TableAccess>> = {
  // Profile upsert (Update, then Get when it exists), connection and subscription items (BatchWrite), the user's
  // rooms (index), the presence flip and the completion mark (Update); presence fan-out, whose 410s read the
  // connection (Get) and remove a stale one (Delete), then settle its user's presence (Get, Query, Update).
  connect: {
    table: [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:BatchWriteItem',
    ],
    userIndex: ['dynamodb:Query'],
  },
  // Connection items removed (Delete returns the old item), subscriptions (BatchWrite), the presence state read
  // (Get) and settled (Update), last seen (Update), remaining connections and presence fan-out (Query, index).
  disconnect: {
    table: [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:BatchWriteItem',
    ],
    userIndex: ['dynamodb:Query'],
  },
  // Every protocol action: rooms, members, messages, typing, read markers, profiles.
  message: {
    table: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
    ],
    userIndex: ['dynamodb:Query'],
  },
  redelivery: GONE_CLEAN_UP,
  // A worker reads no subscriptions (its batch names the recipients): it needs the table only for the same clean-up.
  fanout: GONE_CLEAN_UP,
  sweeper: GONE_CLEAN_UP,
  // The message (Query), the room's members, each member's devices and live connections (Query), the push claim
  // (Put), the endpoint kept with a device (Update), a disabled device removed and a failed push's claim taken back
  // (Delete); the badge, the user's unread total: their rooms (index), the rooms' lastSeq (BatchGet), the counts
  // (Query).
  push: {
    table: [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
    ],
    userIndex: ['dynamodb:Query'],
  },
};

/**
 * SNS actions of the push function. On the configured platform applications only: CreatePlatformEndpoint. On their
 * endpoints only (arn:...:endpoint/<PLATFORM>/<application>/*): Publish; GetEndpointAttributes and
 * SetEndpointAttributes, to find an existing endpoint disabled and enable it again when its token is registered anew;
 * DeleteEndpoint, for endpoints SNS reports disabled.
 */
export const PUSH_SNS_ACCESS = {
  application: ['sns:CreatePlatformEndpoint'],
  endpoint: ['sns:Publish', 'sns:GetEndpointAttributes', 'sns:SetEndpointAttributes', 'sns:DeleteEndpoint'],
} as const;

/**
 * Management API (@connections/{id}) methods each function calls: POST sends a frame, GET asks whether the
 * connection is still open and when it last spoke, DELETE closes one silent past its declared heartbeat (both the
 * sweeper only).
 */
export type ManagementMethod = 'POST' | 'GET' | 'DELETE';

/** The Lambda functions each function invokes: the message function hands large rooms to the fan-out worker. */
export const INVOKE_ACCESS: Readonly<Record<TableUser, readonly TableUser[]>> = {
  connect: [],
  disconnect: [],
  message: ['fanout'],
  redelivery: [],
  fanout: [],
  sweeper: [],
  push: [],
};

/** EventBridge actions each function calls on the moderation bus: only reportMessage (the message function) puts. */
export type EventsAction = 'events:PutEvents';

export const MODERATION_EVENTS_ACCESS: Readonly<Record<TableUser, readonly EventsAction[]>> = {
  connect: [],
  disconnect: [],
  message: ['events:PutEvents'],
  redelivery: [],
  fanout: [],
  sweeper: [],
  push: [],
};

export const MANAGEMENT_ACCESS: Readonly<Record<TableUser, readonly ManagementMethod[]>> = {
  connect: ['POST'],
  disconnect: ['POST'],
  message: ['POST'],
  redelivery: ['POST'],
  fanout: ['POST'],
  sweeper: ['GET', 'POST', 'DELETE'],
  push: [],
};
