// What every action is handed: the ports plus the shared fan-out, and who is asking.
import type { AckFields, ActionInput, ActionName } from '../protocol/index.js';
import type { ConnectionLifecycle } from './connection-lifecycle.js';
import type { FanOut } from './fan-out.js';
import type { ChatDeps } from './service.js';

export interface ChatRuntime extends ChatDeps {
  fanOut: FanOut;
  connections: Pick<ConnectionLifecycle, 'restore'>;
}

/** The requesting connection; userId comes from the verified token, never from the frame. */
export interface RequestContext {
  connectionId: string;
  userId: string;
  connectedAt: number;
  /** One clock reading for the whole request, so every expiry decision in it agrees. */
  now: number;
}

export interface ActionOutcome<A extends ActionName> {
  ack: AckFields[A];
  /**
   * Broadcasts that run after the ack was sent: the requester hears first, and a failure here can no longer turn
   * into a second answer to the same request.
   */
  after?: () => Promise<void>;
}

export type ActionHandler<A extends ActionName> = (
  runtime: ChatRuntime,
  request: RequestContext,
  input: ActionInput<A>,
) => Promise<ActionOutcome<A>>;
