// Every frame the backend sends has to fit in one API Gateway message: a post over 128 KiB is refused (413) and the
// client gets nothing at all. Each field is bounded by the protocol's limits, lists are not, so every list in an
// answer stops early at a byte budget (LIMITS.answerListMaxBytes). Sizes are the UTF-8 bytes of the JSON that goes
// on the wire, escaping included: a control character takes 6 bytes (\u0001), a quote 2, a non-ASCII character up
// to 3. String length says nothing about that.
import { LIMITS } from '../protocol/limits.js';
import type { Page } from './ports.js';

/** API Gateway's limit for one message to a client. */
export const FRAME_MAX_BYTES = LIMITS.messageMaxBytes;

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** The bytes of one JSON array being filled, item by item. */
export class ListBudget {
  private used = 2; // the brackets
  private count = 0;

  constructor(private readonly limitBytes: number) {}

  /**
   * Counts the item in when the array stays within the limit, else false. The first item always goes in, so
   * paging moves forward: the protocol's field limits keep any single item far below every budget.
   */
  tryAdd(item: unknown): boolean {
    const after = this.used + jsonBytes(item) + (this.count > 0 ? 1 : 0);
    if (after > this.limitBytes && this.count > 0) return false;
    this.used = after;
    this.count += 1;
    return true;
  }
}

/** How many of `items`, from the first, fit in `limitBytes` as one JSON array (at least one of a non-empty list). */
export function countWithinBudget(items: readonly unknown[], limitBytes: number): number {
  const budget = new ListBudget(limitBytes);
  const fitting = items.findIndex((item) => !budget.tryAdd(item));
  return fitting === -1 ? items.length : fitting;
}

/**
 * The wire objects of a store page, in order, while they fit in `budget`, and the cursor that resumes right after
 * the last store item they cover (the page's own cursor when all fit; `full` tells that the budget stopped it).
 * `toWire` answers undefined for an item that adds nothing to the list (a room that vanished, a user listed
 * already): it is passed over, and counts as covered.
 */
export function fitPage<T, W>(
  page: Page<T>,
  toWire: (item: T) => W | undefined,
  budget: ListBudget,
): { items: W[]; cursor?: string; full: boolean } {
  const items: W[] = [];
  for (let index = 0; index < page.items.length; index++) {
    const object = toWire(page.items[index]!);
    if (object === undefined) continue;
    if (!budget.tryAdd(object)) return { items, cursor: page.cursorAfter(index - 1), full: true };
    items.push(object);
  }
  return page.cursor === undefined ? { items, full: false } : { items, cursor: page.cursor, full: false };
}
