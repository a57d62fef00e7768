// registerDevice, unregisterDevice and muteRoom: where a user's push notifications go, and which rooms stay quiet.
// Nothing is broadcast: a device or a mute concerns only its user.
import { LIMITS } from '../../protocol/index.js';
import type { ActionHandler } from '../context.js';
import { forbidden } from '../errors.js';

export const registerDevice: ActionHandler<'registerDevice', 'devices'> = async (runtime, request, input) => {
  await runtime.stores.devices.registerDevice(
    { userId: request.userId, platform: input.platform, token: input.token, registeredAt: request.now },
    LIMITS.devicesPerUserMax,
  );
  return { ack: { platform: input.platform } };
};

export const unregisterDevice: ActionHandler<'unregisterDevice', 'devices'> = async (runtime, request, input) => ({
  ack: { removed: await runtime.stores.devices.unregisterDevice(request.userId, input.token) },
});

export const muteRoom: ActionHandler<'muteRoom', 'rooms'> = async (runtime, request, input) => {
  // One conditional write: it succeeds only on an existing membership, so a non-member gets FORBIDDEN and no item.
  const written = await runtime.stores.rooms.setPushMuted(input.roomId, request.userId, input.muted);
  if (!written) throw forbidden();
  return { ack: { roomId: input.roomId, muted: input.muted } };
};
