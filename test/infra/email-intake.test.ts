// The email intake construct on a stack of its own (the table and messaging it needs, nothing else),
// so these checks hold whatever the PortDesk stack wires around it: the receipt rule, the raw-mail
// bucket (encryption, public access, TLS, retention, logging), the bucket policy SES writes through,
// the intake function's rights and settings, and cdk-nag with only reviewed acknowledgements.
import { App, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PortDeskData } from '../../infra/constructs/data.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_RETENTION_DAYS,
  INTAKE_HANDLER,
  PortDeskEmailIntake,
  type PortDeskEmailIntakeProps,
} from '../../infra/constructs/email-intake.ts';
import { HANDLER_METADATA_KEY, PortDeskFunction } from '../../infra/constructs/lambda-function.ts';
import { PortDeskMessaging } from '../../infra/constructs/messaging.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const ADDRESS = 'porting@portdesk.example.com';

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface Built {
  app: App;
  stack: Stack;
  intake: PortDeskEmailIntake;
  /** An API function given download rights (grantDownloads). */
  downloader: PortDeskFunction;
  /** API functions given document rights (grantDocuments): one that reads, one that writes. */
  documentReader: PortDeskFunction;
  documentWriter: PortDeskFunction;
  data: PortDeskData;
}

/** A stack with the construct, the table, messaging and one API-like function; cdk-nag checks synthesis as in the app. */
function build(overrides: Partial<PortDeskEmailIntakeProps> = {}): Built {
  const app = new App({ context: SKIP_BUNDLING });
  const stack = new Stack(app, 'IntakeTest', { stackName: 'IntakeTest' });
  const data = new PortDeskData(stack, 'Data');
  const messaging = new PortDeskMessaging(stack, 'Messaging', {
    emailDomain: 'portdesk.example.com',
    publicBaseUrl: 'https://portdesk.example.com',
    stateMachineName: 'IntakeTest-order-lifecycle',
  });
  const intake = new PortDeskEmailIntake(stack, 'EmailIntake', { table: data.table, messaging, intakeAddress: ADDRESS, ...overrides });
  const downloader = new PortDeskFunction(stack, 'GetInboundEmail', { handlerModule: 'api/health' }).useTable(data.table, 'read');
  intake.grantDownloads(downloader);
  const documentReader = new PortDeskFunction(stack, 'ListDocuments', { handlerModule: 'api/health' }).useTable(data.table, 'read');
  intake.grantDocuments(documentReader, 'read');
  const documentWriter = new PortDeskFunction(stack, 'UploadDocument', { handlerModule: 'api/health' }).useTable(data.table, 'read-write');
  intake.grantDocuments(documentWriter, 'write');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  return { app, stack, intake, downloader, documentReader, documentWriter, data };
}

