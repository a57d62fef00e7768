// Amazon SNS's HTTP API as the AWS SDK v3 speaks it (the AWS Query protocol): POST / with a form-encoded body
// (Action=..., Version=2010-03-31, parameters flattened as Attributes.entry.1.key and so on), answered in XML, errors
// as <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>. The operations of mobile push:
// CreatePlatformEndpoint, GetEndpointAttributes, SetEndpointAttributes, DeleteEndpoint, and Publish to a TargetArn
// with MessageStructure json. Requests are signed with SigV4 by the client; the signature is not checked. Names in
// requests are data: everything lives in Maps, never as keys of plain objects.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readPushPayload, SNS_PLATFORM } from '../../lambdas/adapters/sns-push-payload.js';
import { readBody } from '../http-util.js';
import { DISABLED_TOKEN_PREFIX, endpointTokenKey, type LocalEndpoint, type LocalSnsState } from './sns-state.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const MAX_REQUEST_BYTES = 512 * 1024;
/** APNs and FCM both refuse a payload over 4 KB. */
const PLATFORM_PAYLOAD_MAX_BYTES = 4_096;

class SnsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new SnsError('InvalidParameter', `Invalid parameter: ${message}`);
const notFound = (message: string) => new SnsError('NotFound', message, 404);

type Operation = (state: LocalSnsState, params: URLSearchParams) => string;

const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw invalidParameter(`${name} is required`);
  return value;
}

/** A flattened map: <prefix>.entry.N.<keyName> / <prefix>.entry.N.<valueName>, N from 1. */
function entries(params: URLSearchParams, prefix: string, keyName: string, valueName: string): Map<string, string> {
  const map = new Map<string, string>();
  for (let n = 1; ; n += 1) {
    const key = params.get(`${prefix}.entry.${n}.${keyName}`);
    if (key === null) return map;
    map.set(key, params.get(`${prefix}.entry.${n}.${valueName}`) ?? '');
  }
}

function endpointOf(state: LocalSnsState, params: URLSearchParams, name: string): LocalEndpoint {
  const endpoint = state.endpoints.get(required(params, name));
  if (!endpoint) throw notFound('Endpoint does not exist');
  return endpoint;
}

