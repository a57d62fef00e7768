// Rooms and their members. The read marker (lastReadSeq) is part of the membership: it is read with it, written
// only while it exists, and goes when the member leaves, so it lives here rather than with the messages.
import type { RoomKind } from '../../protocol/index.js';
import type { Page, PageRequest } from './paging.js';

export interface RoomRecord {
  roomId: string;
  name: string;
  kind: RoomKind;
  createdBy: string;
  createdAt: number;
  lastSeq: number;
}

export interface MemberRecord {
  roomId: string;
  userId: string;
  joinedAt: number;
  lastReadSeq: number;
  /** Present (true) while the member has muted the room's push notifications. */
  pushMuted?: true;
}

export interface RoomStore {
  /** All or nothing: the room and its members, or (after a failure) nothing left behind. */
  createRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<void>;
  /**
   * For direct rooms, whose id is derived from the pair: creates the room unless it exists and (re)writes any
   * missing member. Returns the room as stored and the user ids whose membership this call added.
   */
  ensureRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<{ room: RoomRecord; added: string[] }>;
  getRoomAndMember(roomId: string, userId: string): Promise<{ room?: RoomRecord; member?: MemberRecord }>;
  getRooms(roomIds: readonly string[]): Promise<Map<string, RoomRecord>>;
  /** Adds the members not yet in the room; returns the user ids it added. */
  addMembers(roomId: string, members: readonly MemberRecord[]): Promise<string[]>;
  /** True when the user was a member. */
  removeMember(roomId: string, userId: string): Promise<boolean>;
  listMembers(roomId: string, page: PageRequest): Promise<Page<MemberRecord>>;
  /** The user's memberships (the rooms they are in). */
  listMemberships(userId: string, page: PageRequest): Promise<Page<MemberRecord>>;
  /** Moves the read marker forward only; true when it moved. */
  advanceReadMarker(roomId: string, userId: string, seq: number): Promise<boolean>;
  /** Mutes or unmutes the room's push notifications for the member; false (nothing written) for a non-member. */
  setPushMuted(roomId: string, userId: string, muted: boolean): Promise<boolean>;
}
