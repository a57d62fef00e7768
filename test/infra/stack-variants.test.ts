// The app under the other context settings a user can give `cdk deploy`: a named stage (which keeps its data), an
// existing user pool, and the switches; plus the context mistakes that must fail before anything is deployed.
// Functions are not bundled here (the template is the same; chat-backend-stack.test.ts checks the bundles).
import { readFileSync } from 'node:fs';
import { App, type CfnElement, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineChatBackend } from '../../lib/chat-app.js';
import {
  removeSynthOutputs,
  render,
  resourcesOf,
  scratchOutdir,
  synthChatBackend,
  type Synthesized,
} from './support/synth.js';

afterAll(removeSynthOutputs);

describe('a named stage (prod)', () => {
  let prod: Synthesized;
  beforeAll(() => {
    prod = synthChatBackend({ context: { stage: 'prod' } });
  });

  it('is its own stack, API stage and metrics service', () => {
    expect(prod.stack.stackName).toBe('ChatBackend-prod');
    prod.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'prod' });
    for (const [, fn] of resourcesOf(prod.template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('chat-prod');
    }
  });

  it('retains the table, with deletion protection', () => {
    prod.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it('retains the user pool, with deletion protection', () => {
    prod.template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });
  });

  it('retains every log group (seven functions, the access log), for 90 days of logs', () => {
    const logGroups = resourcesOf(prod.template, 'AWS::Logs::LogGroup');
    expect(logGroups).toHaveLength(7 + 1);
    for (const [, logGroup] of logGroups) {
      expect(logGroup.DeletionPolicy).toBe('Retain');
      expect(logGroup.Properties.RetentionInDays).toBe(90);
    }
  });

  it('scopes ManageConnections to the prod stage', () => {
    const resources = resourcesOf(prod.template, 'AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Resource: unknown }>)
      .filter((s) => s.Sid === 'ManageConnections')
      .flatMap((s) => [s.Resource].flat().map(render));
    // POST for each function that posts (connect, disconnect, message, redelivery, fan-out worker, sweeper), and GET
    // and DELETE for the sweeper, which asks whether a connection is still open and closes one silent past its
    // declared heartbeat.
    expect(resources).toHaveLength(6 + 2);
    for (const resource of resources) expect(resource).toMatch(/\}\/prod\/(POST|GET|DELETE)\/@connections\/\*$/);
    expect(resources.filter((resource) => resource.includes('/prod/GET/'))).toHaveLength(1);
    expect(resources.filter((resource) => resource.includes('/prod/DELETE/'))).toHaveLength(1);
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(prod.unacknowledged).toEqual([]);
  });
});

describe('the dev stage', () => {
  let dev: Synthesized;
  beforeAll(() => {
    dev = synthChatBackend();
  });

  it('is the default, and lets the user pool and the logs go with the stack', () => {
    expect(dev.stack.stackName).toBe('ChatBackend-dev');
    dev.template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }),
    });
    for (const [, logGroup] of resourcesOf(dev.template, 'AWS::Logs::LogGroup')) {
      expect(logGroup.DeletionPolicy).toBe('Delete');
    }
  });

  it('keeps the account-wide API Gateway logging role when the stack goes', () => {
    const [[, account]] = resourcesOf(dev.template, 'AWS::ApiGateway::Account') as [[string, any]];
    expect(account.DeletionPolicy).toBe('Retain');
    const roleId = render(account.Properties.CloudWatchRoleArn).replace(/^\$\{(.+)\.Arn\}$/, '$1');
    expect(dev.template.toJSON().Resources[roleId].DeletionPolicy).toBe('Retain');
  });
});

describe('an existing user pool', () => {
  let existing: Synthesized;
  const userPoolId = 'eu-west-1_AbCdEf123';
  const userPoolClientId = '1example23456789abcdefghij';
  beforeAll(() => {
    existing = synthChatBackend({ context: { userPoolId, userPoolClientId } });
  });

  it('creates no Cognito resources', () => {
    existing.template.resourceCountIs('AWS::Cognito::UserPool', 0);
    existing.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
  });

  it('gives the authorizer the pool and client ids, and outputs them', () => {
    existing.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ USER_POOL_ID: userPoolId, USER_POOL_CLIENT_ID: userPoolClientId }) },
    });
    existing.template.hasOutput('UserPoolId', { Value: userPoolId });
    existing.template.hasOutput('UserPoolClientId', { Value: userPoolClientId });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(existing.unacknowledged).toEqual([]);
  });
});

