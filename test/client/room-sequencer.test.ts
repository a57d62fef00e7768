// The per-room resequencer on its own, over a plain array standing in for the room's stored history.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../client/src/index.js';
import { RoomSequencer } from '../../client/src/room-sequencer.js';
import { sleep, waitFor } from './local-stack-fixture.js';

function message(seq: number): Message {
  return {
    id: `m${seq}`,
    roomId: 'room',
    seq,
    senderId: 'u',
    senderName: 'U',
    content: `message ${seq}`,
    messageType: 'text',
    clientMessageId: `c${seq}`,
    createdAt: new Date(1_700_000_000_000 + seq).toISOString(),
  };
}

function setup(startSeq = 0, pageSize = 100, hiddenFromReader: ReadonlySet<number> = new Set()) {
  const stored: Message[] = [];
  const emitted: number[] = [];
  const fetches: number[] = [];
  const sequencer = new RoomSequencer('room', startSeq, {
    async fetchAfter(_roomId, after) {
      fetches.push(after);
      const newer = stored.filter((m) => m.seq > after).sort((a, b) => a.seq - b.seq);
      const window = newer.slice(0, pageSize);
      const hiddenSeqs = window.filter((m) => hiddenFromReader.has(m.seq)).map((m) => m.seq);
      return {
        messages: window.filter((m) => !hiddenFromReader.has(m.seq)),
        hasMore: newer.length > pageSize,
        ...(hiddenSeqs.length > 0 && { hiddenSeqs }),
      };
    },
    emit: (m) => emitted.push(m.seq),
    onError: (error) => {
      throw error;
    },
    gapWaitMs: 30,
  });
  const store = (...seqs: number[]) => stored.push(...seqs.map(message));
  return { sequencer, stored, emitted, fetches, store };
}

describe('RoomSequencer', () => {
  it('emits in order and drops duplicates', () => {
    const { sequencer, emitted, fetches } = setup();
    for (const seq of [1, 2, 2, 3, 1]) sequencer.accept(message(seq));
    expect(emitted).toEqual([1, 2, 3]);
    expect(fetches).toEqual([]);
    expect(sequencer.lastSeenSeq).toBe(3);
  });

  it('holds a message behind a gap and fills the gap from history', async () => {
    const { sequencer, emitted, fetches, store } = setup();
    store(1, 2, 3, 4);
    sequencer.accept(message(1));
    sequencer.accept(message(4));
    expect(emitted).toEqual([1]);
    await waitFor(() => emitted.length === 4, 'the gap filled');
    expect(emitted).toEqual([1, 2, 3, 4]);
    expect(fetches).toEqual([1]);
  });

  it('waits for a message stored a moment late, then emits it in order', async () => {
    const { sequencer, emitted, store } = setup();
    store(1, 3);
    sequencer.accept(message(1));
    sequencer.accept(message(3));
    await sleep(10);
    expect(emitted).toEqual([1]);
    store(2);
    await waitFor(() => emitted.length === 3, 'the late one');
    expect(emitted).toEqual([1, 2, 3]);
  });

  it('passes over a gap that never fills, and emits the missing seq once if it turns up after all', async () => {
    const { sequencer, emitted, store } = setup();
    store(1, 3, 4);
    sequencer.accept(message(1));
    sequencer.accept(message(3));
    sequencer.accept(message(4));
    await waitFor(() => emitted.length === 3, 'passing over seq 2', 2_000);
    expect(emitted).toEqual([1, 3, 4]);
    sequencer.accept(message(2));
    sequencer.accept(message(2));
    expect(emitted).toEqual([1, 3, 4, 2]);
  });

  it('catches up page by page from where it stopped', async () => {
    const { sequencer, emitted, fetches, store } = setup(10, 25);
    store(...Array.from({ length: 70 }, (_, i) => i + 1));
    await sequencer.catchUp(70);
    expect(emitted).toEqual(Array.from({ length: 60 }, (_, i) => i + 11));
    expect(fetches).toEqual([10, 35, 60]);
    await sequencer.catchUp(70);
    expect(fetches).toHaveLength(3);
  });

  it('passes over seqs the server says are hidden at once, without waiting out the gap', async () => {
    // gapWaitMs is an hour here: only hiddenSeqs can let seq 4 through.
    const stored: Message[] = [1, 2, 3, 4].map(message);
    const emitted: number[] = [];
    const sequencer = new RoomSequencer('room', 0, {
      async fetchAfter(_roomId, after) {
        const newer = stored.filter((m) => m.seq > after);
        return { messages: newer.filter((m) => m.seq !== 2 && m.seq !== 3), hasMore: false, hiddenSeqs: [2, 3] };
      },
      emit: (m) => emitted.push(m.seq),
      onError: (error) => {
        throw error;
      },
      gapWaitMs: 3_600_000,
    });
    sequencer.accept(message(1));
    sequencer.accept(message(4));
    await waitFor(() => emitted.length === 2, 'seq 4 past the hidden ones', 2_000);
    expect(emitted).toEqual([1, 4]);
    sequencer.dispose();
  });

  it('pages on past pages that hold only hidden seqs, and knows the room is caught up', async () => {
    const hidden = new Set([3, 4, 5, 6, 7, 8, 12]);
    const { sequencer, emitted, fetches, store } = setup(0, 3, hidden);
    store(...Array.from({ length: 12 }, (_, i) => i + 1));
    await sequencer.catchUp(12);
    expect(emitted).toEqual([1, 2, 9, 10, 11]);
    expect(fetches).toEqual([0, 3, 6, 9]);
    expect(sequencer.lastSeenSeq).toBe(12);
    // Nothing left to fetch: the tail (a hidden message) counts as seen.
    await sequencer.catchUp(12);
    expect(fetches).toHaveLength(4);
  });
});
