// Lint: typescript-eslint's recommended rules, and the architecture as rules (test/lint/architecture.test.ts shows
// each one failing when broken). The layers: handlers → adapters → chat → protocol; the client SDK sees only the
// protocol.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** What only the adapters may use: the AWS SDK and the Lambda runtime's libraries. */
const AWS_PACKAGES = ['@aws-sdk/*', '@smithy/*', '@aws-lambda-powertools/*', 'aws-lambda', 'aws-jwt-verify'];

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'client/dist/', 'local/public/vendor/', 'bench/tmp/', '.local-data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      // TypeScript's own files are modules to follow (the cycle rule reads through them), resolved as tsc does.
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      // Imports that run; test/lint/import-cycles.test.ts also follows type-only ones.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './lambdas/chat',
              from: './lambdas/adapters',
              message: 'The chat logic reaches AWS only through the ports it declares (lambdas/chat/ports.ts).',
            },
            {
              target: './lambdas/protocol',
              from: ['./lambdas/adapters', './lambdas/chat', './lambdas/handlers'],
              message: 'The protocol is the bottom layer: the wire contract the server and the client SDK share.',
            },
            {
              target: './client/src',
              from: '.',
              except: ['./client/src', './lambdas/protocol'],
              message: 'The client SDK ships alone: it imports only its own files and lambdas/protocol.',
            },
          ],
        },
      ],
      // Unused arguments that name what a callback receives, and `_`-prefixed names, are fine.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { args: 'none', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A binding assigned once after a closure that reads it (late binding that closes a cycle) is still a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // The validators match control characters on purpose: to refuse them.
      'no-control-regex': 'off',
      // Errors rethrown from a catch say what went wrong in their own words (and the authorizer's must be exactly
      // "Unauthorized", with nothing of the token attached).
      'preserve-caught-error': 'off',
    },
  },
  {
    // Tests and benchmarks read CloudFormation templates and other loosely typed documents.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['local/public/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.mjs', 'eslint.config.js'], languageOptions: { globals: globals.node } },
  {
    files: ['lambdas/chat/**', 'lambdas/protocol/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: AWS_PACKAGES,
              message: "lambdas/chat and lambdas/protocol run anywhere: AWS is the adapters' business.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['client/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^node:', message: 'The client SDK runs in browsers and React Native too.' }] },
      ],
    },
  },
);
