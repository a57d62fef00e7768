// Rooms, members and read markers in memory.
import type { MemberRecord, Page, PageRequest, RoomRecord, RoomStore } from '../../../lambdas/chat/ports.js';
import { copiesOf, copy, key, pageOf, type MemoryTable } from './memory-table.js';

export class MemoryRoomStore implements RoomStore {
  constructor(private readonly table: MemoryTable) {}

  async createRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<void> {
    await this.table.enter('createRoom');
    if (this.table.rooms.has(room.roomId)) throw new Error(`room ${room.roomId} already exists`);
    this.table.rooms.set(room.roomId, copy(room));
    for (const member of members) {
      this.table.members.set(key(room.roomId, member.userId), copy({ ...member, roomId: room.roomId }));
    }
  }

  async ensureRoom(room: RoomRecord, members: readonly MemberRecord[]): Promise<{ room: RoomRecord; added: string[] }> {
    await this.table.enter('ensureRoom');
    if (!this.table.rooms.has(room.roomId)) this.table.rooms.set(room.roomId, copy(room));
    const added = this.addAbsentMembers(room.roomId, members);
    return { room: copy(this.table.rooms.get(room.roomId)!), added };
  }

  async getRoomAndMember(roomId: string, userId: string): Promise<{ room?: RoomRecord; member?: MemberRecord }> {
    await this.table.enter('getRoomAndMember');
    const result: { room?: RoomRecord; member?: MemberRecord } = {};
    const room = this.table.rooms.get(roomId);
    const member = this.table.members.get(key(roomId, userId));
    if (room) result.room = copy(room);
    if (member) result.member = copy(member);
    return result;
  }

  async getRooms(roomIds: readonly string[]): Promise<Map<string, RoomRecord>> {
    await this.table.enter('getRooms');
    return copiesOf(this.table.rooms, roomIds);
  }

  async addMembers(roomId: string, members: readonly MemberRecord[]): Promise<string[]> {
    await this.table.enter('addMembers');
    return this.addAbsentMembers(roomId, members);
  }

  private addAbsentMembers(roomId: string, members: readonly MemberRecord[]): string[] {
    const added: string[] = [];
    for (const member of members) {
      const memberKey = key(roomId, member.userId);
      if (this.table.members.has(memberKey)) continue;
      this.table.members.set(memberKey, copy({ ...member, roomId }));
      added.push(member.userId);
    }
    return added;
  }

  async removeMember(roomId: string, userId: string): Promise<boolean> {
    await this.table.enter('removeMember');
    return this.table.members.delete(key(roomId, userId));
  }

  async listMembers(roomId: string, page: PageRequest): Promise<Page<MemberRecord>> {
    await this.table.enter('listMembers');
    const entries = [...this.table.members.values()]
      .filter((member) => member.roomId === roomId)
      .map((member): [string, MemberRecord] => [member.userId, member]);
    return pageOf(entries, page, 'members', roomId);
  }

  async listMemberships(userId: string, page: PageRequest): Promise<Page<MemberRecord>> {
    await this.table.enter('listMemberships');
    const entries = [...this.table.members.values()]
      .filter((member) => member.userId === userId)
      .map((member): [string, MemberRecord] => [member.roomId, member]);
    return pageOf(entries, page, 'memberships', userId);
  }

  async advanceReadMarker(roomId: string, userId: string, seq: number): Promise<boolean> {
    await this.table.enter('advanceReadMarker');
    const member = this.table.members.get(key(roomId, userId));
    if (!member || member.lastReadSeq >= seq) return false;
    member.lastReadSeq = seq;
    return true;
  }

  async setPushMuted(roomId: string, userId: string, muted: boolean): Promise<boolean> {
    await this.table.enter('setPushMuted');
    const member = this.table.members.get(key(roomId, userId));
    if (!member) return false;
    if (muted) member.pushMuted = true;
    else delete member.pushMuted;
    return true;
  }
}
