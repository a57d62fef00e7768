// Reports and report quotas in memory.
import type { ReportRecord, ReportStore } from '../../../lambdas/chat/ports.js';
import { copy, key, type MemoryTable } from './memory-table.js';

export class MemoryReportStore implements ReportStore {
  constructor(private readonly table: MemoryTable) {}

  async getReport(roomId: string, seq: number, reporterId: string): Promise<ReportRecord | undefined> {
    await this.table.enter('getReport');
    const report = this.table.reports.get(key(roomId, String(seq), reporterId));
    return report && copy(report);
  }

  async takeReportQuota(userId: string, windowStart: number, max: number): Promise<boolean> {
    await this.table.enter('takeReportQuota');
    const quotaKey = key(userId, String(windowStart));
    const used = this.table.reportQuotas.get(quotaKey) ?? 0;
    if (used >= max) return false;
    this.table.reportQuotas.set(quotaKey, used + 1);
    return true;
  }

  async putReportIfAbsent(report: ReportRecord): Promise<ReportRecord | undefined> {
    await this.table.enter('putReportIfAbsent');
    const reportKey = key(report.roomId, String(report.seq), report.reporterId);
    const existing = this.table.reports.get(reportKey);
    if (existing) return copy(existing);
    this.table.reports.set(reportKey, copy(report));
    return undefined;
  }
}