describe('switches', () => {
  it('apiGatewayLogsRole=false leaves the account setting alone', () => {
    const { template } = synthChatBackend({ context: { apiGatewayLogsRole: 'false' } });
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    const [, stage] = resourcesOf(template, 'AWS::ApiGatewayV2::Stage')[0]!;
    expect(stage.Properties.AccessLogSettings).toBeDefined();
  });

  it('selfSignUp=true opens sign-up; the default is administrators only', () => {
    const { template } = synthChatBackend({ context: { selfSignUp: 'true' } });
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    });
  });

  it('alarmEmail subscribes the address to the alarm topic', () => {
    const { template } = synthChatBackend({ context: { alarmEmail: 'ops@example.com' } });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it("fanOutConcurrency sets the fan-out worker's reserved concurrency; none reserves nothing", () => {
    const reserved = (context: Record<string, string>) => {
      const { template, stack } = synthChatBackend({ context });
      const id = stack.getLogicalId(stack.functions.fanout.node.defaultChild as CfnElement);
      return template.toJSON().Resources[id].Properties.ReservedConcurrentExecutions as number | undefined;
    };
    expect(reserved({ fanOutConcurrency: '25' })).toBe(25);
    expect(reserved({ fanOutConcurrency: 'none' })).toBeUndefined();
  });
});

describe('context mistakes fail before anything is deployed', () => {
  const define = (context: Record<string, string>) => () =>
    defineChatBackend(new App({ outdir: scratchOutdir(), context: { ...context, 'aws:cdk:bundling-stacks': [] } }));

  it('a pool id without a client id (and the reverse)', () => {
    expect(define({ userPoolId: 'eu-west-1_AbCdEf123' })).toThrow(/userPoolId and userPoolClientId/);
    expect(define({ userPoolClientId: 'abc' })).toThrow(/userPoolId and userPoolClientId/);
  });

  it('a user pool id that is not one (the authorizer would refuse it at every cold start)', () => {
    expect(define({ userPoolId: 'AbCdEf123', userPoolClientId: 'abc' })).toThrow(
      /context userPoolId \/ userPoolClientId: USER_POOL_ID: "AbCdEf123" is not a Cognito user pool id/,
    );
  });

  it('a stage name API Gateway or CloudFormation would refuse', () => {
    expect(define({ stage: 'my stage' })).toThrow(/stage: "my stage"/);
    expect(define({ stage: '1prod' })).toThrow(/stage/);
  });

  it('a switch that is not true or false', () => {
    expect(define({ selfSignUp: 'yes' })).toThrow(/selfSignUp: expected true or false/);
  });

  it('a fan-out concurrency that is not a whole number of at least 1, or none', () => {
    for (const value of ['0', '-3', '2.5', 'lots'])
      expect(define({ fanOutConcurrency: value })).toThrow(/fanOutConcurrency/);
  });
});

describe('cdk-nag runs on every synthesis of the app', () => {
  it('refuses to synthesize when a finding is not acknowledged', () => {
    const app = new App({ outdir: scratchOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = defineChatBackend(app);
    stack.functions.roles.message.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }),
    );
    const findings = new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName);
    expect(findings).toContain('AwsSolutions-IAM5[Resource::*]');
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::\*\]/);
  });

  it('an acknowledgement with its reason lets it through', () => {
    const app = new App({ outdir: scratchOutdir(), context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = defineChatBackend(app);
    stack.functions.roles.message.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }),
    );
    Validations.of(stack.functions.roles.message).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'only to show that acknowledged findings pass',
    });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });
});

describe('cdk.json', () => {
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
    app: string;
    notices?: boolean;
    context?: Record<string, unknown>;
  };

  it('runs the app with tsx and makes no network calls (no notices, no CLI telemetry)', () => {
    expect(cdkJson.app).toBe('npx tsx bin/chat-backend.ts');
    expect(cdkJson.notices).toBe(false);
    expect(cdkJson.context?.['cli-telemetry']).toBe(false);
  });
});
