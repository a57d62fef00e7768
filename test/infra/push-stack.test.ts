// Push notifications in the deployable stack: nothing of it without a platform application; with them, the push
// queue (encrypted, TLS only, dead-letter queue), the push function fed by it, SNS grants on the configured
// applications and their endpoints only, alarms, and cdk-nag with nothing unacknowledged. The push function's
// bundle is built as the stack builds it, loads on its own and stays under the 400 KB target.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUSH_METRICS } from '../../lib/chat-monitoring.js';
import { PUSH_MAX_RECEIVES } from '../../lib/chat-push.js';
import { PUSH_SNS_ACCESS, TABLE_ACCESS } from '../../lib/table-access.js';
import {
  bundleHandler,
  removeSynthOutputs,
  render,
  resourcesOf,
  synthChatBackend,
  type Synthesized,
} from './support/synth.js';

afterAll(removeSynthOutputs);

const APPS = {
  pushApnsApplicationArn: 'arn:aws:sns:eu-west-1:123456789012:app/APNS/my-app',
  pushApnsSandboxApplicationArn: 'arn:aws:sns:eu-west-1:123456789012:app/APNS_SANDBOX/my-app-dev',
  pushFcmApplicationArn: 'arn:aws:sns:eu-west-1:123456789012:app/GCM/my-app',
};
const ENDPOINTS = Object.values(APPS).map((arn) => `${arn.replace(':app/', ':endpoint/')}/*`);

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
}
const actions = (s: Statement) => [s.Action].flat().sort();

describe('without a platform application', () => {
  it('has no push queue or function, and the message function queues no jobs', () => {
    const plain = synthChatBackend();
    expect(plain.stack.push).toBeUndefined();
    // The seven chat functions (authorizer, connect, disconnect, message, redelivery, fan-out worker, sweeper).
    expect(resourcesOf(plain.template, 'AWS::Lambda::Function')).toHaveLength(7);
    for (const [, fn] of resourcesOf(plain.template, 'AWS::Lambda::Function')) {
      expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('PUSH_QUEUE_URL');
    }
    const iamPolicies = JSON.stringify(resourcesOf(plain.template, 'AWS::IAM::Policy'));
    expect(iamPolicies).not.toContain('sns:');
    expect(iamPolicies).toContain('dynamodb:Query');
  });
});

