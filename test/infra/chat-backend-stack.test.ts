// The deployable stack as `npx cdk synth` builds it for the default stage (dev, a new user pool), with the
// functions really bundled: each property the deployment promises is asserted on the template.
import { SWEEP_INVOCATIONS } from '../../lambdas/adapters/sweep-targets.js';
import { SWEEP_SHARDS } from '../../lambdas/chat/ports/connections.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_NAMES } from '../../lambdas/protocol/actions.js';
import { ROUTES, ROUTE_SELECTION_EXPRESSION } from '../../lambdas/protocol/routes.js';
import { ESM_REQUIRE_BANNER } from '../../lib/chat-function-factory.js';
import { CHAT_FUNCTION_NAMES } from '../../lib/chat-functions.js';
import { FAN_OUT_RETRY_ATTEMPTS, DEFAULT_FAN_OUT_CONCURRENCY } from '../../lib/chat-fan-out-worker.js';
import { CHAT_METRICS, ROOM_SIZE_BUCKETS } from '../../lib/chat-monitoring.js';
import { REDELIVERY_MAX_RECEIVES } from '../../lib/chat-redelivery-queue.js';
import { DEFAULT_FAN_OUT_SETTINGS } from '../../lambdas/chat/fan-out-batches.js';
import { MANAGEMENT_ACCESS, MODERATION_EVENTS_ACCESS, TABLE_ACCESS } from '../../lib/table-access.js';
import { removeSynthOutputs, render, resourcesOf, synthChatBackend, type Synthesized } from './support/synth.js';

afterAll(removeSynthOutputs);

let synth: Synthesized;
let resources: Record<string, { Type: string; Properties: Record<string, any>; [key: string]: any }>;

beforeAll(() => {
  synth = synthChatBackend({ bundle: true });
  resources = synth.template.toJSON().Resources;
}, 180_000);

const logicalId = (construct: { node: { defaultChild?: unknown } } | unknown): string =>
  synth.stack.getLogicalId(
    ((construct as { node: { defaultChild?: unknown } }).node.defaultChild ?? construct) as never,
  );
const fnId = (name: (typeof CHAT_FUNCTION_NAMES)[number]) => logicalId(synth.stack.functions[name]);
const tableId = () => logicalId(synth.stack.table.table);
const apiId = () => logicalId(synth.stack.webSocket.api);
const queueId = () => logicalId(synth.stack.redelivery.queue);
const busId = () => logicalId(synth.stack.moderationEvents.bus);
const deadLettersId = () => logicalId(synth.stack.redelivery.deadLetterQueue);
const bucketId = () => logicalId(synth.stack.attachments.bucket);
const fanOutDeadLettersId = () => logicalId(synth.stack.fanOutWorker.deadLetterQueue);
/**
 * The functions API Gateway invokes (the redelivery function is fed by its queue, the worker by the message one, the
 * sweeper by its schedule).
 */
const GATEWAY_FUNCTIONS = CHAT_FUNCTION_NAMES.filter(
  (name) => name !== 'redelivery' && name !== 'fanout' && name !== 'sweeper',
);
/** The functions that use the table and post to connections: all but the authorizer. */
const CHAT_HANDLERS = ['connect', 'disconnect', 'message', 'redelivery', 'fanout', 'sweeper'] as const;

