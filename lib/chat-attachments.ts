import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ATTACHMENT_PREFIX, UNSENT_EXPIRY_DAYS, UNSENT_TAG } from '../lambdas/adapters/attachment-bucket.js';

/** What signing attachments needs (test/infra/least-privilege.test.ts checks the message function uses each). */
export const ATTACHMENT_ACTIONS = [
  's3:PutObject',
  's3:PutObjectTagging',
  's3:GetObject',
  's3:DeleteObjectTagging',
  's3:DeleteObject',
] as const;

export interface ChatAttachmentsProps {
  /** Origins allowed to PUT and GET from a browser (CORS); default any ('*'): the signature is the permission. */
  readonly allowedOrigins?: string[];
}

/**
 * The private bucket attachments live in: SSE-S3, every public access blocked, TLS only, objects owned by the
 * bucket owner, kept when the stack goes. Browsers PUT and GET with presigned requests only (CORS for them). An upload carries the unsent tag
 * until a message sends it; the lifecycle rule removes unsent uploads after a day, and incomplete multipart uploads.
 */
export class ChatAttachments extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ChatAttachmentsProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Kept in every stage, dev included: emptying it on destroy would take a custom resource whose role may
      // delete every object of the bucket. Empty and delete it by hand (README, "Remove it").
      removalPolicy: RemovalPolicy.RETAIN,
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          allowedOrigins: props.allowedOrigins ?? ['*'],
          allowedHeaders: ['content-type', 'x-amz-tagging'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        {
          id: 'UnsentUploads',
          tagFilters: { [UNSENT_TAG.key]: UNSENT_TAG.value },
          expiration: Duration.days(UNSENT_EXPIRY_DAYS),
        },
        { id: 'IncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Objects are only reachable through requests the message function signs for room members; who asked for ' +
        'which is in its logs. Server access logs would need a second bucket and add cost per request.',
    });
  }

  /** The bucket's base URL the functions sign for (virtual-hosted style, in the bucket's region). */
  public get bucketUrl(): string {
    return `https://${this.bucket.bucketRegionalDomainName}`;
  }

  /**
   * What signing attachments needs, on the rooms' prefix only: PutObject and PutObjectTagging (an upload with its
   * unsent tag; a deleted message's file marked unsent again when its removal failed), GetObject (a download, and
   * checking a file is there), DeleteObjectTagging (marking an upload sent), DeleteObject (removing a deleted
   * message's file). Nothing lists, or reads or deletes outside rooms/.
   */
  public grantSigning(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'Attachments',
        actions: [...ATTACHMENT_ACTIONS],
        resources: [this.bucket.arnForObjects(`${ATTACHMENT_PREFIX}*`)],
      }),
    );
  }
}
