// The sweep split across parallel invocations (lambdas/adapters/sweep-targets.ts): each invocation sweeps only the
// shards its schedule target names, together they sweep every shard once, and an event asking for shards that do
// not exist is refused rather than read as "all".
import { describe, expect, it } from 'vitest';
import { sweepShardOf } from '../../../lambdas/adapters/dynamo/keys.js';
import { SWEEP_TARGET_SHARDS, shardsOfSweepEvent } from '../../../lambdas/adapters/sweep-targets.js';
import { SWEEP_SHARDS } from '../../../lambdas/chat/ports/connections.js';
import { createChatHarness } from '../../fakes/chat-harness.js';

const storedIds = (h: ReturnType<typeof createChatHarness>): string[] =>
  h.stores.dump().connections.map((connection) => connection.connectionId);

describe('a sweep of some shards', () => {
  it('removes the ghosts of its shards only; the parts of the schedule together remove them all', async () => {
    const h = createChatHarness();
    for (let i = 0; i < 24; i += 1) await h.connect(`user-${i}`);
    const ids = storedIds(h);
    // Every connection outlived its two hours without a $disconnect: each sweep that reads it removes it.
    h.clock.advance(3 * 60 * 60 * 1000);
    const [first, ...rest] = SWEEP_TARGET_SHARDS;
    const inFirst = ids.filter((id) => first!.includes(sweepShardOf(id)));
    expect(inFirst.length).toBeGreaterThan(0);
    expect(inFirst.length).toBeLessThan(ids.length);

    expect(await h.chat.sweep(first)).toMatchObject({ checked: inFirst.length, removed: inFirst.length, failed: 0 });
    expect(storedIds(h).sort()).toEqual(ids.filter((id) => !inFirst.includes(id)).sort());

    for (const shards of rest) await h.chat.sweep(shards);
    expect(storedIds(h)).toEqual([]);
  });

  it('sweeps every shard when given none', async () => {
    const h = createChatHarness();
    for (let i = 0; i < 12; i += 1) await h.connect(`user-${i}`);
    h.clock.advance(3 * 60 * 60 * 1000);
    expect(await h.chat.sweep()).toMatchObject({ checked: 12, removed: 12, failed: 0 });
  });
});

describe('the schedule targets and their events', () => {
  it('cover every shard exactly once', () => {
    const shards = SWEEP_TARGET_SHARDS.flat();
    expect([...shards].sort((a, b) => a - b)).toEqual(Array.from({ length: SWEEP_SHARDS }, (_, shard) => shard));
  });

  it("read a target's shards, and every shard for an event without them (a plain scheduled event)", () => {
    expect(shardsOfSweepEvent({ shards: [2, 3] })).toEqual([2, 3]);
    expect(shardsOfSweepEvent({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} })).toBeUndefined();
    expect(shardsOfSweepEvent(undefined)).toBeUndefined();
    expect(shardsOfSweepEvent(null)).toBeUndefined();
  });

  it.each([[[]], [[SWEEP_SHARDS]], [[-1]], [[1.5]], [['1']], [[1, 1]], ['0-3'], [null]])(
    'refuse shards %j',
    (shards) => {
      expect(() => shardsOfSweepEvent({ shards })).toThrow(/^sweeper event: shards must be distinct integers/);
    },
  );
});
