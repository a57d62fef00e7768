// The PushGateway port over Amazon SNS mobile push, with the real @aws-sdk/client-sns client (locally pointed at
// local/sns). One platform application per platform (APNs, APNs sandbox, FCM), given by the deployer; a device's
// endpoint is created from its token on its first push and kept with the device.
import {
  CreatePlatformEndpointCommand,
  DeleteEndpointCommand,
  GetEndpointAttributesCommand,
  PublishCommand,
  SetEndpointAttributesCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import type { PushGateway } from '../chat/ports.js';
import type { PushPlatform } from '../protocol/index.js';
import { keepAliveRequestHandler } from './keep-alive-handler.js';
import { snsPublishParts } from './sns-push-payload.js';

export interface SnsPushGatewayOptions {
  region: string;
  /** The platform application ARN of each platform pushed to; platforms left out get no pushes. */
  applications: Partial<Record<PushPlatform, string>>;
  /** Local only: the SNS emulation. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** What SNS answers a Publish to a disabled endpoint. */
const ENDPOINT_DISABLED = new Set(['EndpointDisabled', 'EndpointDisabledException']);
/** A Publish to an endpoint deleted meanwhile: InvalidParameter, with this reason. */
const NO_ENDPOINT = /No endpoint found/i;

const endpointGone = (error: unknown): boolean =>
  error instanceof Error &&
  (ENDPOINT_DISABLED.has(error.name) || (error.name.startsWith('InvalidParameter') && NO_ENDPOINT.test(error.message)));

export function createSnsPushGateway(options: SnsPushGatewayOptions): PushGateway {
  const client = new SNSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    requestHandler: keepAliveRequestHandler(),
  });
  const applicationOf = (platform: PushPlatform): string => {
    const arn = options.applications[platform];
    if (!arn) throw new Error(`no platform application is configured for ${platform}`);
    return arn;
  };

  return {
    supports: (platform) => Boolean(options.applications[platform]),

    async createEndpoint(platform, token) {
      const created = await client.send(
        new CreatePlatformEndpointCommand({ PlatformApplicationArn: applicationOf(platform), Token: token }),
      );
      const endpointArn = created.EndpointArn;
      if (!endpointArn) throw new Error('CreatePlatformEndpoint answered without an EndpointArn');
      // SNS hands back an existing endpoint for a known token as it is, possibly disabled by an earlier failure. The
      // app registered this token just now, so it is valid again: enable it (AWS's advice for mobile token handling).
      const { Attributes: attributes } = await client.send(
        new GetEndpointAttributesCommand({ EndpointArn: endpointArn }),
      );
      if (attributes?.Enabled !== 'true' || attributes?.Token !== token) {
        await client.send(
          new SetEndpointAttributesCommand({
            EndpointArn: endpointArn,
            Attributes: { Token: token, Enabled: 'true' },
          }),
        );
      }
      return endpointArn;
    },

    async publish(endpointArn, platform, notification) {
      const { message, attributes } = snsPublishParts(platform, notification);
      try {
        await client.send(
          new PublishCommand({
            TargetArn: endpointArn,
            MessageStructure: 'json',
            Message: message,
            ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
          }),
        );
        return 'sent';
      } catch (error) {
        if (endpointGone(error)) return 'disabled';
        throw error;
      }
    },

    async deleteEndpoint(endpointArn) {
      await client.send(new DeleteEndpointCommand({ EndpointArn: endpointArn }));
    },
  };
}
