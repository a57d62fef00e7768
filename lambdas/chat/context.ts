// What every action is handed: the ports plus the shared fan-out, and who is asking.
import type { AckFields, ActionInput, ActionName } from '../protocol/index.js';
import type { ConnectionLifecycle } from './connection-lifecycle.js';
import type { FanOut } from './fan-out.js';
import type { ChatStores } from './ports.js';
import type { ChatDeps } from './service.js';

export interface ChatRuntime extends ChatDeps {
  fanOut: FanOut;
  connections: Pick<ConnectionLifecycle, 'restore'>;
}

/** The runtime with only the named stores: what a part of the chat logic declares it uses, it is handed. */
export type RuntimeWith<S extends keyof ChatStores> = Omit<ChatRuntime, 'stores'> & { stores: Pick<ChatStores, S> };

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

/** An action's handler; `S` names the stores it uses (a handler over fewer stores fits where all are offered). */
export type ActionHandler<A extends ActionName, S extends keyof ChatStores = keyof ChatStores> = (
  runtime: RuntimeWith<S>,
  request: RequestContext,
  input: ActionInput<A>,
) => Promise<ActionOutcome<A>>;
