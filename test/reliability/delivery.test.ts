// The soak harness at the size npm test can afford: about 100 connections in 20 rooms, 1,000 messages from every
// connection at once, ten SDK clients dropping for 2 s of every 15 s. Every delivery is checked against the history
// stored in the table (see test/soak/lib/delivery-check.ts); `npm run soak` runs the same at ten times the size.
import { describe, expect, it } from 'vitest';
import { SMALL_SOAK } from '../soak/lib/presets.js';
import { describeReport, runSoak } from '../soak/lib/soak.js';

describe('delivery under load and churn (small soak)', () => {
  it('delivers every message exactly once to every connection of its room, and churning clients end with all of them', async () => {
    const report = await runSoak(SMALL_SOAK);
    const summary = describeReport(report);
    expect(report.problems, summary).toEqual([]);
    expect(report.history.messagesStored).toBe(SMALL_SOAK.messages);
    expect(report.history.duplicateClientMessageIds).toBe(0);
    expect(report.raw.expectedDeliveries).toBeGreaterThan(SMALL_SOAK.messages * 3);
    expect(report.raw.delivered).toBe(report.raw.expectedDeliveries);
    expect(report.raw.missing + report.raw.duplicated + report.raw.outsideRoom + report.raw.echoedToSender).toBe(0);
    expect(report.churn.drops).toBeGreaterThanOrEqual(SMALL_SOAK.churningClients);
    expect(report.churn.reconnects).toBeGreaterThan(0);
    expect(report.churn.missing + report.churn.duplicated + report.churn.outOfOrder).toBe(0);
    expect(report.churn.emitted).toBe(report.churn.expectedMessages);
    expect(report.sends.rateLimited).toBe(0);
  }, 300_000);
});
