// Calls to a local stack's management API, signed with the local credentials as the handlers sign them (the local
// management API refuses unsigned calls, as API Gateway does), or signed wrongly and altered on purpose.
import { request as httpRequest } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createManagementHttp, ManagementApiError } from '../../lambdas/adapters/management-http.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack.js';

/** DELETE /@connections/<id>, signed; resolves with the HTTP status. */
export async function deleteConnectionOn(httpUrl: string, connectionId: string): Promise<number> {
  const http = createManagementHttp({
    endpoint: httpUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxSockets: 1,
    connectionTimeoutMs: 3_000,
    requestTimeoutMs: 10_000,
  });
  try {
    return (await http.call('DELETE', connectionId)).status;
  } catch (error) {
    if (error instanceof ManagementApiError) return error.$metadata.httpStatusCode;
    throw error;
  } finally {
    http.destroy();
  }
}

export interface RawCallOptions {
  body?: string;
  /** Default: the local credentials. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region?: string;
  signingDate?: Date;
  /** Leaves the request unsigned. */
  unsigned?: boolean;
  /** Changes the request after it was signed (what an attacker on the way could do). */
  tamper?: (request: { path: string; headers: Record<string, string>; body: string }) => void;
}

/** Any call to a local management API, path as given (not encoded again), signed with SigV4 unless told not to. */
export async function rawManagementCall(
  httpUrl: string,
  method: string,
  path: string,
  options: RawCallOptions = {},
): Promise<{ status: number; errorType: string | undefined; body: string }> {
  const url = new URL(httpUrl);
  const body = options.body ?? '';
  let request = { path, headers: { host: url.host } as Record<string, string>, body };
  if (!options.unsigned) {
    const signer = new SignatureV4({
      service: 'execute-api',
      region: options.region ?? LOCAL_REGION,
      credentials: options.credentials ?? LOCAL_CREDENTIALS,
      sha256: Hash.bind(null, 'sha256'),
      uriEscapePath: true,
      applyChecksum: true,
    });
    const signed = await signer.sign(
      new HttpRequest({ method, hostname: url.hostname, path, headers: request.headers, body }),
      options.signingDate ? { signingDate: options.signingDate } : {},
    );
    request = { path, headers: signed.headers, body };
  }
  options.tamper?.(request);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        method,
        path: request.path,
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 0,
            errorType: answer.headers['x-amzn-errortype'] as string | undefined,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}
