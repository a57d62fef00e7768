// A PushNotification as Amazon SNS mobile push takes it: Publish with MessageStructure 'json', one message per
// platform key (APNS, APNS_SANDBOX, GCM; "default" is required too), each a JSON text in the platform's own format.
// APNs takes the collapse id and push type as SNS message attributes; FCM (HTTP v1, through SNS's fcmV1Message)
// takes its collapse key in the message. The local SNS emulation reads pushes back with readPushPayload.
import type { MessageAttributeValue } from '@aws-sdk/client-sns';
import type { PushNotification } from '../chat/ports.js';
import type { PushPlatform } from '../protocol/index.js';

/** SNS's name of each platform (the key of its message, and the middle of its application and endpoint ARNs). */
export const SNS_PLATFORM = {
  apns: 'APNS',
  apns_sandbox: 'APNS_SANDBOX',
  fcm: 'GCM',
} as const satisfies Record<PushPlatform, string>;

export const APNS_COLLAPSE_ID = 'AWS.SNS.MOBILE.APNS.COLLAPSE_ID';
const APNS_PUSH_TYPE = 'AWS.SNS.MOBILE.APNS.PUSH_TYPE';
const APNS_PRIORITY = 'AWS.SNS.MOBILE.APNS.PRIORITY';

export interface SnsPublishParts {
  message: string;
  attributes: Record<string, MessageAttributeValue>;
}

export function snsPublishParts(platform: PushPlatform, notification: PushNotification): SnsPublishParts {
  const { title, body, badge, collapseKey, roomId, seq, userId } = notification;
  if (platform === 'fcm') {
    const fcm = {
      fcmV1Message: {
        message: {
          notification: { title, body },
          // FCM data values are strings.
          data: { roomId, seq: String(seq), userId },
          android: {
            collapse_key: collapseKey,
            notification: { tag: collapseKey, ...(badge !== undefined && { notification_count: badge }) },
          },
          apns: { headers: { 'apns-collapse-id': collapseKey } },
        },
      },
    };
    return { message: JSON.stringify({ default: body, GCM: JSON.stringify(fcm) }), attributes: {} };
  }
  const apns = {
    aps: {
      alert: { title, body },
      ...(badge !== undefined && { badge }),
      sound: 'default',
      // Groups a room's notifications in Notification Center.
      'thread-id': collapseKey,
    },
    roomId,
    seq,
    userId,
  };
  return {
    message: JSON.stringify({ default: body, [SNS_PLATFORM[platform]]: JSON.stringify(apns) }),
    attributes: {
      [APNS_COLLAPSE_ID]: { DataType: 'String', StringValue: collapseKey },
      [APNS_PUSH_TYPE]: { DataType: 'String', StringValue: 'alert' },
      [APNS_PRIORITY]: { DataType: 'String', StringValue: '10' },
    },
  };
}

/**
 * The notification a platform's message says, read back from what snsPublishParts wrote (the local emulation's view);
 * undefined when it is not such a message.
 */
export function readPushPayload(
  snsPlatform: string,
  message: string,
  attributes: ReadonlyMap<string, string>,
): PushNotification | undefined {
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    const text = parsed[snsPlatform];
    if (typeof text !== 'string') return undefined;
    const payload = JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (snsPlatform === SNS_PLATFORM.fcm) {
      const m = payload.fcmV1Message.message;
      const count = m.android.notification.notification_count as number | undefined;
      return {
        userId: m.data.userId,
        roomId: m.data.roomId,
        seq: Number(m.data.seq),
        title: m.notification.title,
        body: m.notification.body,
        collapseKey: m.android.collapse_key,
        ...(count !== undefined && { badge: count }),
      };
    }
    const collapseKey = attributes.get(APNS_COLLAPSE_ID);
    if (collapseKey === undefined) return undefined;
    return {
      userId: payload.userId,
      roomId: payload.roomId,
      seq: payload.seq,
      title: payload.aps.alert.title,
      body: payload.aps.alert.body,
      collapseKey,
      ...(payload.aps.badge !== undefined && { badge: payload.aps.badge }),
    };
  } catch {
    return undefined;
  }
}
