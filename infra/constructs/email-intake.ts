// Email intake: carriers and customers answer by email. SES receives mail for the porting mailbox,
// a receipt rule stores each raw message in S3 and then invokes the intake Lambda with SES's
// verdicts (spam, virus, SPF, DKIM, DMARC); the Lambda reads the raw message, applies what it
// understands through the same use cases as the API and quarantines the rest.
//
//   MX (domain) -> SES inbound -> rule set <stack>-inbound-mail, rule porting-mailbox
//      (recipient: the intake address only, TLS required, spam and virus scanning on)
//      1. S3 action     -> raw-mail bucket, key inbound/<SES message id>
//      2. Lambda action -> intake function (invocation type Event: Lambda retries twice, then the
//                          event goes to the failure queue; the raw message is in S3 either way)
//
// Two steps CloudFormation cannot take, once per account and region:
//   - make the rule set active: `aws ses set-active-receipt-rule-set --rule-set-name <name>` (the
//     stack outputs the name). Only one rule set is active per account and region, so two stages
//     that both receive mail need their own accounts or regions;
//   - point the domain's MX record at SES inbound: `<domain> MX 10 inbound-smtp.<region>.amazonaws.com`
//     (the region must offer SES email receiving), and verify the domain as an SES identity there
//     (the messaging construct's sending identity does this when the intake address is on that domain).
//
// Storage: one bucket, two prefixes. `inbound/` holds raw messages as SES wrote them (expired after
// the retention period); `documents/` holds order documents, among them email attachments (kept).
// Encryption is SSE-S3: SES's S3 action writes to it with nothing more than the bucket policy below,
// whereas a customer-managed KMS key would need a key policy for SES and kms:Decrypt for every
// reader (and the presigned download links) while adding no control we need: access is already
// limited by that policy, by IAM and by blocked public access, like the table's AWS-owned encryption.
import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { ReceiptRuleSet, TlsPolicy, type IReceiptRuleAction, type ReceiptRule } from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { DOCUMENTS_PREFIX, RAW_MAIL_PREFIX } from '../../shared/adapters/aws/s3-blob-store.ts';
import { PortDeskFunction } from './lambda-function.ts';

/** Handler module of the intake function (also bundled by the bundle benchmark). */
export const INTAKE_HANDLER = 'email/intake';

/** Raw messages are kept this long by default (a little over a year: a full cycle of porting disputes). */
export const DEFAULT_RETENTION_DAYS = 400;

/**
 * The largest message the intake reads (MAX_MESSAGE_BYTES): 25 MB. SES accepts up to 40 MB, and a
 * larger message never reaches us; one between the two is stored like any other and quarantined
 * unread as oversized. 25 MB is what the big mail providers let their users send (a 20 MB
 * attachment, base64-encoded, is about 27 MB), so anything larger is not a carrier's or customer's
 * normal answer, and it bounds the memory the parser needs in the function.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** SES email receiving refuses larger messages (headers included). */
export const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

/** Lambda's retries of an asynchronous invocation that failed (the most it allows). */
export const INTAKE_RETRY_ATTEMPTS = 2;

/** What the construct needs from messaging: the rights and settings to deliver the outbox. */
export interface OutboxGrantor {
  grantOutbox(fn: PortDeskFunction): void;
}

export interface PortDeskEmailIntakeProps {
  table: ITable;
  /** Every use case the intake runs writes orders and delivers their outbox (PortDeskMessaging). */
  messaging: OutboxGrantor;
  /** The porting mailbox, e.g. `porting@portdesk.example.com`: the only recipient the rule accepts. */
  intakeAddress: string;
  /** Days raw messages (and the bucket's access logs) are kept; 400 by default. */
  retentionDays?: number;
  /** The largest message the intake reads (MAX_MESSAGE_BYTES); 25 MB by default, at most SES's 40 MB. */
  maxMessageBytes?: number;
}

const NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

export class PortDeskEmailIntake extends Construct {
  /** Raw messages (`inbound/`) and documents (`documents/`). */
  readonly bucket: Bucket;
  /** Server access logs of `bucket`. */
  readonly accessLogsBucket: Bucket;
  readonly intakeFunction: PortDeskFunction;
  /** Events of invocations that failed after Lambda's retries (SES event, error, attempts). */
  readonly failureQueue: Queue;
  readonly ruleSet: ReceiptRuleSet;
  readonly rule: ReceiptRule;
  readonly receiptRuleSetName: string;
  readonly receiptRuleName: string;
  /** `arn:<partition>:ses:<region>:<account>:receipt-rule-set/<set>:receipt-rule/<rule>`: what SES's calls are scoped to. */
  readonly receiptRuleArn: string;
  readonly intakeAddress: string;

