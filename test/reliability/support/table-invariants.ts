// What must hold in the table whatever failed half way, read from every item (a Scan: tests only). Items are
// grouped per partition, the way the store lays them out (see lambdas/adapters/dynamo-store.ts).
import { escapeId } from '../../../lambdas/adapters/dynamo/keys.js';

export type TableItem = Record<string, unknown>;

export interface InvariantOptions {
  /** Items whose expiresAtMs is at or before this are dead (reads filter them out): they are ignored. */
  now: number;
}

/** The broken rules, as readable lines; empty when the table is sound. */
export function brokenInvariants(items: readonly TableItem[], options: InvariantOptions): string[] {
  const problems: string[] = [];
  const live = items.filter(
    (item) => typeof item.expiresAtMs !== 'number' || (item.expiresAtMs as number) > options.now,
  );
  const byKey = new Set(live.map((item) => `${String(item.pk)}\u0000${String(item.sk)}`));
  const has = (pk: string, sk: string) => byKey.has(`${pk}\u0000${sk}`);
  const metaRooms = new Set(live.filter((item) => item.sk === 'META').map((item) => String(item.pk)));
  // Watch connections by escaped connection id: the rooms their user-side item lists.
  const watchConnections = new Map(
    live
      .filter(
        (item) => String(item.pk).startsWith('USER#') && String(item.sk).startsWith('CONN#') && item.watch === true,
      )
      .map((item) => [String(item.sk).slice('CONN#'.length), new Set([...((item.watching as Set<string>) ?? [])])]),
  );

  for (const item of live) {
    const pk = String(item.pk);
    const sk = String(item.sk);
    if (sk.startsWith('MEMBER#') && !metaRooms.has(pk)) problems.push(`membership without its room: ${pk} ${sk}`);
    if (sk.startsWith('SUB#')) {
      const connectionKey = `CONN#${sk.slice('SUB#'.length)}`;
      if (!has(connectionKey, 'CONN')) problems.push(`subscription without its connection: ${pk} ${sk}`);
      // A watch connection's close removes the subscriptions of the rooms on its list: one off the list would stay.
      const userSide = watchConnections.get(sk.slice('SUB#'.length));
      if (userSide && !userSide.has(String(item.roomId))) {
        problems.push(`subscription of a watch connection, not on its list: ${pk} ${sk}`);
      }
      const memberKey = `MEMBER#${escapeId(String(item.userId))}`;
      if (!has(pk, memberKey)) problems.push(`subscription of a non-member: ${pk} ${sk} (user ${String(item.userId)})`);
    }
    if (sk === 'CONN') {
      const userConnection = `CONN#${pk.slice('CONN#'.length)}`;
      if (!has(`USER#${escapeId(String(item.userId))}`, userConnection))
        problems.push(`connection without its user's connection item: ${pk}`);
    }
    if (pk.startsWith('USER#') && sk.startsWith('CONN#') && !has(`CONN#${sk.slice('CONN#'.length)}`, 'CONN')) {
      problems.push(`user's connection item without its connection: ${pk} ${sk}`);
    }
  }
  for (const room of metaRooms) {
    const members = live.filter((item) => item.pk === room && String(item.sk).startsWith('MEMBER#'));
    if (members.length === 0) problems.push(`room without members (half created): ${room}`);
  }
  return problems;
}