describe('DynamoDB table', () => {
  it('has the keys, index and TTL of TABLE_SCHEMA, on demand, with PITR and encryption', () => {
    synth.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byUser',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('may be destroyed with the dev stage (no deletion protection)', () => {
    synth.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe('WebSocket API', () => {
  it('selects routes by the frame action', () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    expect(ROUTE_SELECTION_EXPRESSION).toBe('$request.body.action');
  });

  const routeKeys = () => resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);

  it('has one route per entry of the shared route table, and no other', () => {
    expect(routeKeys().sort()).toEqual(ROUTES.map((r) => r.routeKey).sort());
  });

  it.each(ACTION_NAMES)('routes the protocol action %s to the message function', (action) => {
    const [, route] = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties.RouteKey === action,
    ) ?? [undefined, undefined];
    expect(route, `a route for "${action}"`).toBeDefined();
    const integrationId = render(route!.Properties.Target).replace(/^integrations\/\$\{(.+)\}$/, '$1');
    expect(render(resources[integrationId]!.Properties.IntegrationUri)).toContain(`\${${fnId('message')}.Arn}`);
  });

  it.each([
    ['$connect', 'connect'],
    ['$disconnect', 'disconnect'],
    ['$default', 'message'],
  ] as const)('routes %s to the %s function', (routeKey, fn) => {
    const [, route] = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route').find(
      ([, r]) => r.Properties.RouteKey === routeKey,
    )!;
    const integrationId = render(route.Properties.Target).replace(/^integrations\/\$\{(.+)\}$/, '$1');
    expect(resources[integrationId]!.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(render(resources[integrationId]!.Properties.IntegrationUri)).toContain(`\${${fnId(fn)}.Arn}`);
  });

  it('authorizes $connect with the authorizer function and the token query parameter; no other route has one', () => {
    const [[authorizerId, authorizer]] = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer') as [
      [string, { Properties: Record<string, any> }],
    ];
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(render(authorizer.Properties.AuthorizerUri)).toContain(`\${${fnId('authorizer')}.Arn}`);
    for (const [, route] of resourcesOf(synth.template, 'AWS::ApiGatewayV2::Route')) {
      if (route.Properties.RouteKey === '$connect') {
        expect(route.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(route.Properties.AuthorizationType).toBe('NONE');
      }
    }
  });

  it('lets API Gateway invoke each function it integrates, from this API only', () => {
    for (const name of GATEWAY_FUNCTIONS) {
      const permissions = resourcesOf(synth.template, 'AWS::Lambda::Permission').filter(
        ([, p]) => render(p.Properties.FunctionName) === `\${${fnId(name)}.Arn}`,
      );
      expect(permissions.length, name).toBeGreaterThan(0);
      for (const [, permission] of permissions) {
        expect(permission.Properties.Principal).toBe('apigateway.amazonaws.com');
        expect(render(permission.Properties.SourceArn)).toContain(`:\${${apiId()}}/`);
      }
    }
  });
});

describe('stage', () => {
  const stage = () => resourcesOf(synth.template, 'AWS::ApiGatewayV2::Stage')[0]![1];

  it('auto-deploys under the stage name, with default route throttling', () => {
    synth.template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    expect(stage().Properties).toMatchObject({
      StageName: 'dev',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
  });

  it('writes access logs to a log group of its own', () => {
    const destination = render(stage().Properties.AccessLogSettings.DestinationArn);
    const accessLogsId = logicalId(synth.stack.webSocket.accessLogs);
    expect(destination).toBe(`\${${accessLogsId}.Arn}`);
    expect(resources[accessLogsId]!.Type).toBe('AWS::Logs::LogGroup');
    expect(resources[accessLogsId]!.Properties.RetentionInDays).toBe(7);
    for (const name of CHAT_FUNCTION_NAMES) {
      expect(render(resources[fnId(name)]!.Properties.LoggingConfig.LogGroup)).not.toBe(`\${${accessLogsId}}`);
    }
  });

  it('logs one JSON object of $context fields per request, never the query string and its token', () => {
    const format: string = stage().Properties.AccessLogSettings.Format;
    const fields = JSON.parse(format) as Record<string, string>;
    for (const value of Object.values(fields)) expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
    expect(Object.values(fields)).toEqual(
      expect.arrayContaining([
        '$context.requestId',
        '$context.connectionId',
        '$context.routeKey',
        '$context.eventType',
        '$context.status',
        '$context.integration.error',
      ]),
    );
    expect(format).not.toMatch(/querystring|token|\$request|\$input|\$method|identity\.apiKey/i);
  });

  it('is deployed after API Gateway has the account logging role it needs for access logs', () => {
    const [[accountId, account]] = resourcesOf(synth.template, 'AWS::ApiGateway::Account') as [[string, any]];
    const [stageId] = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Stage')[0]!;
    expect(resources[stageId]!.DependsOn).toContain(accountId);
    const roleId = render(account.Properties.CloudWatchRoleArn).replace(/^\$\{(.+)\.Arn\}$/, '$1');
    expect(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({
      Service: 'apigateway.amazonaws.com',
    });
  });
});

describe('functions', () => {
  const MEMORY = {
    authorizer: 512,
    connect: 1536,
    disconnect: 1536,
    message: 1536,
    redelivery: 512,
    fanout: 512,
    sweeper: 512,
  };
  const TIMEOUT = { authorizer: 10, connect: 29, disconnect: 29, message: 29, redelivery: 30, fanout: 30, sweeper: 50 };

  it.each(CHAT_FUNCTION_NAMES)('%s: Node.js 24 on arm64, its memory and timeout', (name) => {
    synth.template.resourceCountIs('AWS::Lambda::Function', 7);
    expect(resources[fnId(name)]!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: MEMORY[name],
      Timeout: TIMEOUT[name],
    });
  });

  it.each(CHAT_FUNCTION_NAMES)('%s: exactly the environment its config loader reads', (name) => {
    const variables = resources[fnId(name)]!.Properties.Environment.Variables as Record<string, unknown>;
    const common = {
      POWERTOOLS_SERVICE_NAME: 'chat-dev',
      POWERTOOLS_METRICS_NAMESPACE: 'ChatBackend',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    };
    const userPoolId = logicalId(synth.stack.auth.userPool);
    const clientId = logicalId(synth.stack.auth.userPoolClient);
    const chat = { ...common, TABLE_NAME: { Ref: tableId() }, REDELIVERY_QUEUE_URL: { Ref: queueId() } };
    const expected =
      name === 'authorizer'
        ? { ...common, USER_POOL_ID: { Ref: userPoolId }, USER_POOL_CLIENT_ID: { Ref: clientId } }
        : name === 'redelivery'
          ? {
              ...chat,
              REDELIVERY_MAX_RECEIVES: String(REDELIVERY_MAX_RECEIVES),
              MANAGEMENT_ENDPOINT: expect.anything(),
            }
          : name === 'fanout' || name === 'sweeper'
            ? { ...chat, MANAGEMENT_ENDPOINT: expect.anything() }
            : name === 'message'
              ? {
                  ...chat,
                  FANOUT_FUNCTION_NAME: { Ref: fnId('fanout') },
                  FANOUT_INLINE_MAX: String(DEFAULT_FAN_OUT_SETTINGS.inlineMax),
                  FANOUT_BATCH_SIZE: String(DEFAULT_FAN_OUT_SETTINGS.batchSize),
                  ATTACHMENTS_BUCKET_URL: expect.anything(),
                  MODERATION_EVENT_BUS: { Ref: busId() },
                }
              : chat;
    expect(variables).toEqual(expected);
    if (name === 'redelivery' || name === 'fanout' || name === 'sweeper') {
      expect(render(variables.MANAGEMENT_ENDPOINT)).toBe(
        `https://\${${apiId()}}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/dev`,
      );
    }
  });

  it.each(CHAT_FUNCTION_NAMES)('%s: logs to its own log group with a retention', (name) => {
    const logGroupId = render(resources[fnId(name)]!.Properties.LoggingConfig.LogGroup).replace(/^\$\{(.+)\}$/, '$1');
    expect(resources[logGroupId]!.Type).toBe('AWS::Logs::LogGroup');
    expect(resources[logGroupId]!.Properties.RetentionInDays).toBe(7);
    expect(logGroupId).toBe(logicalId(synth.stack.functions.logGroups[name]));
  });

  it.each(CHAT_FUNCTION_NAMES)(
    '%s: bundled as a minified ESM file with a source map and the AWS SDK inside',
    (name) => {
      const dir = assetDirOf(name);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(code).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // Minified: a few very long lines, not thousands of short ones.
      expect(code.split('\n').length).toBeLessThan(200);
      // Nothing is left to resolve at run time but Node's own modules: the AWS SDK and every package are inside.
      const specifiers = [...code.matchAll(/\b(?:from\s*|import\s*\(\s*|require\(\s*)["']([^"']+)["']/g)].map(
        (m) => m[1]!,
      );
      expect(specifiers.length).toBeGreaterThan(0);
      // The SDK's error messages show `require("@aws-sdk/signature-v4-crt")` as advice: text, not imports.
      const optional = ['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a'];
      const unresolved = specifiers.filter(
        (s) => !builtinModules.includes(s.replace(/^node:/, '')) && !optional.includes(s),
      );
      expect(unresolved).toEqual([]);
    },
  );

  it.each(CHAT_FUNCTION_NAMES)('%s: the bundle loads on its own in Node and exports the handler', (name) => {
    const dir = assetDirOf(name);
    const variables = resources[fnId(name)]!.Properties.Environment.Variables as Record<string, unknown>;
    // CloudFormation fills the references at deploy time; plausible values stand in for them here.
    const stand: Record<string, string> = {
      USER_POOL_ID: 'eu-west-1_Example1',
      USER_POOL_CLIENT_ID: 'exampleclientid',
      TABLE_NAME: 'chat-table',
      REDELIVERY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/chat-redelivery',
      MANAGEMENT_ENDPOINT: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev',
      FANOUT_FUNCTION_NAME: 'chat-fanout',
    };
    const env = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : stand[key]!]),
    );
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env, NODE_OPTIONS: '' },
        timeout: 30_000,
      },
    );
    expect(
      result.stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?a\.co\/\w+\n/g, ''),
    ).not.toMatch(/Error/);
    expect(result.stdout.trim()).toBe('function');
  });

  it('the bundle fails at load time, naming the variable, when the environment lacks it', () => {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('./index.mjs');"], {
      cwd: assetDirOf('connect'),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1' },
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('TABLE_NAME');
  });
});

