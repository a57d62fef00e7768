// Reports on the table: ROOM#<room> REPORT#<seq, 16 digits>#<reporter> (one per reporter and message, with the
// reason and a snapshot of the message) and USER#<user> REPORTQUOTA#<hour start> (a counter per user and clock hour,
// expiring with its hour).
import type { ReportRecord, ReportStore } from '../../chat/ports.js';
import { messageFromItem } from './codec.js';
import { EXPIRES_AT_MS, TTL_ATTRIBUTE, keys, ttlSeconds } from './keys.js';
import { ITEM_ABSENT } from './queries.js';
import type { Item, Table } from './table.js';

const reportItem = (report: ReportRecord): Item => ({
  ...keys.report(report.roomId, report.seq, report.reporterId),
  reportId: report.reportId,
  roomId: report.roomId,
  seq: report.seq,
  reporterId: report.reporterId,
  reason: report.reason,
  message: { ...report.message },
  createdAt: report.createdAt,
});

const reportFromItem = (item: Item): ReportRecord => ({
  reportId: item.reportId as string,
  roomId: item.roomId as string,
  seq: item.seq as number,
  reporterId: item.reporterId as string,
  reason: item.reason as string,
  message: messageFromItem(item.message as Item),
  createdAt: item.createdAt as number,
});

export function createReportStore(table: Table): ReportStore {
  async function getReport(operation: string, roomId: string, seq: number, reporterId: string) {
    const item = await table.get(operation, keys.report(roomId, seq, reporterId), true);
    return item && reportFromItem(item);
  }

  return {
    async getReport(roomId, seq, reporterId) {
      return getReport('getReport', roomId, seq, reporterId);
    },

    async takeReportQuota(userId, windowStart, max, expiresAt) {
      const counted = await table.updateIf('takeReportQuota', keys.reportQuota(userId, windowStart), {
        update: {
          expression: 'ADD reports :one SET #expiresAtMs = :expiresAtMs, #ttl = :ttl',
          names: { '#expiresAtMs': EXPIRES_AT_MS, '#ttl': TTL_ATTRIBUTE },
          values: { ':one': 1, ':expiresAtMs': expiresAt, ':ttl': ttlSeconds(expiresAt) },
        },
        condition: { expression: 'attribute_not_exists(reports) OR reports < :max', values: { ':max': max } },
      });
      return counted !== undefined;
    },

    async putReportIfAbsent(report) {
      if (await table.putIf('putReportIfAbsent', reportItem(report), ITEM_ABSENT)) return undefined;
      const first = await getReport('putReportIfAbsent', report.roomId, report.seq, report.reporterId);
      if (!first) throw new Error('putReportIfAbsent: the report vanished while it was read');
      return first;
    },
  };
}
