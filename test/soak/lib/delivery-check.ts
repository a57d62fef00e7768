// Judges a soak run against the stored history (the ground truth, read from the table at the end): every message
// of a room reached every connection subscribed to it exactly once, byte for byte, and nothing else reached it.
import type { Message } from '../../../lambdas/protocol/index.js';
import { latencySummary, type LatencySummary } from '../../../bench/lib/stats.js';

export interface Delivery {
  roomId: string;
  id: string;
  seq: number;
  content: string;
  at: number;
}

export interface RawConnectionRecord {
  label: string;
  userId: string;
  roomIds: ReadonlySet<string>;
  /** Every `message` event it received, in arrival order. */
  deliveries: Delivery[];
}

export interface SentRecord {
  /** The connection that sent it (its own copy comes in the ack, never as an event). */
  label: string;
  content: string;
  /** When the first attempt left the sender; only for raw senders. */
  sentAt?: number;
}

export interface ChurnRecord {
  userId: string;
  roomIds: ReadonlySet<string>;
  emitted: ReadonlyMap<string, readonly Message[]>;
  seenLive: ReadonlySet<string>;
}

export const sentKey = (roomId: string, senderId: string, clientMessageId: string): string =>
  `${roomId}\u0000${senderId}\u0000${clientMessageId}`;

export interface HistoryFindings {
  rooms: number;
  messagesStored: number;
  /** Seqs never stored in a room (a send that failed half way, or retries racing): allowed, but counted. */
  seqGaps: number;
  /** Messages stored twice under one (room, sender, clientMessageId): never allowed. */
  duplicateClientMessageIds: number;
  /** Stored messages whose content differs from what was sent. */
  contentAltered: number;
  /** Messages acked to a sender but missing from the history. */
  ackedButNotStored: number;
}

export interface RawFindings {
  connections: number;
  expectedDeliveries: number;
  delivered: number;
  missing: number;
  duplicated: number;
  /** Events for a room the connection's user is not in. */
  outsideRoom: number;
  /** The sending connection got its own message as an event. */
  echoedToSender: number;
  contentAltered: number;
  /** Deliveries that arrived after a higher seq of the same room had (the wire does not promise order). */
  arrivedOutOfOrder: number;
  latencyMs?: LatencySummary;
}

export interface ChurnFindings {
  clients: number;
  expectedMessages: number;
  emitted: number;
  missing: number;
  duplicated: number;
  /** Emitted with a seq at or below one emitted before in that room. */
  outOfOrder: number;
  outsideRoom: number;
  /** Of the messages others sent to a churning client's rooms, the share that reached it live (not by catch-up). */
  liveShare: number;
  /** A few of the missing messages, to tell why. */
  missingSamples: Array<{ userId: string; roomId: string; seq: number; seenLive: boolean; lastEmittedSeq: number }>;
}

export function checkHistory(
  history: ReadonlyMap<string, readonly Message[]>,
  sent: ReadonlyMap<string, SentRecord>,
  acked: ReadonlyMap<string, Message>,
): HistoryFindings {
  let messagesStored = 0;
  let seqGaps = 0;
  let duplicateClientMessageIds = 0;
  let contentAltered = 0;
  const storedIds = new Set<string>();
  for (const messages of history.values()) {
    messagesStored += messages.length;
    const keys = new Set<string>();
    let previous = 0;
    for (const message of messages) {
      if (message.seq <= previous) throw new Error(`history of ${message.roomId} is not in ascending seq order`);
      seqGaps += message.seq - previous - 1;
      previous = message.seq;
      storedIds.add(message.id);
      const key = sentKey(message.roomId, message.senderId, message.clientMessageId);
      if (keys.has(key)) duplicateClientMessageIds += 1;
      keys.add(key);
      if (sent.get(key)?.content !== message.content) contentAltered += 1;
    }
  }
  let ackedButNotStored = 0;
  for (const message of acked.values()) if (!storedIds.has(message.id)) ackedButNotStored += 1;
  return { rooms: history.size, messagesStored, seqGaps, duplicateClientMessageIds, contentAltered, ackedButNotStored };
}

