import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start a local stack per file and CDK synthesis bundles functions: both need headroom.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The AWS SDK warns on every process that Node 20 will stop being supported in 2027 (Lambda runs Node 24);
    // the notice is for the README, not for every test worker's output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