const result = (action: string, inner = '') =>
  `<${action}Response xmlns="${XMLNS}">${inner && `<${action}Result>${inner}</${action}Result>`}` +
  `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;

const OPERATIONS = new Map<string, Operation>([
  [
    'CreatePlatformEndpoint',
    (state, params) => {
      const applicationArn = required(params, 'PlatformApplicationArn');
      const platform = state.applications.get(applicationArn);
      if (!platform) throw notFound('PlatformApplication does not exist');
      const token = required(params, 'Token');
      // A known token gets its endpoint back as it is (enabled or not), as SNS does when no attribute differs.
      const key = endpointTokenKey(applicationArn, token);
      let arn = state.endpointByToken.get(key);
      if (arn === undefined || !state.endpoints.has(arn)) {
        arn = state.newEndpointArn(applicationArn);
        state.endpoints.set(arn, { arn, applicationArn, platform, token, enabled: true });
        state.endpointByToken.set(key, arn);
      }
      return result('CreatePlatformEndpoint', `<EndpointArn>${escapeXml(arn)}</EndpointArn>`);
    },
  ],
  [
    'GetEndpointAttributes',
    (state, params) => {
      const endpoint = endpointOf(state, params, 'EndpointArn');
      const attributes = [
        ['Enabled', String(endpoint.enabled)],
        ['Token', endpoint.token],
      ]
        .map(([key, value]) => `<entry><key>${key}</key><value>${escapeXml(value!)}</value></entry>`)
        .join('');
      return result('GetEndpointAttributes', `<Attributes>${attributes}</Attributes>`);
    },
  ],
  [
    'SetEndpointAttributes',
    (state, params) => {
      const endpoint = endpointOf(state, params, 'EndpointArn');
      const attributes = entries(params, 'Attributes', 'key', 'value');
      const enabled = attributes.get('Enabled');
      if (enabled !== undefined && enabled !== 'true' && enabled !== 'false') {
        throw invalidParameter('Attributes Reason: Enabled must be true or false');
      }
      const token = attributes.get('Token');
      if (token !== undefined && token !== endpoint.token) {
        state.endpointByToken.delete(endpointTokenKey(endpoint.applicationArn, endpoint.token));
        state.endpointByToken.set(endpointTokenKey(endpoint.applicationArn, token), endpoint.arn);
        endpoint.token = token;
      }
      if (enabled !== undefined) endpoint.enabled = enabled === 'true';
      return result('SetEndpointAttributes');
    },
  ],
  [
    'DeleteEndpoint',
    (state, params) => {
      // Idempotent, as on SNS: deleting an endpoint that is not there succeeds.
      const endpoint = state.endpoints.get(required(params, 'EndpointArn'));
      if (endpoint) {
        state.endpoints.delete(endpoint.arn);
        state.endpointByToken.delete(endpointTokenKey(endpoint.applicationArn, endpoint.token));
      }
      return result('DeleteEndpoint');
    },
  ],
  ['Publish', publish],
]);

function publish(state: LocalSnsState, params: URLSearchParams): string {
  const targetArn = required(params, 'TargetArn');
  const endpoint = state.endpoints.get(targetArn);
  if (!endpoint) throw invalidParameter('TargetArn Reason: No endpoint found for the target arn specified');
  if (params.get('MessageStructure') !== 'json') throw invalidParameter('MessageStructure: this emulation needs json');
  const message = required(params, 'Message');
  const snsPlatform = SNS_PLATFORM[endpoint.platform];
  let platformText: unknown;
  try {
    const parsed = JSON.parse(message) as unknown;
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { default?: unknown }).default !== 'string')
      throw new Error('no default');
    platformText = new Map(Object.entries(parsed)).get(snsPlatform);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse or has no "default" key');
  }
  if (typeof platformText === 'string' && Buffer.byteLength(platformText, 'utf8') > PLATFORM_PAYLOAD_MAX_BYTES) {
    throw invalidParameter(`Message Reason: the ${snsPlatform} payload is over ${PLATFORM_PAYLOAD_MAX_BYTES} bytes`);
  }
  if (endpoint.token.startsWith(DISABLED_TOKEN_PREFIX)) endpoint.enabled = false;
  if (!endpoint.enabled) throw new SnsError('EndpointDisabled', 'Endpoint is disabled');
  const attributes = entries(params, 'MessageAttributes', 'Name', 'Value.StringValue');
  const push = readPushPayload(snsPlatform, message, attributes);
  if (!push) throw invalidParameter(`Message: no ${snsPlatform} push this emulation can read`);
  state.record({
    endpointArn: endpoint.arn,
    platform: endpoint.platform,
    token: endpoint.token,
    ...push,
    at: new Date().toISOString(),
  });
  return result('Publish', `<MessageId>${randomUUID()}</MessageId>`);
}

/** Serves one request of the SNS API. */
export async function handleSnsRequest(
  state: LocalSnsState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    if (request.method !== 'POST') throw new SnsError('InvalidAction', `unsupported: ${request.method}`);
    const { body, tooLarge } = await readBody(request, MAX_REQUEST_BYTES);
    if (tooLarge) throw new SnsError('RequestEntityTooLarge', 'Request too large', 413);
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action') ?? '';
    state.actions.push(action);
    const operation = OPERATIONS.get(action);
    if (!operation) throw new SnsError('InvalidAction', `The action ${action || '(none)'} is not valid`);
    send(response, 200, operation(state, params));
  } catch (error) {
    const snsError = error instanceof SnsError ? error : new SnsError('InternalError', (error as Error).message, 500);
    const type = snsError.status >= 500 ? 'Receiver' : 'Sender';
    send(
      response,
      snsError.status,
      `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${snsError.code}</Code>` +
        `<Message>${escapeXml(snsError.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }
}

function send(response: ServerResponse, status: number, xml: string): void {
  const body = `<?xml version="1.0"?>\n${xml}`;
  response.writeHead(status, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}
