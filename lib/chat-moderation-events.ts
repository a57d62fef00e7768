import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The stack's own EventBridge bus for moderation events: reportMessage puts a `MessageReported` event (source
 * `chat.moderation`) on it, and an operator routes it with a rule of their own (a queue for a moderation tool, a
 * ticket, an e-mail). A custom bus rather than the account's default one: the message function may put events on
 * this bus only, not on the bus every other application of the account shares; the operator's rules see chat
 * events only; and each stage (one stack per stage) has its own, so dev reports never reach production moderation.
 * The name is generated from the stack's, so stages never collide.
 */
export class ModerationEventBus extends Construct {
  public readonly bus: events.EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Chat moderation events: MessageReported (source chat.moderation), put by the message function',
    });
  }

  /** events:PutEvents on this bus only. */
  public grantPut(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ModerationEventsPut',
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
      }),
    );
  }
}
