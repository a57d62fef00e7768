// One client frame in, exactly one answer out for a frame with a requestId (an ack or an error), an error for a
// frame without one that fails, then the action's broadcasts. The connection stays open whatever arrives.
import {
  isActionName,
  REQUEST_ID,
  validateAction,
  type ActionInput,
  type ActionName,
  type AckFrame,
  type ErrorCode,
  type ErrorFrame,
} from '../protocol/index.js';
import { ACTION_HANDLERS } from './actions/index.js';
import type { ActionHandler, ActionOutcome, ChatRuntime, RequestContext } from './context.js';
import { ChatError, describeError } from './errors.js';
import type { Recipient } from './fan-out.js';
import { FRAME_MAX_BYTES } from './frame-budget.js';
import { InvalidCursorError } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';
import type { FrameRequest } from './service.js';
import { serializeFrame } from './wire-format.js';

type ParsedFrame =
  | { ok: true; action: string; requestId?: string; fields: Record<string, unknown> }
  | { ok: false; message: string; requestId?: string };

/** Reads the envelope only (action, requestId); the action's own fields are validated by its schema. */
export function parseFrame(body: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, message: 'frame: not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'frame: expected a JSON object' };
  }
  const { action, requestId, ...fields } = value as Record<string, unknown>;
  // Checked before anything else, so every later error can carry it.
  if (Object.prototype.hasOwnProperty.call(value, 'requestId') && !REQUEST_ID.safeParse(requestId).success) {
    return { ok: false, message: 'requestId: must be a string of 1 to 64 characters' };
  }
  const validRequestId = typeof requestId === 'string' ? { requestId } : {};
  if (typeof action !== 'string') return { ok: false, message: 'action: expected a string', ...validRequestId };
  return { ok: true, action, fields, ...validRequestId };
}

/** Client-chosen text quoted in an error message, kept short. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

export function createRouter(runtime: ChatRuntime, rateLimiter: RateLimiter): (request: FrameRequest) => Promise<void> {
  const { fanOut, logger, metrics } = runtime;

  function sendError(to: Recipient, code: ErrorCode, message: string, requestId: string | undefined): Promise<void> {
    metrics.count('ActionErrors');
    const frame: ErrorFrame = { type: 'error', code, message };
    if (requestId !== undefined) frame.requestId = requestId;
    return fanOut.reply(to, frame);
  }

  function errorAnswer(error: unknown, action: string, to: Recipient): { code: ErrorCode; message: string } {
    if (error instanceof ChatError) return { code: error.code, message: error.message };
    if (error instanceof InvalidCursorError) return { code: 'BAD_REQUEST', message: error.message };
    // Logged with what identifies the request, never the frame itself (it may hold message content).
    logger.error('action failed', {
      action,
      connectionId: to.connectionId,
      userId: to.userId,
      ...describeError(error),
    });
    return { code: 'INTERNAL', message: 'internal error: the request could not be completed' };
  }

  return async function onFrame(request: FrameRequest): Promise<void> {
    const now = runtime.clock.now();
    const requester: Recipient = { connectionId: request.connectionId, userId: request.userId };
    const parsed = parseFrame(request.body);
    // Every frame counts, well-formed or not: each one costs an invocation and an answer.
    if (!rateLimiter.tryTake(request.connectionId, now)) {
      const { perSecond, burst } = runtime.config.rateLimit;
      return sendError(
        requester,
        'RATE_LIMITED',
        `too many frames: at most ${perSecond} a second with bursts of ${burst}`,
        parsed.requestId,
      );
    }
    if (!parsed.ok) return sendError(requester, 'BAD_REQUEST', parsed.message, parsed.requestId);
    const { action, requestId } = parsed;
    if (!isActionName(action)) {
      return sendError(requester, 'UNKNOWN_ACTION', `action: unknown action ${quote(action)}`, requestId);
    }
    const validation = validateAction(action, parsed.fields);
    if (!validation.ok) return sendError(requester, 'BAD_REQUEST', validation.message, requestId);

    const context: RequestContext = {
      connectionId: request.connectionId,
      userId: request.userId,
      connectedAt: request.connectedAt,
      now,
    };
    let outcome: ActionOutcome<ActionName>;
    try {
      const handler = ACTION_HANDLERS[action] as ActionHandler<ActionName>;
      outcome = await handler(runtime, context, validation.value as ActionInput<ActionName>);
    } catch (error) {
      const answer = errorAnswer(error, action, requester);
      return sendError(requester, answer.code, answer.message, requestId);
    }
    if (requestId !== undefined) {
      const ack: AckFrame = { type: 'ack', requestId, action, ...outcome.ack };
      // The gateway would refuse it and the client would hear nothing: lists are bounded so this never happens,
      // and if it ever did, the client still gets its one answer.
      const payload = serializeFrame(ack);
      const bytes = Buffer.byteLength(payload, 'utf8');
      if (bytes > FRAME_MAX_BYTES) {
        logger.error('answer too large for one frame', { action, connectionId: request.connectionId, bytes });
        await sendError(requester, 'INTERNAL', 'internal error: the answer was too large to send', requestId);
      } else {
        await fanOut.reply(requester, payload);
      }
    }
    if (outcome.after) {
      try {
        await outcome.after();
      } catch (error) {
        // The request was answered already; broadcasts never throw, so this is a bug worth a log line.
        logger.error('broadcast after the answer failed', {
          action,
          connectionId: request.connectionId,
          ...describeError(error),
        });
      }
    }
  };
}
