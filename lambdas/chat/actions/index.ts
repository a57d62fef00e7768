// Every action's handler, keyed by the protocol's action names: the type makes a missing one a compile error.
import type { ActionName } from '../../protocol/index.js';
import type { ActionHandler } from '../context.js';
import { muteRoom, registerDevice, unregisterDevice } from './devices.js';
import { blockUser, listBlocked, unblockUser } from './blocks.js';
import { getHistory } from './history.js';
import { addMembers, leaveRoom, listMembers } from './members.js';
import { deleteMessage, editMessage } from './message-changes.js';
import { sendMessage } from './messages.js';
import { getPresence } from './presence-query.js';
import { react } from './reactions.js';
import { updateProfile } from './profile.js';
import { markRead } from './read-markers.js';
import { reportMessage } from './reports.js';
import { createRoom, openDirect } from './rooms.js';
import { hello, listRooms, ping } from './session.js';
import { subscribe, unsubscribe } from './subscriptions.js';
import { typing } from './typing.js';
import { createUpload, getAttachmentUrl } from './uploads.js';

export const ACTION_HANDLERS: { [A in ActionName]: ActionHandler<A> } = {
  hello,
  ping,
  updateProfile,
  createRoom,
  openDirect,
  addMembers,
  leaveRoom,
  listRooms,
  listMembers,
  subscribe,
  unsubscribe,
  sendMessage,
  editMessage,
  deleteMessage,
  react,
  getHistory,
  typing,
  getPresence,
  markRead,
  registerDevice,
  unregisterDevice,
  muteRoom,
  createUpload,
  getAttachmentUrl,
  blockUser,
  unblockUser,
  listBlocked,
  reportMessage,
};
