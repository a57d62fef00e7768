// The SDK declares each action's fields as plain types (no zod in the client); they must stay the server's.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ActionFields } from '../../client/src/index.js';
import { ACTION_NAMES, type ActionInput, type ActionName as ServerActionName } from '../../lambdas/protocol/actions.js';
import type { AckFields } from '../../lambdas/protocol/frames.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AllSame = { [A in ServerActionName]: Same<ActionFields[A], ActionInput<A>> };

describe('ActionFields', () => {
  it('matches the server schema of every action, both ways', () => {
    expectTypeOf<AllSame[ServerActionName]>().toEqualTypeOf<true>();
    expectTypeOf<keyof ActionFields>().toEqualTypeOf<ServerActionName>();
    expectTypeOf<keyof AckFields>().toEqualTypeOf<ServerActionName>();
  });

  it('names every action the server routes', () => {
    const sdkActions: Record<keyof ActionFields, true> = {
      hello: true,
      ping: true,
      updateProfile: true,
      createRoom: true,
      openDirect: true,
      addMembers: true,
      leaveRoom: true,
      listRooms: true,
      listMembers: true,
      subscribe: true,
      unsubscribe: true,
      sendMessage: true,
      editMessage: true,
      deleteMessage: true,
      react: true,
      getHistory: true,
      typing: true,
      getPresence: true,
      markRead: true,
      registerDevice: true,
      unregisterDevice: true,
      muteRoom: true,
      createUpload: true,
      getAttachmentUrl: true,
      blockUser: true,
      unblockUser: true,
      listBlocked: true,
      reportMessage: true,
    };
    expect(Object.keys(sdkActions).sort()).toEqual([...ACTION_NAMES].sort());
  });
});
