import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * API Gateway writes the access logs of REST and WebSocket APIs through one role per account and region, named in
 * its account settings; without it the stage fails to deploy ("CloudWatch Logs role ARN must be set in account
 * settings"). This sets that role. Skip it (context `apiGatewayLogsRole=false`) when the account already has one.
 */
export class ApiGatewayLoggingRole extends Construct {
  public readonly role: iam.Role;
  public readonly account: apigateway.CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway write API logs to CloudWatch Logs (account-wide setting)',
      managedPolicies: [
        iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    // The setting is account-wide: other APIs in the account may log through this role after this stack is gone,
    // so it outlives the stack (as the role aws-apigateway's RestApi creates does).
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's documented policy for its account-wide logging role: the service names each API's log group " +
        'at run time (including execution log groups it creates itself), so no narrower resource list exists.',
    });

    this.account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    this.account.node.addDependency(this.role);
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
