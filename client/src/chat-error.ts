import type { ErrorCode } from '../../lambdas/protocol/errors.js';

/**
 * Codes the SDK itself raises, beside the server's (PROTOCOL.md, "Errors"):
 * - DISCONNECTED: the connection died while the request was in flight; the server may or may not have applied it.
 * - TIMEOUT: no answer in time; the SDK treats the connection as dead and reconnects.
 * - CLOSED: close() was called.
 * - CONNECT_FAILED: a connection attempt failed (token, handshake refused, network); the SDK keeps retrying.
 * - UPLOAD_FAILED: uploadFile's PUT to the bucket was refused or failed (ask for a new upload and try again).
 */
export type ClientErrorCode = 'DISCONNECTED' | 'TIMEOUT' | 'CLOSED' | 'CONNECT_FAILED' | 'UPLOAD_FAILED';

export type ChatErrorCode = ErrorCode | ClientErrorCode;

const RETRYABLE: ReadonlySet<ChatErrorCode> = new Set<ChatErrorCode>([
  'DISCONNECTED',
  'TIMEOUT',
  'CONNECT_FAILED',
  'RATE_LIMITED',
  'INTERNAL',
]);

export class ChatError extends Error {
  readonly code: ChatErrorCode;
  /** The action of the request that failed, when the error answers one. */
  readonly action?: string;

  constructor(code: ChatErrorCode, message: string, action?: string) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.action = action;
  }

  /** True when sending the same request again later may succeed. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** The message of anything thrown, for an error text. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
