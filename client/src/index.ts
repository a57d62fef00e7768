// The chat SDK for browsers, React Native and Node. Wire types come from the protocol module the backend uses.
export { ChatClient } from './chat-client.js';
export type { RequestArgs, RequestOptions } from './action-methods.js';
export { ChatError, type ChatErrorCode, type ClientErrorCode } from './chat-error.js';
export { applyChange } from './apply-change.js';
export type { Listener } from './emitter.js';
export type { BackoffOptions } from './backoff.js';
export type {
  Ack,
  ActionFields,
  ActionName,
  ChatClientEvents,
  ChatClientOptions,
  ConnectionState,
  MessageChanged,
  PendingMessage,
  PresenceChange,
  SendMessageOptions,
  StateChange,
  TypingChange,
  TypingUser,
  UnreadChange,
  WebSocketConstructor,
  WebSocketLike,
} from './types.js';
export type {
  BlockedUser,
  ChangeKind,
  Message,
  MessageChange,
  MessageReaction,
  MessageType,
  ReactionCount,
  PushPlatform,
  Room,
  RoomKind,
  TypingEntry,
  User,
} from '../../lambdas/protocol/objects.js';
export type { ErrorCode } from '../../lambdas/protocol/errors.js';
export type {
  AckFields,
  ChangeEvent,
  MemberJoinedEvent,
  MemberLeftEvent,
  MessageEvent,
  OccupancyEvent,
  PresenceEvent,
  ReadEvent,
  RoomJoinedEvent,
  RoomSeq,
  ServerEvent,
  TypingEvent,
} from '../../lambdas/protocol/frames.js';
export { LIMITS } from '../../lambdas/protocol/limits.js';
