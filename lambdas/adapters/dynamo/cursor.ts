// Opaque page cursors: base64url of the JSON key a page ended at. A cursor is checked against what the listing
// expects (the exact attribute names, the partition it belongs to, the sort-key prefix), so a cursor from another
// room, another listing or a hand-edited one is refused with InvalidCursorError instead of reading elsewhere.
import { InvalidCursorError } from '../../chat/ports.js';

/** Per attribute of the key: its exact value, or a prefix it must start with. */
export type CursorShape = Record<string, { equals: string } | { prefix: string }>;

/** Far above any key this table produces (ids are ≤ 128 characters); refuses absurd input before parsing it. */
const MAX_CURSOR_LENGTH = 4_096;
/**
 * DynamoDB's limit for a sort key (1,024 bytes; a partition key may have 2,048). The table's own keys stay well below
 * (an escaped id is at most 384 bytes), so a longer attribute is forged, and DynamoDB would refuse the request.
 */
const MAX_KEY_ATTRIBUTE_BYTES = 1_024;

export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, shape: CursorShape): Record<string, string> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidCursorError();
  const entries = Object.entries(value as Record<string, unknown>);
  const expected = Object.entries(shape);
  if (entries.length !== expected.length) throw new InvalidCursorError();
  const key: Record<string, string> = {};
  for (const [name, rule] of expected) {
    const attribute = (value as Record<string, unknown>)[name];
    if (typeof attribute !== 'string' || Buffer.byteLength(attribute, 'utf8') > MAX_KEY_ATTRIBUTE_BYTES) {
      throw new InvalidCursorError();
    }
    const fits = 'equals' in rule ? attribute === rule.equals : attribute.startsWith(rule.prefix);
    if (!fits) throw new InvalidCursorError();
    key[name] = attribute;
  }
  return key;
}

/** Page sizes and history limits come validated from the wire; a bad one here is a programming error. */
export function assertPageLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit: must be a positive integer, got ${limit}`);
}
