// The behaviour every ReportStore must have (see ./store-fixtures.ts for how the contracts run).
import { describe, expect, it } from 'vitest';
import type { ReportRecord } from '../../lambdas/chat/ports.js';
import { message, storesPerTest, T0, uid, type MakeStores } from './store-fixtures.js';

const HOUR = 3_600_000;

function report(roomId: string, seq: number, reporterId: string, overrides: Partial<ReportRecord> = {}): ReportRecord {
  return {
    reportId: uid('report'),
    roomId,
    seq,
    reporterId,
    reason: 'spam "quoted" \\ and\nmore ✓',
    message: message(roomId, seq, {
      content: 'the "content" at report time </script>',
      attachmentUrl: 'https://x.example/a',
    }),
    createdAt: T0,
    ...overrides,
  };
}

export function describeReportStoreContract(name: string, makeStores: MakeStores): void {
  describe(`ReportStore contract: ${name}`, () => {
    const stores = storesPerTest(makeStores);

    it('stores one report per reporter and message, with its snapshot, and reads it back', async () => {
      const roomId = uid('room');
      const [alice, bob] = [uid('alice'), uid('bob')];
      const first = report(roomId, 7, alice);
      expect(await stores.reports.getReport(roomId, 7, alice)).toBeUndefined();
      expect(await stores.reports.putReportIfAbsent(first)).toBeUndefined();
      expect(await stores.reports.getReport(roomId, 7, alice)).toEqual(first);
      // The same reporter again: the first one stands.
      expect(await stores.reports.putReportIfAbsent(report(roomId, 7, alice, { reason: 'again' }))).toEqual(first);
      // Another reporter, another message, another room: reports of their own.
      expect(await stores.reports.putReportIfAbsent(report(roomId, 7, bob))).toBeUndefined();
      expect(await stores.reports.putReportIfAbsent(report(roomId, 8, alice))).toBeUndefined();
      expect(await stores.reports.getReport(uid('room'), 7, alice)).toBeUndefined();
      expect((await stores.reports.getReport(roomId, 7, bob))?.reporterId).toBe(bob);
    });

    it('counts reports per user and window up to the maximum', async () => {
      const [alice, bob] = [uid('alice'), uid('bob')];
      const window = Math.floor(T0 / HOUR) * HOUR;
      const take = (userId: string, start = window) => stores.reports.takeReportQuota(userId, start, 3, start + HOUR);
      expect([await take(alice), await take(alice), await take(alice)]).toEqual([true, true, true]);
      expect(await take(alice)).toBe(false);
      expect(await take(alice)).toBe(false);
      expect(await take(bob)).toBe(true);
      expect(await take(alice, window + HOUR)).toBe(true);
    });

    it('lets no more than the maximum through when takes race', async () => {
      const alice = uid('alice');
      const results = await Promise.all(
        Array.from({ length: 8 }, () => stores.reports.takeReportQuota(alice, T0, 5, T0 + HOUR)),
      );
      expect(results.filter(Boolean)).toHaveLength(5);
    });
  });
}
