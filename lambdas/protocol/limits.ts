// Numbers of the wire contract, in one place so the validators, the gateway emulator and the SDK agree.
export const LIMITS = {
  idMaxLength: 128,
  requestIdMaxLength: 64,
  displayNameMaxLength: 64,
  roomNameMaxLength: 100,
  contentMaxLength: 4_000,
  urlMaxLength: 2_048,
  memberIdsMax: 100,
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  helloRoomsMax: 100,
  /** How many users one user may block at once. */
  blockedUsersMax: 1_000,
  /** listBlocked answers at most this many users a page. */
  listBlockedPageMax: 100,
  reportReasonMaxLength: 1_000,
  /** reportMessage: at most this many reports per user in each clock hour (UTC). */
  reportsPerHour: 10,
  /**
   * Every list in an answer (messages, rooms, members, online users) stops before its JSON would pass this many
   * UTF-8 bytes, so the whole frame stays under API Gateway's 128 KB with the rest of the answer beside it.
   */
  answerListMaxBytes: 100 * 1024,
  /** getPresence's `typing` list stops before this many bytes. */
  presenceTypingMaxBytes: 16 * 1024,
  /** API Gateway: a client frame over 32 KB closes the connection with 1009. */
  frameMaxBytes: 32 * 1024,
  /** API Gateway: a message (possibly split across frames) over 128 KB closes the connection with 1009. */
  messageMaxBytes: 128 * 1024,
  /** Typing indicators expire this long after the last `isTyping: true`. */
  typingTtlMs: 5_000,
  /** A live indicator is re-broadcast when this long has passed since its last broadcast. */
  typingRebroadcastMs: 3_000,
  /** API Gateway's connection limits; the local stack's defaults. */
  idleTimeoutS: 600,
  maxConnectionS: 7_200,
} as const;
