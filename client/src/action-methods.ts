import type { AckFields } from '../../lambdas/protocol/frames.js';
import type { BlockedUser, Message, MessageChange, PushPlatform, Room, User } from '../../lambdas/protocol/objects.js';
import { uploadFile } from './attachments.js';
import type { Ack, ActionFields, ActionName } from './types.js';

export interface RequestOptions {
  /** Overrides the client's requestTimeoutMs for this request. */
  timeoutMs?: number;
}

/** `request(action)` may omit the fields of actions that need none. */
export type RequestArgs<A extends ActionName> =
  Record<string, never> extends ActionFields[A]
    ? [fields?: ActionFields[A], options?: RequestOptions]
    : [fields: ActionFields[A], options?: RequestOptions];

/**
 * The ChatClient's methods that are one action each: they send it with `request` and resolve with what its ack says
 * (every page of it, for the lists). What the client keeps (rooms, unread counts, changed messages) follows from the
 * ack and the events on the client's side, so nothing here holds state.
 */
export abstract class ActionMethods {
  /**
   * Sends any action and resolves with its ack, or rejects with a ChatError (the server's code, or DISCONNECTED /
   * TIMEOUT / CLOSED).
   */
  abstract request<A extends ActionName>(action: A, ...args: RequestArgs<A>): Promise<Ack<A>>;

  // ---- Messages and rooms ---------------------------------------------------------------------------------------

  /**
   * Replaces the content of one of the user's own messages; resolves with the message as it is now. The edit is
   * also emitted as a `messageChanged` event, in seq order. Repeating it changes nothing more.
   */
  async editMessage(roomId: string, seq: number, content: string): Promise<Message> {
    return (await this.request('editMessage', { roomId, seq, content })).message;
  }

  /**
   * Deletes a message (the user's own, or any in a group room the user created): its content is removed from the
   * server. Resolves with the message as it is now (`deleted: true`); emitted as a `messageChanged` event.
   */
  async deleteMessage(roomId: string, seq: number): Promise<Message> {
    return (await this.request('deleteMessage', { roomId, seq })).message;
  }

  /** Gives (`on`, the default) or takes back the user's reaction with one emoji; resolves with the message now. */
  async react(roomId: string, seq: number, emoji: string, on = true): Promise<Message> {
    return (await this.request('react', { roomId, seq, emoji, on })).message;
  }

  async createRoom(name: string, memberIds?: string[]): Promise<Room> {
    return (await this.request('createRoom', memberIds ? { name, memberIds } : { name })).room;
  }

  async openDirect(userId: string): Promise<Room> {
    return (await this.request('openDirect', { userId })).room;
  }

  async addMembers(roomId: string, userIds: string[]): Promise<Room> {
    return (await this.request('addMembers', { roomId, userIds })).room;
  }

  async leaveRoom(roomId: string): Promise<void> {
    await this.request('leaveRoom', { roomId });
  }

  /**
   * One page of history: the newest by default, older than `before`, or newer than `after`; ascending seq. Messages
   * and changes of users this user blocked are left out; `hiddenSeqs` lists their seqs, so paging goes on from the
   * farthest of those and the seqs of the messages and changes.
   */
  async getHistory(
    roomId: string,
    query: { before?: number; after?: number; limit?: number } = {},
  ): Promise<{ messages: Message[]; changes: MessageChange[]; hasMore: boolean; hiddenSeqs: number[] }> {
    const { messages, changes, hasMore, hiddenSeqs } = await this.request('getHistory', { roomId, ...query });
    return { messages, changes, hasMore, hiddenSeqs: hiddenSeqs ?? [] };
  }

  /** Every member of a room (all pages), with isOnline and lastSeenAt. */
  async listMembers(roomId: string): Promise<User[]> {
    return allPages(async (cursor) => {
      const page = await this.request('listMembers', cursor ? { roomId, cursor } : { roomId });
      return { items: page.members, cursor: page.cursor };
    });
  }

  /** Moves the user's read marker forward (never back); resolves with the room's unread count after it. */
  async markRead(roomId: string, seq: number): Promise<number> {
    return (await this.request('markRead', { roomId, seq })).unreadCount;
  }