export function checkRawDeliveries(
  history: ReadonlyMap<string, readonly Message[]>,
  sent: ReadonlyMap<string, SentRecord>,
  connections: readonly RawConnectionRecord[],
): RawFindings {
  const byId = new Map<string, { message: Message; sender: SentRecord | undefined }>();
  for (const messages of history.values()) {
    for (const message of messages) {
      byId.set(message.id, {
        message,
        sender: sent.get(sentKey(message.roomId, message.senderId, message.clientMessageId)),
      });
    }
  }
  const findings: RawFindings = {
    connections: connections.length,
    expectedDeliveries: 0,
    delivered: 0,
    missing: 0,
    duplicated: 0,
    outsideRoom: 0,
    echoedToSender: 0,
    contentAltered: 0,
    arrivedOutOfOrder: 0,
  };
  const latencies: number[] = [];
  for (const connection of connections) {
    const counts = new Map<string, number>();
    const highestSeq = new Map<string, number>();
    for (const delivery of connection.deliveries) {
      findings.delivered += 1;
      if (!connection.roomIds.has(delivery.roomId)) {
        findings.outsideRoom += 1;
        continue;
      }
      const known = byId.get(delivery.id);
      if (known?.sender?.label === connection.label) findings.echoedToSender += 1;
      if (known && known.message.content !== delivery.content) findings.contentAltered += 1;
      counts.set(delivery.id, (counts.get(delivery.id) ?? 0) + 1);
      if (delivery.seq < (highestSeq.get(delivery.roomId) ?? 0)) findings.arrivedOutOfOrder += 1;
      highestSeq.set(delivery.roomId, Math.max(delivery.seq, highestSeq.get(delivery.roomId) ?? 0));
      if (known?.sender?.sentAt !== undefined && counts.get(delivery.id) === 1)
        latencies.push(delivery.at - known.sender.sentAt);
    }
    for (const roomId of connection.roomIds) {
      for (const message of history.get(roomId) ?? []) {
        if (byId.get(message.id)?.sender?.label === connection.label) continue;
        findings.expectedDeliveries += 1;
        const count = counts.get(message.id) ?? 0;
        if (count === 0) findings.missing += 1;
        if (count > 1) findings.duplicated += count - 1;
      }
    }
  }
  if (latencies.length > 0) findings.latencyMs = latencySummary(latencies);
  return findings;
}

export function checkChurningClients(
  history: ReadonlyMap<string, readonly Message[]>,
  clients: readonly ChurnRecord[],
): ChurnFindings {
  const findings: ChurnFindings = {
    clients: clients.length,
    expectedMessages: 0,
    emitted: 0,
    missing: 0,
    duplicated: 0,
    outOfOrder: 0,
    outsideRoom: 0,
    liveShare: 0,
    missingSamples: [],
  };
  let fromOthers = 0;
  let fromOthersLive = 0;
  for (const client of clients) {
    for (const [roomId, messages] of client.emitted) {
      findings.emitted += messages.length;
      if (!client.roomIds.has(roomId)) findings.outsideRoom += messages.length;
      let previous = 0;
      const seen = new Set<string>();
      for (const message of messages) {
        if (message.seq <= previous) findings.outOfOrder += 1;
        previous = Math.max(previous, message.seq);
        if (seen.has(message.id)) findings.duplicated += 1;
        seen.add(message.id);
      }
    }
    for (const roomId of client.roomIds) {
      const emittedIds = new Set((client.emitted.get(roomId) ?? []).map((message) => message.id));
      for (const message of history.get(roomId) ?? []) {
        findings.expectedMessages += 1;
        if (!emittedIds.has(message.id)) {
          findings.missing += 1;
          if (findings.missingSamples.length < 10) {
            const lastEmittedSeq = Math.max(0, ...(client.emitted.get(roomId) ?? []).map((m) => m.seq));
            findings.missingSamples.push({
              userId: client.userId,
              roomId,
              seq: message.seq,
              seenLive: client.seenLive.has(message.id),
              lastEmittedSeq,
            });
          }
        }
        if (message.senderId !== client.userId) {
          fromOthers += 1;
          if (client.seenLive.has(message.id)) fromOthersLive += 1;
        }
      }
    }
  }
  findings.liveShare = fromOthers === 0 ? 1 : fromOthersLive / fromOthers;
  return findings;
}