describe('least privilege', () => {
  interface Statement {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: unknown;
  }
  const statementsOf = (name: (typeof CHAT_FUNCTION_NAMES)[number]): Statement[] => {
    const roleId = logicalId(synth.stack.functions.roles[name]);
    const role = resources[roleId]!;
    expect(role.Properties.ManagedPolicyArns, `${name} has no managed policies`).toBeUndefined();
    return resourcesOf(synth.template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => render(r) === `\${${roleId}}`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);
  };
  const actions = (s: Statement) => [s.Action].flat().sort();

  it.each(CHAT_FUNCTION_NAMES)('%s may write only to its own log group', (name) => {
    const logs = statementsOf(name).filter((s) => actions(s).some((a) => a.startsWith('logs:')));
    expect(logs).toHaveLength(1);
    expect(actions(logs[0]!)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(render(logs[0]!.Resource)).toBe(`\${${logicalId(synth.stack.functions.logGroups[name])}.Arn}`);
  });

  it('the authorizer has no access to the table or the management API', () => {
    const other = statementsOf('authorizer').filter((s) => !actions(s).every((a) => a.startsWith('logs:')));
    expect(other).toEqual([]);
  });

  it.each(CHAT_HANDLERS)('%s: exactly its table actions, on the table and its index', (name) => {
    const statements = statementsOf(name);
    const table = statements.filter((s) => s.Sid === 'ChatTable');
    const index = statements.filter((s) => s.Sid === 'ChatTableUserIndex');
    expect(table).toHaveLength(1);
    expect(actions(table[0]!)).toEqual([...TABLE_ACCESS[name].table].sort());
    expect(render(table[0]!.Resource)).toBe(`\${${tableId()}.Arn}`);
    expect(index).toHaveLength(1);
    expect(actions(index[0]!)).toEqual(['dynamodb:Query']);
    expect(render(index[0]!.Resource)).toBe(`\${${tableId()}.Arn}/index/byUser`);
    const dynamo = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(2);
  });

  it.each(CHAT_HANDLERS)('%s: ManageConnections on this API and stage only', (name) => {
    const manage = statementsOf(name).filter((s) => actions(s).includes('execute-api:ManageConnections'));
    expect(manage).toHaveLength(1);
    expect(actions(manage[0]!)).toEqual(['execute-api:ManageConnections']);
    expect([manage[0]!.Resource].flat().map(render).sort()).toEqual(
      MANAGEMENT_ACCESS[name]
        .map(
          (method) =>
            `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${${apiId()}}/dev/${method}/@connections/*`,
        )
        .sort(),
    );
  });

  it.each(CHAT_HANDLERS)('%s may send to the redelivery queue, and only that', (name) => {
    const sqsStatements = statementsOf(name).filter((s) => actions(s).some((a) => a.startsWith('sqs:')));
    const send = sqsStatements.filter((s) => s.Sid === 'RedeliveryQueueSend');
    expect(send).toHaveLength(1);
    expect(actions(send[0]!)).toEqual(['sqs:SendMessage']);
    expect(render(send[0]!.Resource)).toBe(`\${${queueId()}.Arn}`);
    const others = sqsStatements.filter((s) => s.Sid !== 'RedeliveryQueueSend');
    if (name === 'fanout') {
      // Lambda puts the batches that failed every try in the worker's dead-letter queue, under the worker's role.
      expect(others.flatMap(actions)).toEqual(['sqs:SendMessage']);
      expect(others.map((o) => render(o.Resource))).toEqual([`\${${fanOutDeadLettersId()}.Arn}`]);
    } else if (name !== 'redelivery') expect(others).toEqual([]);
    else {
      // What its event source mapping needs to read and delete, on this queue only.
      for (const statement of others) expect(render(statement.Resource)).toBe(`\${${queueId()}.Arn}`);
      expect(others.flatMap(actions)).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
      expect(others.flatMap(actions)).not.toContain('sqs:SendMessage');
    }
  });

  it('only the message function may invoke the fan-out worker, and nothing else', () => {
    const invokes = CHAT_FUNCTION_NAMES.flatMap((name) =>
      statementsOf(name)
        .filter((s) => actions(s).some((a) => a.startsWith('lambda:')))
        .map((s) => ({ name, actions: actions(s), resource: render(s.Resource) })),
    );
    expect(invokes).toEqual([
      { name: 'message', actions: ['lambda:InvokeFunction'], resource: `\${${fnId('fanout')}.Arn}` },
    ]);
    // No resource-based policy lets anyone else (a service, another account) invoke any function but API Gateway
    // (and the sweep schedule its sweeper, see below).
    for (const [, permission] of resourcesOf(synth.template, 'AWS::Lambda::Permission')) {
      const sweeper = render(permission.Properties.FunctionName) === `\${${fnId('sweeper')}.Arn}`;
      expect(permission.Properties.Principal).toBe(sweeper ? 'events.amazonaws.com' : 'apigateway.amazonaws.com');
      expect(render(permission.Properties.FunctionName)).not.toContain(fnId('fanout'));
    }
  });

  it('only the message function may use the attachment bucket: the five object actions signing needs, on rooms/*', () => {
    const s3Of = (name: (typeof CHAT_FUNCTION_NAMES)[number]) =>
      statementsOf(name).filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    const [attachments, ...more] = s3Of('message');
    expect(more).toEqual([]);
    expect(actions(attachments!)).toEqual(
      ['s3:DeleteObject', 's3:DeleteObjectTagging', 's3:GetObject', 's3:PutObject', 's3:PutObjectTagging'].sort(),
    );
    expect(render(attachments!.Resource)).toBe(`\${${bucketId()}.Arn}/rooms/*`);
    for (const name of CHAT_FUNCTION_NAMES.filter((n) => n !== 'message')) expect(s3Of(name), name).toEqual([]);
    const env = resources[fnId('message')]!.Properties.Environment.Variables as Record<string, unknown>;
    expect(render(env.ATTACHMENTS_BUCKET_URL)).toBe(`https://\${${bucketId()}.RegionalDomainName}`);
  });

  it.each(CHAT_FUNCTION_NAMES)('%s may put events on the moderation bus only if it publishes reports', (name) => {
    const events = statementsOf(name).filter((s) => actions(s).some((a) => a.startsWith('events:')));
    if (name === 'authorizer' || MODERATION_EVENTS_ACCESS[name].length === 0) {
      expect(events).toEqual([]);
      return;
    }
    expect(events).toHaveLength(1);
    expect(actions(events[0]!)).toEqual(['events:PutEvents']);
    expect(render(events[0]!.Resource)).toBe(`\${${busId()}.Arn}`);
  });

  it('no policy in the stack allows a wildcard action or a "*" resource', () => {
    // The only "*" is the connection id at the end of the ManageConnections ARNs (asserted above): API Gateway
    // assigns connection ids at run time. Everything else names its resource.
    for (const [id, policy] of resourcesOf(synth.template, 'AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of actions(statement)) expect(action, id).not.toContain('*');
        for (const resource of [statement.Resource].flat().map(render)) {
          expect(resource, id).not.toBe('*');
          // And the attachment keys, made per upload: the rooms/ prefix of the attachment bucket.
          if (resource.includes('*') && !resource.endsWith('/@connections/*')) {
            expect(resource, id).toBe(`\${${bucketId()}.Arn}/rooms/*`);
          }
        }
      }
    }
  });
});

describe('attachment bucket', () => {
  it('is private, encrypted, TLS only, kept, with CORS for browser PUT/GET and unsent uploads expiring', () => {
    const bucket = resources[bucketId()]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({
        AllowedMethods: ['PUT', 'GET'],
        AllowedHeaders: ['content-type', 'x-amz-tagging'],
      }),
    ]);
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        TagFilters: [{ Key: 'chat-upload', Value: 'unsent' }],
        ExpirationInDays: 1,
      }),
      expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    ]);
    const policy = resourcesOf(synth.template, 'AWS::S3::BucketPolicy').find(
      ([, p]) => render(p.Properties.Bucket) === `\${${bucketId()}}`,
    );
    expect(JSON.stringify(policy?.[1].Properties.PolicyDocument)).toContain('aws:SecureTransport');
  });
});

