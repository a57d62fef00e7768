// The single table's key schema, read by the DynamoDB store, the local stack (which creates the table in dynalite)
// and the CDK stack (which creates it on AWS): one definition, so the three cannot drift.

export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Memberships by user: `gsi1pk = USER#<userId>`, `gsi1sk = ROOM#<roomId>`. */
  userIndex: { name: 'byUser', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** Epoch seconds, DynamoDB's TTL attribute: garbage collection only, never logic (reads filter on expiresAtMs). */
  ttlAttribute: 'expiresAt',
} as const;