  constructor(scope: Construct, id: string, props: PortDeskEmailIntakeProps) {
    super(scope, id);
    // Log delivery by bucket policy (logging.s3.amazonaws.com, from this bucket and account only),
    // not by the LogDeliveryWrite ACL: ACLs stay disabled on both buckets. Set here, before any
    // child exists, so it holds whatever cdk.json says.
    this.node.setContext(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);

    const stack = Stack.of(this);
    const address = props.intakeAddress.trim();
    if (!/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address)) throw new Error(`intakeAddress must be an email address, got ${JSON.stringify(props.intakeAddress)}`);
    const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`retentionDays must be a whole number of days >= 1, got ${retentionDays}`);
    const maxMessageBytes = props.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(maxMessageBytes) || maxMessageBytes < 1 || maxMessageBytes > SES_MAX_MESSAGE_BYTES) {
      throw new Error(`maxMessageBytes must be 1 to ${SES_MAX_MESSAGE_BYTES} (SES's own limit), got ${maxMessageBytes}`);
    }
    this.intakeAddress = address;
    this.receiptRuleSetName = `${stack.stackName}-inbound-mail`;
    this.receiptRuleName = 'porting-mailbox';
    if (!Token.isUnresolved(stack.stackName) && !NAME_PATTERN.test(this.receiptRuleSetName)) {
      throw new Error(`The receipt rule set name ${this.receiptRuleSetName} is not valid for SES (letters, digits, . _ -, at most 64)`);
    }
    this.receiptRuleArn = stack.formatArn({
      service: 'ses',
      resource: 'receipt-rule-set',
      resourceName: `${this.receiptRuleSetName}:receipt-rule/${this.receiptRuleName}`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    // ---- storage ------------------------------------------------------------------------------
    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(retentionDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the raw-mail bucket\'s server access logs; logging it in turn would need another log bucket without end. Only S3 log delivery from the raw-mail bucket may write to it (bucket policy), public access is blocked and requests need TLS.',
    });

    this.bucket = new Bucket(this, 'RawMail', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // An overwritten or deleted message or document can be restored for 30 days.
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'raw-mail/',
      lifecycleRules: [
        { id: 'expire-raw-mail', prefix: RAW_MAIL_PREFIX, expiration: Duration.days(retentionDays) },
        { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });

    // SES may write raw messages under inbound/, for this account's intake rule only (the confused
    // deputy conditions SES documents). The rule set and rule are named, so the ARN needs no reference.
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesIntakeRulePuts',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${RAW_MAIL_PREFIX}*`)],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.receiptRuleArn } },
      }),
    );

    // ---- the intake function ------------------------------------------------------------------
    this.failureQueue = new Queue(this, 'FailedInvocations', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the intake function\'s on-failure destination, a dead-letter queue by role: it receives the SES events whose invocations failed after Lambda\'s retries, for an operator to replay; a queue behind it would only hold the same events again.',
    });

    this.intakeFunction = new PortDeskFunction(this, 'IntakeFunction', {
      handlerModule: INTAKE_HANDLER,
      description: 'Email intake: reads a message SES received, applies carrier answers and customer documents, quarantines the rest',
      // Parsing a 25 MB message with attachments, storing them and writing the order: seconds, not minutes.
      timeout: Duration.minutes(2),
      // The raw message, its decoded parts and attachments are held at once (about 3x the message).
      memorySize: 1024,
      environment: {
        RAW_MAIL_BUCKET: this.bucket.bucketName,
        // The same bucket: documents live under documents/ beside the raw messages.
        DOCUMENTS_BUCKET: this.bucket.bucketName,
        RAW_MAIL_PREFIX,
        PORTDESK_INTAKE_ADDRESS: address,
        MAX_MESSAGE_BYTES: String(maxMessageBytes),
      },
    }).useTable(props.table, 'read-write');
    props.messaging.grantOutbox(this.intakeFunction);
    this.intakeFunction.configureAsyncInvoke({
      retryAttempts: INTAKE_RETRY_ATTEMPTS,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.failureQueue),
    });
    // Reads the raw message SES stored; writes attachments as documents. Nothing else in the bucket.
    this.intakeFunction.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${RAW_MAIL_PREFIX}*`)] }));
    this.intakeFunction.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [this.bucket.arnForObjects(`${DOCUMENTS_PREFIX}*`)] }));
    this.acknowledgeObjectPrefixes(this.intakeFunction, {
      [RAW_MAIL_PREFIX]: 'The intake reads the raw messages SES stores under inbound/, keyed by SES\'s message id (not known in advance): s3:GetObject on that prefix only.',
      [DOCUMENTS_PREFIX]: 'The intake stores attachments as order documents under documents/<order id>/<document id> (ids made per message): s3:PutObject on that prefix only.',
    });

    // SES may invoke it, for this account's intake rule only.
    this.intakeFunction.addPermission('AllowSesIntakeRule', {
      principal: new ServicePrincipal('ses.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: Aws.ACCOUNT_ID,
      sourceArn: this.receiptRuleArn,
    });
    const permission = this.intakeFunction.permissionsNode.findChild('AllowSesIntakeRule') as CfnPermission;

    // ---- the receipt rule -----------------------------------------------------------------------
    const s3Action: IReceiptRuleAction = {
      bind: () => ({ s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: RAW_MAIL_PREFIX } }),
    };
    const lambdaAction: IReceiptRuleAction = {
      bind: () => ({ lambdaAction: { functionArn: this.intakeFunction.functionArn, invocationType: 'Event' } }),
    };
    this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: this.receiptRuleSetName });
    this.rule = this.ruleSet.addRule('PortingMailbox', {
      receiptRuleName: this.receiptRuleName,
      recipients: [address],
      enabled: true,
      // SES refuses mail not sent over TLS, and scans for spam and viruses (the verdicts the intake weighs).
      tlsPolicy: TlsPolicy.REQUIRE,
      scanEnabled: true,
      // In this order: the message is stored before the function that reads it is invoked.
      actions: [s3Action, lambdaAction],
    });
    // SES checks when the rule is created that it may write to the bucket and invoke the function.
    this.rule.node.addDependency(this.bucket.policy!, permission);
  }

  /**
   * Lets an API function read raw messages and documents (for presigned download links: a link
   * carries the signer's rights) and tells it where they are (RAW_MAIL_BUCKET, DOCUMENTS_BUCKET).
   */
  grantDownloads(fn: PortDeskFunction): void {
    // Raw messages only: the routes that show documents get documents/* through grantDocuments.
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${RAW_MAIL_PREFIX}*`)] }));
    this.acknowledgeObjectPrefixes(fn, {
      [RAW_MAIL_PREFIX]: 'Download links to raw messages (inbound/<SES message id>) are presigned with this role: s3:GetObject on that prefix only.',
    });
    fn.addEnvironment('RAW_MAIL_BUCKET', this.bucket.bucketName);
    fn.addEnvironment('DOCUMENTS_BUCKET', this.bucket.bucketName);
    fn.addEnvironment('RAW_MAIL_PREFIX', RAW_MAIL_PREFIX);
  }

  /**
   * Lets a function use order documents (`documents/` only) and tells it the bucket (RAW_MAIL_BUCKET):
   * `read` gets them (its presigned download links carry its rights), `write` also stores them.
   */
  grantDocuments(fn: PortDeskFunction, access: 'read' | 'write', why?: string): void {
    const actions = access === 'write' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'];
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [this.bucket.arnForObjects(`${DOCUMENTS_PREFIX}*`)] }));
    this.acknowledgeObjectPrefixes(fn, {
      [DOCUMENTS_PREFIX]:
        why ??
        (access === 'write'
          ? 'Order documents are stored under documents/<order id>/<document id> (ids made per document) and download links to them are presigned with this role: s3:GetObject and s3:PutObject on that prefix only.'
          : 'Download links to order documents (documents/<order id>/<document id>, ids made per document) are presigned with this role: s3:GetObject on that prefix only.'),
    });
    fn.addEnvironment('RAW_MAIL_BUCKET', this.bucket.bucketName);
  }

  /** The cdk-nag finding a `<bucket arn>/<prefix>*` grant raises, acknowledged on the function's role with its reason. */
  private acknowledgeObjectPrefixes(fn: PortDeskFunction, reasons: Record<string, string>): void {
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnElement);
    for (const [prefix, reason] of Object.entries(reasons)) {
      Validations.of(fn.serviceRole).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${prefix}*]`, reason });
    }
  }
}

