// Reports of messages, kept for the operator, and the per-user quota that bounds how many one user can file.
import type { Message } from '../../protocol/index.js';

export interface ReportRecord {
  reportId: string;
  roomId: string;
  seq: number;
  reporterId: string;
  reason: string;
  /** The message as it was when it was reported: it may be edited or deleted later. */
  message: Message;
  createdAt: number;
}

export interface ReportStore {
  /** The report `reporterId` filed on that message, if any (strongly consistent: a retry must find it). */
  getReport(roomId: string, seq: number, reporterId: string): Promise<ReportRecord | undefined>;
  /**
   * Counts one report against the user's quota for the window that starts at `windowStart` (and is forgotten after
   * `expiresAt`); false, with nothing counted, when `max` were counted in it already.
   */
  takeReportQuota(userId: string, windowStart: number, max: number, expiresAt: number): Promise<boolean>;
  /** Stores the report unless that reporter reported that message already; then returns the one stored first. */
  putReportIfAbsent(report: ReportRecord): Promise<ReportRecord | undefined>;
}