let built: Built;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  built = build();
  // Synthesis runs the cdk-nag plugin and throws on an unacknowledged finding.
  template = Template.fromStack(built.stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

const logicalId = (construct: IConstruct, stack: Stack = built.stack): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const bucketId = () => logicalId(built.intake.bucket);
const bucketArn = () => ({ 'Fn::GetAtt': [bucketId(), 'Arn'] });
const objectsUnder = (prefix: string) => ({ 'Fn::Join': ['', [bucketArn(), `/${prefix}*`]] });
const ruleArn = (stackName = 'IntakeTest') => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:receipt-rule-set/${stackName}-inbound-mail:receipt-rule/porting-mailbox`],
  ],
});

function statementsOfRole(roleLogicalId: string, from: Record<string, Resource> = resources): Statement[] {
  return Object.values(from)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((r) => r.Properties?.PolicyDocument.Statement as Statement[]);
}
const statementsOf = (fn: PortDeskFunction) => statementsOfRole(logicalId(fn.serviceRole));
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const s3Statements = (fn: PortDeskFunction) => statementsOf(fn).filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
const bucketPolicy = (id: string): Statement[] =>
  Object.values(resources).find((r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties?.Bucket) === JSON.stringify({ Ref: id }))!.Properties!
    .PolicyDocument.Statement as Statement[];

describe('receipt rule', () => {
  const rules = () => Object.entries(template.findResources('AWS::SES::ReceiptRule'));

  it('is the one rule of a rule set named after the stack', () => {
    const sets = Object.entries(template.findResources('AWS::SES::ReceiptRuleSet'));
    expect(sets.map(([, s]) => s.Properties)).toEqual([{ RuleSetName: 'IntakeTest-inbound-mail' }]);
    expect(rules().length).toBe(1);
    expect(rules()[0]![1].Properties.RuleSetName).toEqual({ Ref: sets[0]![0] });
    expect(built.intake.receiptRuleSetName).toBe('IntakeTest-inbound-mail');
  });

  it('takes mail for the intake address only, over TLS, scanned for spam and viruses', () => {
    expect(rules()[0]![1].Properties.Rule).toMatchObject({
      Name: 'porting-mailbox',
      Enabled: true,
      Recipients: [ADDRESS],
      ScanEnabled: true,
      TlsPolicy: 'Require',
    });
  });

  it('stores the raw message under inbound/ first, then invokes the intake function asynchronously', () => {
    expect(rules()[0]![1].Properties.Rule.Actions).toEqual([
      { S3Action: { BucketName: { Ref: bucketId() }, ObjectKeyPrefix: 'inbound/' } },
      { LambdaAction: { FunctionArn: { 'Fn::GetAtt': [logicalId(built.intake.intakeFunction), 'Arn'] }, InvocationType: 'Event' } },
    ]);
  });

  it('is created after the bucket policy and the invoke permission it needs (SES checks them)', () => {
    const permissionId = Object.keys(template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'ses.amazonaws.com' } }));
    expect(rules()[0]![1].DependsOn?.sort()).toEqual([...permissionId, logicalId(built.intake.bucket.policy!)].sort());
  });

  it('names its rule set and rule in the ARN the policies are scoped to', () => {
    expect(built.stack.resolve(built.intake.receiptRuleArn)).toEqual(ruleArn());
  });
});

describe('raw-mail bucket', () => {
  const bucket = () => resources[bucketId()]!;

  it('is encrypted with S3-managed keys, versioned, ACLs disabled and kept when the stack goes', () => {
    expect(bucket().Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket().Properties?.AccessControl).toBeUndefined();
    expect(bucket().DeletionPolicy).toBe('Retain');
  });

  it('blocks every kind of public access', () => {
    expect(bucket().Properties?.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('refuses any request without TLS', () => {
    expect(bucketPolicy(bucketId())).toContainEqual({
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 's3:*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      Resource: [bucketArn(), { 'Fn::Join': ['', [bucketArn(), '/*']] }],
    });
  });

  it('lets SES put objects under inbound/ only, from this account and the intake rule only; nobody else is allowed anything', () => {
    const allows = bucketPolicy(bucketId()).filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'AllowSesIntakeRulePuts',
        Effect: 'Allow',
        Principal: { Service: 'ses.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: objectsUnder('inbound/'),
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': ruleArn() } },
      },
    ]);
  });

  it(`expires raw messages after ${DEFAULT_RETENTION_DAYS} days, old versions after 30; documents are kept`, () => {
    const rules = bucket().Properties?.LifecycleConfiguration.Rules as Record<string, unknown>[];
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'inbound/', ExpirationInDays: DEFAULT_RETENTION_DAYS, Status: 'Enabled' }));
    expect(rules).toContainEqual(expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }));
    // Nothing else expires current objects (documents/ stays).
    expect(rules.filter((r) => r.ExpirationInDays !== undefined)).toEqual([expect.objectContaining({ Prefix: 'inbound/' })]);
  });

  it('takes another retention period', () => {
    const other = build({ retentionDays: 30 });
    const rules = Template.fromStack(other.stack).toJSON().Resources[logicalId(other.intake.bucket, other.stack)].Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'inbound/', ExpirationInDays: 30 }));
  });

  it('logs every access to a log bucket that only S3 log delivery from this bucket may write to', () => {
    const logsId = logicalId(built.intake.accessLogsBucket);
    expect(bucket().Properties?.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logsId }, LogFilePrefix: 'raw-mail/' });
    const logs = resources[logsId]!;
    expect(logs.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: DEFAULT_RETENTION_DAYS })] },
    });
    // By bucket policy, not the LogDeliveryWrite ACL.
    expect(logs.Properties?.AccessControl).toBeUndefined();
    const policy = bucketPolicy(logsId);
    expect(policy.filter((s) => s.Effect === 'Allow')).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logsId, 'Arn'] }, '/raw-mail/*']] },
        Condition: { ArnLike: { 'aws:SourceArn': bucketArn() }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(policy).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(logs.DeletionPolicy).toBe('Retain');
  });

  it('has just the two buckets', () => {
    expect(Object.keys(template.findResources('AWS::S3::Bucket')).sort()).toEqual([bucketId(), logicalId(built.intake.accessLogsBucket)].sort());
  });
});

describe('intake function', () => {
  const fn = () => built.intake.intakeFunction;
  const props = () => resources[logicalId(fn())]!.Properties!;

  it('runs the email/intake handler on Node.js 24, ARM, traced', () => {
    expect(INTAKE_HANDLER).toBe('email/intake');
    expect(resources[logicalId(fn())]?.Metadata?.[HANDLER_METADATA_KEY]).toBe('email/intake');
    expect(props()).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, Timeout: 120, MemorySize: 1024 });
  });

  it('is told the bucket, prefixes, mailbox, size limit and table', () => {
    expect(props().Environment.Variables).toMatchObject({
      RAW_MAIL_BUCKET: { Ref: bucketId() },
      DOCUMENTS_BUCKET: { Ref: bucketId() },
      RAW_MAIL_PREFIX: 'inbound/',
      PORTDESK_INTAKE_ADDRESS: ADDRESS,
      MAX_MESSAGE_BYTES: String(25 * 1024 * 1024),
      TABLE_NAME: { Ref: logicalId(built.data.table) },
      // Outbox settings come with messaging's grant.
      MAIL_FROM: 'porting@portdesk.example.com',
      EVENT_BUS_NAME: expect.anything(),
      STATE_MACHINE_ARN: expect.anything(),
    });
    expect(DEFAULT_MAX_MESSAGE_BYTES).toBe(26_214_400);
  });

  it('takes another size limit, never above SES\'s 40 MB', () => {
    const other = build({ maxMessageBytes: 10 * 1024 * 1024 });
    const vars = Template.fromStack(other.stack).toJSON().Resources[logicalId(other.intake.intakeFunction, other.stack)].Properties.Environment.Variables;
    expect(vars.MAX_MESSAGE_BYTES).toBe(String(10 * 1024 * 1024));
    expect(() => build({ maxMessageBytes: 40 * 1024 * 1024 + 1 })).toThrow(/SES's own limit/);
    expect(() => build({ maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
  });

  it('refuses a bad intake address or retention period', () => {
    expect(() => build({ intakeAddress: 'porting' })).toThrow(/intakeAddress/);
    expect(() => build({ intakeAddress: '<porting@portdesk.example.com>' })).toThrow(/intakeAddress/);
    expect(() => build({ retentionDays: 0 })).toThrow(/retentionDays/);
    expect(() => build({ retentionDays: 1.5 })).toThrow(/retentionDays/);
  });

  it('may get objects under inbound/ and put objects under documents/, and nothing else in S3', () => {
    expect(s3Statements(fn())).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder('inbound/') },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objectsUnder('documents/') },
    ]);
  });

  it('reads and writes the table, delivers the outbox and sends failed events to its failure queue', () => {
    const actions = actionsOf(statementsOf(fn()));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem']));
    expect(actions).toEqual(expect.arrayContaining(['ses:SendEmail', 'events:PutEvents', 'states:StartExecution', 'states:SendTaskSuccess']));
    const sqs = statementsOf(fn()).filter((s) => actionsOf([s]).some((a) => a.startsWith('sqs:')));
    expect(sqs).toEqual([
      { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], Resource: { 'Fn::GetAtt': [logicalId(built.intake.failureQueue), 'Arn'] } },
    ]);
  });

  it('grants no wildcard action and Resource * only for X-Ray and resuming workflow steps', () => {
    for (const action of actionsOf(statementsOf(fn()))) expect(action).not.toMatch(/(^\*$|:\*$)/);
    const wildcard = statementsOf(fn()).filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
    expect(actionsOf(wildcard).sort()).toEqual(['states:SendTaskSuccess', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('may be invoked by SES for this account\'s intake rule only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission', {
      Properties: { FunctionName: { 'Fn::GetAtt': [logicalId(fn()), 'Arn'] } },
    }));
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [logicalId(fn()), 'Arn'] },
        Principal: 'ses.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: ruleArn(),
      },
    ]);
  });

  it('is retried twice when it fails, then its event goes to the failure queue (kept 14 days, TLS only)', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(fn()) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(built.intake.failureQueue), 'Arn'] } } },
    });
    expect(resources[logicalId(built.intake.failureQueue)]?.Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] },
    });
  });
});

describe('download rights (grantDownloads)', () => {
  it('let an API function get raw messages under inbound/ only (no document links yet), nothing else in S3, and tell it the bucket', () => {
    expect(s3Statements(built.downloader)).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder('inbound/') }]);
    expect(resources[logicalId(built.downloader)]?.Properties?.Environment.Variables).toMatchObject({
      RAW_MAIL_BUCKET: { Ref: bucketId() },
      DOCUMENTS_BUCKET: { Ref: bucketId() },
      RAW_MAIL_PREFIX: 'inbound/',
    });
  });

  it('are, with document rights, the only S3 rights of any role in the stack besides the intake function\'s', () => {
    const roles = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && actionsOf(r.Properties?.PolicyDocument.Statement as Statement[]).some((a) => a.startsWith('s3:')))
      .flatMap((r) => (r.Properties?.Roles as { Ref: string }[]).map((role) => role.Ref));
    expect(new Set(roles)).toEqual(
      new Set([built.intake.intakeFunction, built.downloader, built.documentReader, built.documentWriter].map((fn) => logicalId(fn.serviceRole))),
    );
  });
});

describe('document rights (grantDocuments)', () => {
  it('let a reader get objects under documents/ only, and tell it the bucket', () => {
    expect(s3Statements(built.documentReader)).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder('documents/') }]);
    expect(resources[logicalId(built.documentReader)]?.Properties?.Environment.Variables).toMatchObject({ RAW_MAIL_BUCKET: { Ref: bucketId() } });
  });

  it('let a writer get and put objects under documents/ only, and tell it the bucket', () => {
    expect(s3Statements(built.documentWriter)).toEqual([{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: objectsUnder('documents/') }]);
    expect(resources[logicalId(built.documentWriter)]?.Properties?.Environment.Variables).toMatchObject({ RAW_MAIL_BUCKET: { Ref: bucketId() } });
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  it('finds no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(built.stack);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(Annotations.fromStack(built.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('fails synthesis when the intake function gets more of the bucket', () => {
    const other = build();
    other.intake.intakeFunction.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [other.intake.bucket.arnForObjects('*')] }));
    expect(() => other.app.synth()).toThrow(/AwsSolutions-IAM5\[Resource::<EmailIntakeRawMail[0-9A-F]+\.Arn>\/\*\]/);
  });

  it('acknowledges exactly the reviewed findings, where they were reviewed, with their reasons', () => {
    const intakeRole: IConstruct = built.intake.intakeFunction.serviceRole;
    const downloaderRole: IConstruct = built.downloader.serviceRole;
    const readerRole: IConstruct = built.documentReader.serviceRole;
    const writerRole: IConstruct = built.documentWriter.serviceRole;
    const objects = (prefix: string) => `AwsSolutions-IAM5[Resource::<${bucketId()}.Arn>/${prefix}*]`;
    const reviewed: { id: string; at: IConstruct; reason: RegExp }[] = [
      { id: 'AwsSolutions-S1', at: built.intake.accessLogsBucket, reason: /^This bucket receives the raw-mail bucket's server access logs/ },
      { id: 'AwsSolutions-SQS3', at: built.intake.failureQueue, reason: /^This queue is the intake function's on-failure destination/ },
      { id: objects('inbound/'), at: intakeRole, reason: /^The intake reads the raw messages SES stores under inbound\// },
      { id: objects('documents/'), at: intakeRole, reason: /^The intake stores attachments as order documents under documents\// },
      { id: objects('inbound/'), at: downloaderRole, reason: /^Download links to raw messages/ },
      { id: objects('documents/'), at: readerRole, reason: /^Download links to order documents .*s3:GetObject on that prefix only\.$/ },
      { id: objects('documents/'), at: writerRole, reason: /^Order documents are stored under documents\/.*s3:GetObject and s3:PutObject on that prefix only\.$/ },
    ];
    const acknowledged: { id: string; node: IConstruct; reason: string }[] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) acknowledged.push({ id: id.replace(/^annotation::/i, ''), node, reason: String(reason) });
      }
      node.node.children.forEach(visit);
    };
    visit(built.intake);
    visit(downloaderRole);
    visit(readerRole);
    visit(writerRole);
    // The others (X-Ray, the table's indexes, resuming workflow steps) are PortDeskFunction's, useTable's
    // and messaging's, reviewed in stack.test.ts.
    const all = acknowledged.filter((a) => !/^AwsSolutions-IAM5\[Resource::(\*|<DataTable[0-9A-F]+\.Arn>\/index\/\*)\]$/.test(a.id));
    for (const ack of all) {
      const review = reviewed.find((r) => r.id === ack.id && r.at === ack.node);
      expect(review, `${ack.id} on ${ack.node.node.path}, which nobody reviewed`).toBeDefined();
      expect(ack.reason).toMatch(review!.reason);
    }
    expect(all.length).toBe(reviewed.length);
  });

  it('writes every acknowledgement with its reason into the template', () => {
    const suppressions = Object.values(resources).flatMap((r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[]);
    for (const id of ['AwsSolutions-S1', 'AwsSolutions-SQS3', `AwsSolutions-IAM5[Resource::<${bucketId()}.Arn>/inbound/*]`]) {
      expect(suppressions.map((s) => s.id)).toContain(id);
    }
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThanOrEqual(20);
  });
});