describe('with platform applications', () => {
  let synth: Synthesized;
  let resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  const idOf = (construct: { node: { defaultChild?: unknown } }) =>
    synth.stack.getLogicalId((construct.node.defaultChild ?? construct) as never);
  const statementsOfRole = (roleId: string): Statement[] =>
    resourcesOf(synth.template, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => render(r) === `\${${roleId}}`))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[]);

  beforeAll(() => {
    synth = synthChatBackend({ context: { ...APPS, pushPreview: 'false', pushDelaySeconds: '3' } });
    resources = synth.template.toJSON().Resources;
  }, 120_000);

  it('cdk-nag finds nothing unacknowledged', () => {
    expect(synth.unacknowledged).toEqual([]);
  });

  it('the push queue is encrypted, TLS only, and moves a job to its dead-letter queue after its last try', () => {
    const push = synth.stack.push!;
    expect(resources[idOf(push.jobs.queue)]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [idOf(push.jobs.deadLetterQueue), 'Arn'] },
        maxReceiveCount: PUSH_MAX_RECEIVES,
      },
    });
    for (const queue of [push.jobs.queue, push.jobs.deadLetterQueue]) {
      const policies = resourcesOf(synth.template, 'AWS::SQS::QueuePolicy').filter(([, p]) =>
        (p.Properties.Queues as unknown[]).some((q) => render(q) === `\${${idOf(queue)}}`),
      );
      expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('feeds the push function from the queue, reporting failed jobs one by one', () => {
    const mappings = resourcesOf(synth.template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => render(m.Properties.FunctionName) === `\${${idOf(synth.stack.push!.function)}}`,
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties).toMatchObject({
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('configures the push and message functions', () => {
    const push = resources[idOf(synth.stack.push!.function)]!.Properties;
    expect(push.Timeout).toBe(60);
    expect(push.Environment.Variables).toMatchObject({
      PUSH_APNS_APPLICATION_ARN: APPS.pushApnsApplicationArn,
      PUSH_APNS_SANDBOX_APPLICATION_ARN: APPS.pushApnsSandboxApplicationArn,
      PUSH_FCM_APPLICATION_ARN: APPS.pushFcmApplicationArn,
      PUSH_PREVIEW: 'false',
    });
    expect(render(push.Environment.Variables.PUSH_QUEUE_URL)).toBe(`\${${idOf(synth.stack.push!.jobs.queue)}}`);
    const message = resources[idOf(synth.stack.functions.message)]!.Properties.Environment.Variables;
    expect(render(message.PUSH_QUEUE_URL)).toBe(`\${${idOf(synth.stack.push!.jobs.queue)}}`);
    expect(message.PUSH_DELAY_S).toBe('3');
  });

  it('grants the push function its table actions, its queue, and SNS on these applications and their endpoints only', () => {
    const statements = statementsOfRole(idOf(synth.stack.push!.role));
    const bySid = (sid: string) => statements.filter((s) => s.Sid === sid);
    expect(actions(bySid('ChatTable')[0]!)).toEqual([...TABLE_ACCESS.push.table].sort());
    expect(actions(bySid('ChatTableUserIndex')[0]!)).toEqual(['dynamodb:Query']);
    expect(actions(bySid('PushApplications')[0]!)).toEqual([...PUSH_SNS_ACCESS.application]);
    expect([bySid('PushApplications')[0]!.Resource].flat().sort()).toEqual(Object.values(APPS).sort());
    expect(actions(bySid('PushEndpoints')[0]!)).toEqual([...PUSH_SNS_ACCESS.endpoint].sort());
    expect([bySid('PushEndpoints')[0]!.Resource].flat().sort()).toEqual([...ENDPOINTS].sort());
    expect(render(bySid('PushQueueSend')[0]!.Resource)).toBe(`\${${idOf(synth.stack.push!.jobs.queue)}.Arn}`);
    const sns = statements.filter((s) => actions(s).some((a) => a.startsWith('sns:')));
    expect(sns).toHaveLength(2);
    expect(statements.some((s) => actions(s).some((a) => a.startsWith('execute-api:')))).toBe(false);
  });

  it('no other function may use SNS; the message function may queue push jobs', () => {
    for (const [name, role] of Object.entries(synth.stack.functions.roles)) {
      const statements = statementsOfRole(idOf(role));
      expect(
        statements.some((s) => actions(s).some((a) => a.startsWith('sns:'))),
        name,
      ).toBe(false);
      const pushSend = statements.filter((s) => s.Sid === 'PushQueueSend');
      expect(pushSend.length, name).toBe(name === 'message' ? 1 : 0);
    }
  });

  it("no wildcard but connection ids, the endpoints of the configured applications and the attachments' rooms/*", () => {
    for (const [id, policy] of resourcesOf(synth.template, 'AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        for (const action of actions(statement)) expect(action, id).not.toContain('*');
        for (const resource of [statement.Resource].flat().map(render)) {
          if (resource.includes('*'))
            expect(
              resource.endsWith('/@connections/*') ||
                ENDPOINTS.includes(resource) ||
                /^\$\{AttachmentsBucket[A-Z0-9]+\.Arn\}\/rooms\/\*$/.test(resource),
              resource,
            ).toBe(true);
        }
      }
    }
  });

  it('alarms on push function errors and throttles and on dead push jobs; the dashboard shows the push metrics', () => {
    const alarmIds = synth.stack.monitoring.alarms.map((alarm) => alarm.node.id);
    expect(alarmIds).toEqual(expect.arrayContaining(['PushErrors', 'PushThrottles', 'PushDeadLetters']));
    const [[, dashboard]] = resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard') as [[string, any]];
    const body = render(dashboard.Properties.DashboardBody);
    for (const name of PUSH_METRICS) expect(body).toContain(`"ChatBackend","${name}","service","chat-dev"`);
  });

  it('refuses an application ARN of the wrong platform, naming it', () => {
    expect(() => synthChatBackend({ context: { pushApnsApplicationArn: APPS.pushFcmApplicationArn } })).toThrow(
      /push application for apns: .* not an SNS platform application ARN of APNS/,
    );
  });
});

describe('the push function bundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = bundleHandler('push');
  }, 120_000);

  it('stays under the 400 KB target and loads on its own with its environment', () => {
    const bytes = statSync(join(dir, 'index.mjs')).size;
    expect(bytes).toBeLessThan(400_000);
    console.log(`push bundle: ${(bytes / 1000).toFixed(1)} KB`);
    const result = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', "const m = await import('./index.mjs'); console.log(typeof m.handler);"],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH,
          AWS_REGION: 'eu-west-1',
          TABLE_NAME: 'chat-table',
          PUSH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/push',
          PUSH_FCM_APPLICATION_ARN: APPS.pushFcmApplicationArn,
          NODE_OPTIONS: '',
        },
        timeout: 30_000,
      },
    );
    expect(result.stdout.trim()).toBe('function');
    expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).not.toContain('aws-jwt-verify');
  });
});
