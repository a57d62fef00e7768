import type { Message, MessageChange } from '../../lambdas/protocol/objects.js';

/** What a room's sequence holds: messages and the changes made to them, each under its own seq. */
export type Sequenced = Message | MessageChange;

export interface HistoryPage {
  messages: Message[];
  /** The changes of the page's range of seqs (getHistory with `after`). */
  changes?: MessageChange[];
  hasMore: boolean;
  /** Seqs the server left out for this user (messages and changes of users they blocked): no gap waits on them. */
  hiddenSeqs?: number[];
}

/** A page's messages and changes in one list, in seq order. */
export const pageItems = (page: HistoryPage): Sequenced[] =>
  [...page.messages, ...(page.changes ?? [])].sort((a, b) => a.seq - b.seq);

export interface SequencerDeps {
  /** getHistory with `after`: the oldest messages and changes with a greater seq, ascending. */
  fetchAfter(roomId: string, afterSeq: number): Promise<HistoryPage>;
  emit(item: Sequenced): void;
  onError(error: unknown): void;
  gapWaitMs: number;
}

/** Seqs passed over as gaps are remembered (bounded) so one stored late is still emitted once, not lost. */
const MAX_SKIPPED = 1_000;

/**
 * Turns one room's messages and changes from every source (live events, acks of own sends and changes, catch-up
 * pages) into one stream: each once, in seq order. Changes take seqs of the same sequence as messages, so they
 * are what fills the gaps between messages; the sequencer treats both alike.
 *
 * The server allocates a seq before it stores the message, so a gap in seq is either a message still being stored
 * (two sends racing) or one that will never exist (a send that failed half way). Messages behind a gap are held
 * while the gap is fetched; if it is still open after `gapWaitMs` it is passed over. A passed-over seq that shows
 * up later is emitted then (late, but never lost or doubled).
 */
export class RoomSequencer {
  private readonly held = new Map<number, Sequenced>();
  private readonly skipped = new Set<number>();
  /** Seqs above lastSeq the server said are hidden from this user: drained over like emitted ones. */
  private readonly hidden = new Set<number>();
  private syncing?: Promise<void>;
  private syncAgain = false;
  private gapTimer?: ReturnType<typeof setTimeout>;
  private disposed = false;

  constructor(
    readonly roomId: string,
    private lastSeq: number,
    private readonly deps: SequencerDeps,
  ) {}

  /** The highest seq emitted (or the starting point). */
  get lastSeenSeq(): number {
    return this.lastSeq;
  }

  /** A message or change from a live event or an ack. */
  accept(message: Sequenced): void {
    if (this.disposed) return;
    this.take(message);
    if (this.held.size > 0 && !this.syncing && !this.gapTimer) this.runSync();
  }

  /** Fetches what was stored after the last seen seq when the room has moved on (`roomLastSeq`) or gaps are open. */
  catchUp(roomLastSeq: number): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (roomLastSeq <= this.lastSeq && this.held.size === 0 && this.skipped.size === 0) return Promise.resolve();
    return this.runSync();
  }

  /** The connection is gone: stop waiting on gaps; the next catch-up resumes. */
  pause(): void {
    this.clearGapTimer();
  }

  dispose(): void {
    this.disposed = true;
    this.clearGapTimer();
    this.held.clear();
    this.hidden.clear();
  }

  private take(message: Sequenced): void {
    const { seq } = message;
    if (seq <= this.lastSeq) {
      if (this.skipped.delete(seq)) this.deps.emit(message);
      return;
    }
    if (this.held.has(seq)) return;
    this.held.set(seq, message);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      const seq = this.lastSeq + 1;
      const next = this.held.get(seq);
      if (next) {
        this.held.delete(seq);
        this.lastSeq = seq;
        this.deps.emit(next);
      } else if (this.hidden.delete(seq)) {
        this.lastSeq = seq;
      } else {
        return;
      }
    }
  }

  private passHidden(seqs: readonly number[]): void {
    for (const seq of this.hidden) if (seq <= this.lastSeq) this.hidden.delete(seq);
    for (const seq of seqs) if (seq > this.lastSeq) this.hidden.add(seq);
    this.drain();
  }

  private runSync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    const run = this.fetchAll()
      .then(() => {
        this.syncing = undefined;
        this.afterSync();
      })
      .catch((error: unknown) => {
        // A failed fetch (usually a lost connection) leaves the gap; the next catch-up closes it.
        this.syncing = undefined;
        throw error;
      });
    this.syncing = run;
    run.catch((error: unknown) => this.deps.onError(error));
    return run;
  }

  private async fetchAll(): Promise<void> {
    do {
      this.syncAgain = false;
      const fromSkipped = this.skipped.size > 0;
      let after = fromSkipped ? Math.min(this.lastSeq, Math.min(...this.skipped) - 1) : this.lastSeq;
      for (;;) {
        const page = await this.deps.fetchAfter(this.roomId, after);
        if (this.disposed) return;
        const items = pageItems(page);
        for (const item of items) this.take(item);
        if (page.hiddenSeqs) this.passHidden(page.hiddenSeqs);
        // Read on from the farthest seq the page covered, hidden ones included (a page may hold only hidden ones).
        const farthest = Math.max(after, ...items.map((item) => item.seq), ...(page.hiddenSeqs ?? []));
        if (!page.hasMore || farthest === after) break;
        after = farthest;
      }
      // Everything stored was just read: a passed-over seq still missing belongs to a send that failed.
      if (fromSkipped) this.skipped.clear();
    } while (this.syncAgain && !this.disposed);
  }

  private afterSync(): void {
    if (this.disposed || this.held.size === 0 || this.gapTimer) return;
    const gapEnd = Math.max(...this.held.keys());
    this.gapTimer = setTimeout(() => {
      this.runSync()
        .then(() => {
          this.gapTimer = undefined;
          this.skipGapsUpTo(gapEnd);
          this.afterSync();
        })
        .catch(() => {
          this.gapTimer = undefined;
        });
    }, this.deps.gapWaitMs);
  }

  private skipGapsUpTo(limit: number): void {
    while (!this.disposed) {
      const lowest = Math.min(...this.held.keys());
      if (!Number.isFinite(lowest) || lowest > limit) return;
      for (let seq = Math.max(this.lastSeq + 1, lowest - MAX_SKIPPED); seq < lowest; seq++) this.rememberSkipped(seq);
      this.lastSeq = lowest - 1;
      this.drain();
    }
  }

  private rememberSkipped(seq: number): void {
    this.skipped.add(seq);
    if (this.skipped.size > MAX_SKIPPED) this.skipped.delete(Math.min(...this.skipped));
  }

  private clearGapTimer(): void {
    if (this.gapTimer) clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
  }
}