describe('moderation event bus', () => {
  it('is a custom bus of the stack, named by CloudFormation, and the message function is told its name', () => {
    const buses = resourcesOf(synth.template, 'AWS::Events::EventBus');
    expect(buses).toHaveLength(1);
    expect(buses[0]![0]).toBe(busId());
    // No hard-coded name: CloudFormation derives it from the stack, so stages never share a bus.
    expect(render(buses[0]![1].Properties.Name)).not.toMatch(/^default$/);
    expect(resources[fnId('message')]!.Properties.Environment.Variables.MODERATION_EVENT_BUS).toEqual({
      Ref: busId(),
    });
    for (const name of ['connect', 'disconnect', 'redelivery', 'authorizer'] as const) {
      expect(resources[fnId(name)]!.Properties.Environment.Variables.MODERATION_EVENT_BUS, name).toBeUndefined();
    }
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ModerationEventBusName!.Value).toEqual({ Ref: busId() });
  });

  it('alarms when reports were stored but their events could not be published', () => {
    const found = resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((a) => a.Namespace === 'ChatBackend' && a.MetricName === 'ModerationEventsFailed');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
  });
});

describe('redelivery queue', () => {
  it('is encrypted at rest, TLS only, and moves a frame to its dead-letter queue after the last try', () => {
    const queue = resources[queueId()]!.Properties;
    expect(queue).toMatchObject({
      SqsManagedSseEnabled: true,
      // Six times the redelivery function's timeout, as Lambda advises for an SQS event source.
      VisibilityTimeout: 180,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId(), 'Arn'] },
        maxReceiveCount: REDELIVERY_MAX_RECEIVES,
      },
    });
    expect(resources[deadLettersId()]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    for (const id of [queueId(), deadLettersId()]) {
      const policy = resourcesOf(synth.template, 'AWS::SQS::QueuePolicy').find(([, p]) =>
        render(p.Properties.Queues).includes(id),
      );
      expect(policy, id).toBeDefined();
      expect(policy![1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('feeds the redelivery function in batches of 10, reporting item failures', () => {
    const mappings = resourcesOf(synth.template, 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: fnId('redelivery') },
      EventSourceArn: { 'Fn::GetAtt': [queueId(), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});

describe('fan-out worker', () => {
  it('runs at most its reserved concurrency at once, is retried twice, and keeps what failed in a dead-letter queue', () => {
    const worker = resources[fnId('fanout')]!.Properties;
    expect(worker.ReservedConcurrentExecutions).toBe(DEFAULT_FAN_OUT_CONCURRENCY);
    expect(render(worker.DeadLetterConfig.TargetArn)).toBe(`\${${fanOutDeadLettersId()}.Arn}`);
    const configs = resourcesOf(synth.template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs).toHaveLength(1);
    expect(configs[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: fnId('fanout') },
      MaximumRetryAttempts: FAN_OUT_RETRY_ATTEMPTS,
      MaximumEventAgeInSeconds: 900,
    });
    expect(resources[fanOutDeadLettersId()]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const policy = resourcesOf(synth.template, 'AWS::SQS::QueuePolicy').find(([, p]) =>
      render(p.Properties.Queues).includes(fanOutDeadLettersId()),
    );
    expect(policy![1].Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    // No other function reserves concurrency: only the worker is bounded.
    for (const name of CHAT_FUNCTION_NAMES.filter((n) => n !== 'fanout'))
      expect(resources[fnId(name)]!.Properties.ReservedConcurrentExecutions, name).toBeUndefined();
  });
});

describe('sweep schedule', () => {
  it('runs the sweeper every minute, without retries, and may invoke nothing else', () => {
    const rules = resourcesOf(synth.template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(rule.Properties.State).toBe('ENABLED');
    const ruleTargets = rule.Properties.Targets as Array<{ Arn: unknown; RetryPolicy: unknown; Input: string }>;
    expect(ruleTargets).toHaveLength(SWEEP_INVOCATIONS);
    for (const target of ruleTargets) {
      expect(render(target.Arn)).toBe(`\${${fnId('sweeper')}.Arn}`);
      expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
    }
    // Each target hands the sweeper its part of the shards; together they cover every shard exactly once.
    const shards = ruleTargets.flatMap((target) => (JSON.parse(target.Input) as { shards: number[] }).shards);
    expect([...shards].sort((a, b) => a - b)).toEqual(Array.from({ length: SWEEP_SHARDS }, (_, shard) => shard));
    const permissions = resourcesOf(synth.template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties.Principal === 'events.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    expect(render(permissions[0]![1].Properties.FunctionName)).toBe(`\${${fnId('sweeper')}.Arn}`);
    expect(render(permissions[0]![1].Properties.SourceArn)).toBe(`\${${rules[0]![0]}.Arn}`);
  });

  it('alarms on the sweeper failing', () => {
    const failing = resourcesOf(synth.template, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) =>
        alarm.Properties.MetricName === 'Errors' &&
        (alarm.Properties.Dimensions as Array<{ Value: unknown }>).some(
          (d) => render(d.Value) === `\${${fnId('sweeper')}}`,
        ),
    );
    expect(failing).toHaveLength(1);
  });
});

describe('Cognito', () => {
  it('creates a user pool with a strong password policy and optional TOTP MFA', () => {
    synth.template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      MfaConfiguration: 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
    });
  });

  it('creates an app client without a secret that allows SRP and USER_PASSWORD_AUTH', () => {
    synth.template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayEquals([
        'ALLOW_USER_PASSWORD_AUTH',
        'ALLOW_USER_SRP_AUTH',
        'ALLOW_REFRESH_TOKEN_AUTH',
      ]),
      UserPoolId: { Ref: logicalId(synth.stack.auth.userPool) },
      PreventUserExistenceErrors: 'ENABLED',
    });
  });
});

describe('operations', () => {
  const alarms = () => resourcesOf(synth.template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const topicRef = () => ({ Ref: logicalId(synth.stack.monitoring.alarmTopic) });

  it.each(CHAT_FUNCTION_NAMES)('%s: alarms on errors and throttles', (name) => {
    for (const metricName of ['Errors', 'Throttles']) {
      const found = alarms().filter(
        (a) =>
          a.Namespace === 'AWS/Lambda' &&
          a.MetricName === metricName &&
          a.Dimensions?.some((d: any) => d.Name === 'FunctionName' && render(d.Value) === `\${${fnId(name)}}`),
      );
      expect(found, `${name} ${metricName}`).toHaveLength(1);
      expect(found[0]).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it.each(['IntegrationError', 'ExecutionError'])('alarms on the API stage %s metric', (metricName) => {
    const found = alarms().filter((a) => a.Namespace === 'AWS/ApiGateway' && a.MetricName === metricName);
    expect(found).toHaveLength(1);
    expect(found[0].Dimensions).toEqual(
      expect.arrayContaining([
        { Name: 'ApiId', Value: { Ref: apiId() } },
        { Name: 'Stage', Value: 'dev' },
      ]),
    );
  });

  it('alarms on DynamoDB read and write throttles of the table and its index', () => {
    const found = alarms().filter((a) =>
      a.Metrics?.some((m: any) => m.MetricStat?.Metric?.Namespace === 'AWS/DynamoDB'),
    );
    expect(found).toHaveLength(1);
    const stats = found[0].Metrics.filter((m: any) => m.MetricStat).map((m: any) => ({
      name: m.MetricStat.Metric.MetricName,
      index: m.MetricStat.Metric.Dimensions.find((d: any) => d.Name === 'GlobalSecondaryIndexName')?.Value,
    }));
    expect(stats).toEqual(
      expect.arrayContaining([
        { name: 'ReadThrottleEvents', index: undefined },
        { name: 'WriteThrottleEvents', index: undefined },
        { name: 'ReadThrottleEvents', index: 'byUser' },
        { name: 'WriteThrottleEvents', index: 'byUser' },
      ]),
    );
  });

  it('alarms on frames in the redelivery dead-letter queue and on frames given up', () => {
    const deadLetters = alarms().filter(
      (a) =>
        a.Namespace === 'AWS/SQS' &&
        a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        render(a.Dimensions[0].Value) === `\${${deadLettersId()}.QueueName}`,
    );
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      Threshold: 1,
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(render(deadLetters[0].Dimensions[0].Value)).toBe(`\${${deadLettersId()}.QueueName}`);
    const givenUp = alarms().filter((a) => a.Namespace === 'ChatBackend' && a.MetricName === 'FramesGivenUp');
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0]).toMatchObject({ Threshold: 1, Statistic: 'Sum' });
  });

  it("alarms on fan-out batches in the worker's dead-letter queue", () => {
    const found = alarms().filter(
      (a) =>
        a.Namespace === 'AWS/SQS' &&
        a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        render(a.Dimensions[0].Value) === `\${${fanOutDeadLettersId()}.QueueName}`,
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ Threshold: 1, Statistic: 'Maximum' });
  });

  it('every alarm notifies the alarm topic', () => {
    // Seven functions' errors and throttles (authorizer, connect, disconnect, message, redelivery, fan-out worker,
    // sweeper), two API alarms, table throttles, redelivery dead letters, frames given up, fan-out dead letters and
    // moderation events that failed.
    expect(alarms()).toHaveLength(7 * 2 + 2 + 1 + 2 + 1 + 1);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topicRef()]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
  });

  it('has a dashboard of connections, messages, fan-out failures and latency from the handlers metrics', () => {
    const [[, dashboard]] = resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard') as [[string, any]];
    const body = render(dashboard.Properties.DashboardBody);
    for (const title of ['Connections', 'Messages', 'Fan-out failures', 'latency']) expect(body).toContain(title);
    const widgets = (JSON.parse(body) as { widgets: Array<{ properties: { metrics?: unknown[][] } }> }).widgets;
    const metrics = widgets.flatMap((w) => w.properties.metrics ?? []);
    for (const name of CHAT_METRICS) {
      expect(metrics, name).toContainEqual(expect.arrayContaining(['ChatBackend', name, 'service', 'chat-dev']));
    }
    for (const name of ['ConnectCount', 'MessageCount', 'IntegrationLatency']) {
      expect(metrics, name).toContainEqual(expect.arrayContaining(['AWS/ApiGateway', name, 'ApiId']));
    }
  });

  it('shows fan-out latency by room size: FanOutDuration p50 and maximum of each size bucket', () => {
    const [[, dashboard]] = resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard') as [[string, any]];
    const widgets = (JSON.parse(render(dashboard.Properties.DashboardBody)) as { widgets: any[] }).widgets;
    const widget = widgets.find((w) => String(w.properties.title).startsWith('Fan-out latency by room size'));
    expect(widget).toBeDefined();
    const metrics = widget.properties.metrics as unknown[][];
    expect(metrics).toHaveLength(ROOM_SIZE_BUCKETS.length * 2);
    for (const bucket of ROOM_SIZE_BUCKETS) {
      for (const stat of ['p50', 'Maximum']) {
        expect(metrics, `${bucket} ${stat}`).toContainEqual([
          'ChatBackend',
          'FanOutDuration',
          'roomSize',
          bucket,
          'service',
          'chat-dev',
          expect.objectContaining({ stat }),
        ]);
      }
    }
  });
});

describe('outputs', () => {
  it('gives the wss:// URL, the management URL, the table, the user pool and the client', () => {
    const outputs = synth.template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const api = `\${${apiId()}}`;
    expect(render(outputs.WebSocketUrl!.Value)).toBe(`wss://${api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/dev`);
    expect(render(outputs.ManagementApiUrl!.Value)).toBe(
      `https://${api}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/dev`,
    );
    expect(outputs.TableName!.Value).toEqual({ Ref: tableId() });
    expect(outputs.UserPoolId!.Value).toEqual({ Ref: logicalId(synth.stack.auth.userPool) });
    expect(outputs.UserPoolClientId!.Value).toEqual({ Ref: logicalId(synth.stack.auth.userPoolClient) });
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('has no unacknowledged finding', () => {
    expect(synth.unacknowledged).toEqual([]);
    const annotations = Annotations.fromStack(synth.stack);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
  });

  it('gives every acknowledgement a written reason', () => {
    const acknowledged = synth.stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules'))
      .flatMap((m) => Object.entries(m.data as Record<string, { reason?: string } | string>));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const [id, entry] of acknowledged) {
      const reason = typeof entry === 'string' ? entry : entry.reason;
      expect(reason, id).toMatch(/\w{4,}.{60,}/);
    }
  });
});

function assetDirOf(name: (typeof CHAT_FUNCTION_NAMES)[number]): string {
  const key: string = resources[fnId(name)]!.Properties.Code.S3Key;
  const dir = join(synth.assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  expect(existsSync(join(dir, 'index.mjs')), dir).toBe(true);
  return dir;
}
