// Stands in for @aws-sdk/credential-provider-node in the Lambda bundles only (an esbuild alias in
// lib/chat-functions.ts); nothing imports it by name. The SDK clients' Node runtime config imports that package's
// `defaultProvider` and calls it as `defaultProvider(clientConfig)()` when no `credentials` were given, and so does
// the management API's signed post path (management-http.ts). The real
// chain (environment, SSO, ini files, credential_process, web identity, ECS/EC2 metadata) drags the STS and SSO
// clients into every bundle (about a fifth of it). On Lambda the chain always stops at its first link: the runtime
// puts the execution role's session in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and sets no
// AWS_PROFILE that would make the chain skip it. This module reads the same variables through the same provider
// (fromEnv), so what a function signs with is unchanged; only the unreachable links are gone. If the functions ever run where credentials come from elsewhere (e.g. a container
// credentials endpoint), the error below says so at the first call, and the alias has to go.
// The local stack and the tests run the sources (the SDK's own chain) and pass explicit credentials anyway; only the
// bundles carry this module (test/infra/bundled-handler.test.ts runs one with credentials in the environment).
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider => {
  const fromEnvironment = fromEnv(init);
  return async () => {
    if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
      throw new Error(
        'AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: not set. The Lambda bundles read credentials from the environment ' +
          'only (see lambdas/adapters/lambda-credentials.ts); pass `credentials` to the client elsewhere.',
      );
    }
    return fromEnvironment();
  };
};

// The rest of @aws-sdk/credential-provider-node's exports, in case a bundled module asks for them.
export const credentialsWillNeedRefresh = (credentials?: { expiration?: Date }): boolean =>
  credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials?: { expiration?: Date }): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
