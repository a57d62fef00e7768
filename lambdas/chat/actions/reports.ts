// reportMessage: a member reports a message for the operator. The report is stored with a snapshot of the message,
// then an event is published (EventBridge) that an operator routes to moderation. Reports are limited per user and
// clock hour, counted in the table so the limit holds across every function instance.
import { randomUUID } from 'node:crypto';
import { LIMITS } from '../../protocol/index.js';
import type { ActionHandler, RuntimeWith } from '../context.js';
import { ChatError, describeError, notFound } from '../errors.js';
import type { ReportRecord } from '../ports.js';
import { requireMembership } from '../room-access.js';
import { toIsoTime } from '../wire-format.js';

const HOUR_MS = 3_600_000;

/** Best effort after the ack: the report is stored whatever happens here; a failure is counted and logged. */
async function publishReport(runtime: RuntimeWith<never>, report: ReportRecord): Promise<void> {
  if (!runtime.moderationEvents) return;
  try {
    await runtime.moderationEvents.messageReported(report);
  } catch (error) {
    runtime.metrics.count('ModerationEventsFailed');
    // The report id finds the stored report; its reason and the message content never reach a log line.
    runtime.logger.error('moderation event not published; the report is stored', {
      reportId: report.reportId,
      roomId: report.roomId,
      seq: report.seq,
      ...describeError(error),
    });
  }
}

export const reportMessage: ActionHandler<'reportMessage', 'rooms' | 'messages' | 'reports'> = async (
  runtime,
  request,
  input,
) => {
  const { roomId, seq } = input;
  const { reports } = runtime.stores;
  const [, found] = await Promise.all([
    requireMembership(runtime.stores.rooms, roomId, request.userId),
    runtime.stores.messages.getMessages(roomId, { after: seq - 1, limit: 1 }),
  ]);
  const message = found.messages[0];
  if (message?.seq !== seq) throw notFound(`seq: no message ${seq} in this room`);

  // A repeat (a client resending after a lost answer) gets the same report and counts nothing.
  const earlier = await reports.getReport(roomId, seq, request.userId);
  if (earlier) return { ack: { reportId: earlier.reportId } };
  const windowStart = Math.floor(request.now / HOUR_MS) * HOUR_MS;
  const allowed = await reports.takeReportQuota(
    request.userId,
    windowStart,
    LIMITS.reportsPerHour,
    windowStart + HOUR_MS,
  );
  if (!allowed) {
    throw new ChatError(
      'RATE_LIMITED',
      `reportMessage: at most ${LIMITS.reportsPerHour} reports an hour; try again after ${toIsoTime(windowStart + HOUR_MS)}`,
    );
  }
  const report: ReportRecord = {
    reportId: randomUUID(),
    roomId,
    seq,
    reporterId: request.userId,
    reason: input.reason,
    message,
    createdAt: request.now,
  };
  const stored = (await reports.putReportIfAbsent(report)) ?? report;
  if (stored !== report) return { ack: { reportId: stored.reportId } };
  runtime.metrics.count('MessagesReported');
  return { ack: { reportId: report.reportId }, after: () => publishReport(runtime, report) };
};