  // ---- Push notifications ---------------------------------------------------------------------------------------

  /**
   * Registers this device's push token (from APNs or FCM) for the signed-in user; call it whenever the app starts,
   * since tokens change. A token registered by another user moves to this one.
   */
  async registerDevice(platform: PushPlatform, token: string): Promise<void> {
    await this.request('registerDevice', { platform, token });
  }

  /** Stops pushes to this token for the signed-in user (at sign-out); false when it was not theirs. */
  async unregisterDevice(token: string): Promise<boolean> {
    return (await this.request('unregisterDevice', { token })).removed;
  }

  /** Mutes (or unmutes) a room's push notifications for the signed-in user; rooms() shows it as `muted`. */
  async muteRoom(roomId: string, muted = true): Promise<void> {
    await this.request('muteRoom', { roomId, muted });
  }

  // ---- Uploads -------------------------------------------------------------------------------------------------

  /**
   * Asks for an upload of one file to a room (members only): a presigned PUT (`uploadUrl` with `headers`) valid until
   * `expiresAt`, and the `attachmentUrl` to send once the file is there. See `uploadFile` for all of it at once.
   */
  async createUpload(
    roomId: string,
    file: Omit<ActionFields['createUpload'], 'roomId'>,
  ): Promise<AckFields['createUpload']> {
    const { uploadUrl, headers, attachmentUrl, expiresAt } = await this.request('createUpload', { roomId, ...file });
    return { uploadUrl, headers, attachmentUrl, expiresAt };
  }

  /**
   * Uploads a file (a Blob / File in browsers, bytes anywhere) and resolves with the `attachmentUrl` to pass to
   * `sendMessage` (with `messageType: 'image'` or `'file'`). A refused type or size rejects with the server's
   * ChatError before anything is sent; a refused PUT with `UPLOAD_FAILED`.
   */
  uploadFile(roomId: string, body: Blob | Uint8Array, options: { contentType: string; fileName?: string }) {
    return uploadFile((room, file) => this.createUpload(room, file), roomId, body, options);
  }

  /** A link that reads an attachment of the room until `expiresAt` (about an hour): ask again after. */
  async getAttachmentUrl(roomId: string, attachmentUrl: string): Promise<{ url: string; expiresAt: string }> {
    const { url, expiresAt } = await this.request('getAttachmentUrl', { roomId, attachmentUrl });
    return { url, expiresAt };
  }

  // ---- Blocking and reports ------------------------------------------------------------------------------------

  /**
   * Blocks a user: none of their messages, typing, presence or read markers reach any of this user's devices any
   * more, history leaves their messages out, and they cannot open a direct room with this user or add them to rooms
   * (docs/PROTOCOL.md, "Blocking"). Idempotent; resolves with when the block was made (ISO 8601).
   */
  async blockUser(userId: string): Promise<string> {
    return (await this.request('blockUser', { userId })).blockedAt;
  }

  /** Lifts a block (idempotent): the user's messages and activity reach this user again from now on. */
  async unblockUser(userId: string): Promise<void> {
    await this.request('unblockUser', { userId });
  }

  /** Every user this user blocked (all pages). */
  async listBlocked(): Promise<BlockedUser[]> {
    return allPages(async (cursor) => {
      const page = await this.request('listBlocked', cursor ? { cursor } : {});
      return { items: page.blocked, cursor: page.cursor };
    });
  }

  /**
   * Reports a message to the operator (reason: 1 to 1,000 characters); resolves with the report id, the same for a
   * repeat. At most 10 reports an hour: the 11th rejects with RATE_LIMITED.
   */
  async reportMessage(roomId: string, seq: number, reason: string): Promise<string> {
    return (await this.request('reportMessage', { roomId, seq, reason })).reportId;
  }
}

/** Every item of a paged list: `page` reads the page after `cursor` (the first when undefined). */
async function allPages<T>(page: (cursor?: string) => Promise<{ items: T[]; cursor?: string }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.cursor;
  } while (cursor);
  return items;
}
