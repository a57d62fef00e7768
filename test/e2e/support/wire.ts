// Shapes of the wire objects, checked the same way in every e2e file.
import { expect } from 'vitest';
import type { Frame, FramePredicate } from './test-client.js';

/** ISO 8601 in UTC with milliseconds, as PROTOCOL.md requires of every time on the wire. */
export const ISO_UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function expectIsoTime(value: unknown, near?: number, toleranceMs = 5_000): number {
  expect(value).toMatch(ISO_UTC_MS);
  const ms = Date.parse(value as string);
  expect(Number.isNaN(ms)).toBe(false);
  if (near !== undefined) expect(Math.abs(ms - near)).toBeLessThanOrEqual(toleranceMs);
  return ms;
}

/** The time must fall between two instants this process saw (same clock as the stack's, so no tolerance is needed). */
export function expectIsoTimeBetween(value: unknown, earliest: number, latest: number): number {
  const ms = expectIsoTime(value);
  expect(ms).toBeGreaterThanOrEqual(earliest - 5);
  expect(ms).toBeLessThanOrEqual(latest + 5);
  return ms;
}

export function expectRoomShape(room: unknown): void {
  expect(room).toMatchObject({
    roomId: expect.any(String),
    name: expect.any(String),
    kind: expect.stringMatching(/^(group|direct)$/),
    createdBy: expect.any(String),
    lastSeq: expect.any(Number),
  });
  expectIsoTime((room as { createdAt: unknown }).createdAt);
}

export function expectMessageShape(message: unknown): void {
  expect(message).toMatchObject({
    id: expect.any(String),
    roomId: expect.any(String),
    seq: expect.any(Number),
    senderId: expect.any(String),
    senderName: expect.any(String),
    content: expect.any(String),
    messageType: expect.stringMatching(/^(text|image|file)$/),
    clientMessageId: expect.any(String),
  });
  expectIsoTime((message as { createdAt: unknown }).createdAt);
}

/** Frames of one type, optionally narrowed by field values. */
export const frameOf =
  (type: string, fields: Record<string, unknown> = {}): FramePredicate =>
  (frame: Frame) =>
    frame.type === type && Object.entries(fields).every(([key, value]) => frame[key] === value);

export const messageEvent =
  (roomId: string, messageId?: string): FramePredicate =>
  (frame) =>
    frame.type === 'message' &&
    frame.roomId === roomId &&
    (messageId === undefined || (frame.message as { id?: unknown } | undefined)?.id === messageId);

/**
 * Any event that a subscription to the room delivers (message, typing, presence, read, memberJoined, memberLeft).
 * roomJoined is left out: it reaches a user for joining, not through a subscription.
 */
export const anyEventFor =
  (roomId: string): FramePredicate =>
  (frame) =>
    frame.type !== 'ack' && frame.type !== 'error' && frame.type !== 'roomJoined' && frame.roomId === roomId;

/** An ack carries type, requestId and action, the listed fields, and nothing else (the optional ones may be absent). */
export function expectAckFields(ack: Frame, fields: string[], optional: string[] = []): void {
  const keys = Object.keys(ack).filter((key) => !optional.includes(key));
  expect(keys.sort()).toEqual(['action', 'requestId', 'type', ...fields].sort());
}
