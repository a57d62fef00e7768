// Numbers of the wire contract, in one place so the validators, the gateway emulator and the SDK agree.
export const LIMITS = {
  idMaxLength: 128,
  requestIdMaxLength: 64,
  displayNameMaxLength: 64,
  roomNameMaxLength: 100,
  contentMaxLength: 4_000,
  urlMaxLength: 2_048,
  contentTypeMaxLength: 100,
  /** createUpload's fileName as given (it is sanitised and cut to 100 characters for the key). */
  fileNameMaxLength: 255,
  memberIdsMax: 100,
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  /** registerDevice: a push token (APNs: 64 hex digits; FCM: about 160 characters) is at most this long. */
  deviceTokenMaxLength: 512,
  /** Devices kept per user for push; registering one more drops the least recently registered. */
  devicesPerUserMax: 20,
  helloRoomsMax: 100,
  /** Rooms one watch connection (PROTOCOL.md, "Watch mode") hears at once. */
  watchedRoomsMax: 100,
  /** An emoji of `react`: one grapheme of at most this many UTF-16 code units. */
  emojiMaxLength: 32,
  /** Different emojis one message can carry. */
  reactionsPerMessageMax: 20,
  /** Edits one message can take. */
  editsPerMessageMax: 100,
  /**
   * A room's unreadCount stops at this number, which means "this many or more" (clients show "99+"): counting is a
   * read of the messages after the read marker, and it stops here so its cost is bounded.
   */
  unreadCountMax: 100,
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
  /** hello's heartbeatMs: the shortest and the longest heartbeat a client may declare (PROTOCOL.md). */
  heartbeatMinMs: 30_000,
  heartbeatMaxMs: 540_000,
  /** API Gateway's connection limits; the local stack's defaults. */
  idleTimeoutS: 600,
  maxConnectionS: 7_200,
} as const;
