import type { Message, MessageChange, MessageReaction } from '../../lambdas/protocol/objects.js';

/**
 * The message with a change applied (PROTOCOL.md, "Changes to messages"), as the user `myUserId` sees it. Changes
 * are applied in seq order; one already part of the message (it was read after the change) leaves it as it is, or,
 * for an older edit, is overtaken by the later edit that follows it in the sequence. Reaction counts are replaced
 * only by counts of a higher reactionsVersion.
 */
export function applyChange(message: Message, change: MessageChange, myUserId?: string): Message {
  switch (change.kind) {
    case 'edit':
      if (message.deleted || change.content === undefined) return message;
      return { ...message, content: change.content, editedAt: change.createdAt };
    case 'delete': {
      if (message.deleted) return message;
      const { attachmentUrl: _attachmentUrl, ...rest } = message;
      return { ...rest, content: '', deleted: true };
    }
    case 'reaction': {
      const { reactions, reactionsVersion, emoji } = change;
      if (reactions === undefined || reactionsVersion === undefined) return message;
      if ((message.reactionsVersion ?? 0) >= reactionsVersion) return message;
      const mine = new Set((message.reactions ?? []).filter((r) => r.reactedByMe).map((r) => r.emoji));
      if (change.userId === myUserId && emoji !== undefined) {
        if (change.on) mine.add(emoji);
        else mine.delete(emoji);
      }
      const seen: MessageReaction[] = reactions.map((r) => ({ ...r, reactedByMe: mine.has(r.emoji) }));
      const { reactions: _before, ...rest } = message;
      return { ...rest, reactionsVersion, ...(seen.length > 0 && { reactions: seen }) };
    }
    default:
      // A kind added by a later protocol version.
      return message;
  }
}
