// The requests that catch rooms up: the tail check that rides on every ping, and the history pages it leads to.
import { LIMITS } from '../../lambdas/protocol/limits.js';
import type { RoomSeq } from '../../lambdas/protocol/frames.js';
import { jitteredDelayMs } from './backoff.js';
import { ChatError } from './chat-error.js';
import type { Connection } from './connection.js';
import type { HistoryPage } from './room-sequencer.js';
import type { Transport } from './transport.js';

const HISTORY_PAGE = LIMITS.historyMaxLimit;
/** A catch-up request refused for being too fast (or an internal error) is asked again this many times. */
const REFUSAL_RETRIES = 5;

/**
 * A ping that also asks for the lastSeq of every room of the user (a page of up to 100 rooms per ping): a room
 * that moved past what was emitted lost its last messages on the way, and is caught up with getHistory.
 */
export async function checkTails(
  transport: Transport,
  timeoutMs: number,
  catchUpTails: (roomSeqs: RoomSeq[]) => Promise<void>,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const ack = await transport.request('ping', cursor ? { roomSeqs: true, cursor } : { roomSeqs: true }, timeoutMs);
    await catchUpTails(ack.roomSeqs ?? []);
    cursor = ack.cursor;
  } while (cursor);
}

/** One page of a room's history after `after`, asked for again (after a jittered wait) when refused for a while. */
export function fetchPageAfter(
  connection: Connection,
  roomId: string,
  after: number,
  timeoutMs: number,
): Promise<HistoryPage> {
  return retryingRefusals(async () => {
    if (connection.state !== 'open') throw new ChatError('DISCONNECTED', 'not connected', 'getHistory');
    const fields = { roomId, after, limit: HISTORY_PAGE };
    const { messages, changes, hasMore, hiddenSeqs } = await connection.send('getHistory', fields, timeoutMs);
    return hiddenSeqs ? { messages, changes, hasMore, hiddenSeqs } : { messages, changes, hasMore };
  });
}

/**
 * A request asked again (after a jittered wait) while the server refuses it for a while (RATE_LIMITED, INTERNAL):
 * catching many rooms up, or subscribing them, at once can meet the rate limit, and a room left behind would stay
 * behind until the next reconnect.
 */
export async function retryingRefusals<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const transient = error instanceof ChatError && (error.code === 'RATE_LIMITED' || error.code === 'INTERNAL');
      if (!transient || attempt >= REFUSAL_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, jitteredDelayMs(attempt, 250, 5_000)));
    }
  }
}
