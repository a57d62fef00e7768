import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** A user pool and app client that already exist: the stack only reads their ids. */
export interface ExistingUserPool {
  readonly userPoolId: string;
  readonly userPoolClientId: string;
}

export interface ChatAuthProps {
  /** Use this pool and client instead of creating new ones. */
  readonly existing?: ExistingUserPool;
  /** For a created pool: RETAIN keeps the users when the stack goes (and turns on deletion protection). */
  readonly removalPolicy: RemovalPolicy;
  /** For a created pool: whether anyone may sign up (a public app) or an administrator creates users. */
  readonly selfSignUpEnabled?: boolean;
}

/**
 * Who may connect: the ID tokens of one Cognito app client. The authorizer verifies them with aws-jwt-verify against
 * the pool's JWKS, so the stack needs only the two ids, whether it created the pool or was given one.
 */
export class ChatAuth extends Construct {
  public readonly userPool: cognito.IUserPool;
  public readonly userPoolClient: cognito.IUserPoolClient;
  /** True when the pool and client were created here (false: imported from context). */
  public readonly created: boolean;

  constructor(scope: Construct, id: string, props: ChatAuthProps) {
    super(scope, id);

    if (props.existing) {
      this.created = false;
      this.userPool = cognito.UserPool.fromUserPoolId(this, 'UserPool', props.existing.userPoolId);
      this.userPoolClient = cognito.UserPoolClient.fromUserPoolClientId(
        this,
        'UserPoolClient',
        props.existing.userPoolClientId,
      );
      return;
    }

    this.created = true;
    const retain = props.removalPolicy === RemovalPolicy.RETAIN;
    const userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: props.selfSignUpEnabled ?? false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      // `name` becomes the display name (PROTOCOL.md: the token's `name` claim comes first).
      standardAttributes: {
        email: { required: true, mutable: true },
        fullname: { required: false, mutable: true },
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Essentials keeps a free tier of 10,000 monthly active users; Plus (threat protection) has none.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: retain,
      removalPolicy: props.removalPolicy,
    });

    Validations.of(userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          'MFA is offered (optional TOTP) but not required: requiring it is a product decision for the app that owns ' +
          'the users, and a chat backend that demands it cannot be tried with a scripted test user. Bring a pool that ' +
          'requires MFA with -c userPoolId=... -c userPoolClientId=... when you need it.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus feature plan (threat protection) bills every monthly active user with no free tier; the pool uses ' +
          'Essentials (10,000 MAU free). Upgrade the plan in Cognito, or bring an existing Plus pool through context.',
      },
    );

    const userPoolClient = userPool.addClient('AppClient', {
      // Mobile and browser apps cannot keep a secret.
      generateSecret: false,
      // SRP for apps; USER_PASSWORD_AUTH lets the aws CLI fetch a token for a test user (README, "Deploy to AWS").
      authFlows: { userSrp: true, userPassword: true },
      // The apps sign in through the Cognito API, not the hosted UI, so no OAuth flows or callback URLs.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    this.userPool = userPool;
    this.userPoolClient = userPoolClient;
  }
}
