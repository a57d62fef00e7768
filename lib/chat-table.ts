import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../lambdas/adapters/table-schema.js';

export interface ChatTableProps {
  /** DESTROY only for throw-away stages (dev); everything else keeps its data when the stack goes. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The one table that holds all chat state. Its keys come from the same TABLE_SCHEMA the DynamoDB store and the
 * local stack read, so the deployed table cannot drift from the code that uses it.
 */
export class ChatTable extends Construct {
  public readonly table: dynamodb.Table;
  /** The GSI that lists a user's rooms; grants name it explicitly rather than `index/*`. */
  public readonly userIndexName: string = TABLE_SCHEMA.userIndex.name;

  constructor(scope: Construct, id: string, props: ChatTableProps) {
    super(scope, id);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      // Chat traffic is spiky and often idle: on-demand costs nothing at rest and needs no capacity planning.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // AWS-owned keys cost nothing and need no key policy; a customer key would add $1/month plus per-request
      // charges on every read and write of a chatty workload, for no control this project uses.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Garbage collection of connections, subscriptions and typing indicators; reads never rely on it.
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      removalPolicy: props.removalPolicy,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    });

    this.table.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.userIndex.name,
      partitionKey: { name: TABLE_SCHEMA.userIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.userIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }

  /** The ARN of the user index, for IAM statements that must not use `index/*`. */
  public get userIndexArn(): string {
    return `${this.table.tableArn}/index/${this.userIndexName}`;
  }
}
