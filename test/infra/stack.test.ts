// The synthesized PortDesk stack: routes, authorization, function settings, the table, least
// privilege, the email intake's outputs and cdk-nag. Bundling is skipped (the stack is asserted, not the bundles).
import { Validations, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PortDeskHttpApi } from '../../infra/constructs/http-api.ts';
import { PortDeskFunction } from '../../infra/constructs/lambda-function.ts';
import { createPortDeskApp } from '../../infra/portdesk-app.ts';
import type { PortDeskStack } from '../../infra/portdesk-stack.ts';
import { TABLE_INDEXES, TABLE_KEYS } from '../../shared/adapters/dynamo/table-schema.ts';
import { ROUTES, type RouteSpec } from '../../shared/http/routes.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:TransactWriteItems',
];

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any>; DeletionPolicy?: string };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let stack: PortDeskStack;
let template: Template;
let resources: Record<string, Resource>;

beforeAll(() => {
  const built = createPortDeskApp({ context: SKIP_BUNDLING });
  stack = built.stack;
  // Synthesis runs the cdk-nag plugin and throws if it reports an unacknowledged error.
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources as Record<string, Resource>;
});

function logicalId(construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

const tableArn = () => ({ 'Fn::GetAtt': [logicalId(stack.data.table), 'Arn'] });

function functionFor(route: RouteSpec): PortDeskFunction {
  const fn = stack.httpApi.routeFunctions.get(route.id);
  if (fn === undefined) throw new Error(`No function for route ${route.id}`);
  return fn;
}

/** Every statement of every inline policy attached to the function's role. */
function statementsOf(fn: PortDeskFunction): Statement[] {
  const roleRef = { Ref: logicalId(fn.serviceRole) };
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(JSON.stringify(roleRef)))
    .flatMap((r) => r.Properties?.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const dynamoActions = (fn: PortDeskFunction) => actionsOf(statementsOf(fn)).filter((a) => a.startsWith('dynamodb:'));

const publicRoutes = ROUTES.filter((r) => r.access === 'public');
const protectedRoutes = ROUTES.filter((r) => r.access !== 'public');
const readOnlyRoutes = ROUTES.filter((r) => !r.writes);
const writeRoutes = ROUTES.filter((r) => r.writes);
/**
 * The routes about one received message (/v1/inbound-emails/{id}...): they show it with a link to
 * its raw message, so each gets download rights (grantDownloads). The list shows no links and gets none.
 */
const downloadRoutes = ROUTES.filter((r) => r.path.startsWith('/v1/inbound-emails/'));
/** The routes that use order documents (their `files`): they get documents/ of the same bucket (grantFiles). */
const fileRoutes = ROUTES.filter((r) => r.files !== undefined);
/** The signing page and its actions: public, the emailed link's secret being the credential. */
const SIGNING_ROUTES = ['signingPage', 'signingDocument', 'signWithLink', 'renewSigningLink'];
/** The reviewed reason for letting the functions that send carrier emails read order documents (to attach them). */
const CARRIER_ATTACHMENTS_REASON =
  'Carrier emails attach order documents (documents/<order id>/<document id>, ids made per document), read when sent: s3:GetObject on that prefix only.';
/** Exactly `text`, as a pattern. */
const exactly = (text: string) => new RegExp('^' + text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$');

describe('HTTP API routes', () => {
  it('serves exactly the routes of the shared route table', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => r.Properties.RouteKey);
    expect(routeKeys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('never deploys a local-only route', () => {
    expect(ROUTES.filter((r) => r.path.startsWith('/_local'))).toEqual([]);
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map((r) => String(r.Properties.RouteKey));
    expect(routeKeys.filter((key) => key.split(' ')[1]?.startsWith('/_local'))).toEqual([]);
  });

  it('refuses to build a local-only route', () => {
    const { stack: other } = createPortDeskApp({ context: SKIP_BUNDLING });
    const testHook: RouteSpec = {
      id: 'resetClock', method: 'POST', path: '/_local/clock', handler: 'api/health', access: 'public', writes: false, summary: 'test hook',
    };
    expect(() => new PortDeskHttpApi(other, 'LocalOnly', { table: other.data.table, routes: [testHook] })).toThrow(/local-only/);
  });

  it.each(protectedRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s goes through the Lambda authorizer', (routeKey) => {
    const [authorizerId] = Object.keys(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it.each(publicRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s is public', (routeKey) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
  });

  it.each(ROUTES.map((r) => [r.id, r] as const))('%s invokes its own function', (_id, route) => {
    const [, routeResource] = Object.entries(template.findResources('AWS::ApiGatewayV2::Route', {
      Properties: { RouteKey: `${route.method} ${route.path}` },
    }))[0]!;
    const integrationId = routeResource.Properties.Target['Fn::Join'][1][1].Ref as string;
    expect(resources[integrationId]?.Properties?.IntegrationUri).toEqual({ 'Fn::GetAtt': [logicalId(functionFor(route)), 'Arn'] });
  });

  it('authorizes with simple responses, the Authorization header and a 5-minute cache', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
    });
    const [authorizer] = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(JSON.stringify(authorizer!.Properties.AuthorizerUri)).toContain(logicalId(stack.httpApi.authorizerFunction));
  });

  it('logs access to a log group kept one month and throttles the stage by default', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [logicalId(stack.httpApi.accessLogGroup), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
    expect(resources[logicalId(stack.httpApi.accessLogGroup)]?.Properties?.RetentionInDays).toBe(30);
  });

  it('publishes the API URL and the table name', () => {
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.data.table) } });
  });

  it('publishes the receipt rule set to activate (and how), the raw-mail bucket and the intake failure queue', () => {
    template.hasOutput('ReceiptRuleSetName', {
      Value: 'PortDesk-inbound-mail',
      Description: Match.stringLikeRegexp('^SES receipt rule set .*Activate it once .*aws ses set-active-receipt-rule-set --rule-set-name'),
    });
    expect(stack.emailIntake.receiptRuleSetName).toBe('PortDesk-inbound-mail');
    template.hasOutput('RawMailBucket', { Value: { Ref: logicalId(stack.emailIntake.bucket) } });
    template.hasOutput('IntakeFailureQueueUrl', { Value: { Ref: logicalId(stack.emailIntake.failureQueue) } });
    // CloudFormation takes no intrinsic function in a description.
    for (const output of Object.values(template.toJSON().Outputs as Record<string, { Description?: unknown }>)) {
      expect(typeof output.Description).toBe('string');
    }
  });
});

describe('Lambda functions', () => {
  /** Every PortDesk function of the stack: the API's, the workflow's steps and the scheduled ones. */
  const allFunctions = (): PortDeskFunction[] => stack.node.findAll().filter((c): c is PortDeskFunction => c instanceof PortDeskFunction);

  it('finds every Lambda function of the template among the PortDesk functions', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).sort()).toEqual(allFunctions().map(logicalId).sort());
  });

  it('has one function per route plus the authorizer', () => {
    expect([...stack.httpApi.routeFunctions.keys()].sort()).toEqual(ROUTES.map((r) => r.id).sort());
  });

  it('runs every function on Node.js 24, ARM, with tracing, the table name and source maps', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
        Environment: {
          Variables: {
            TABLE_NAME: { Ref: logicalId(stack.data.table) },
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'portdesk',
            LOG_LEVEL: expect.any(String),
          },
        },
      });
      expect(fn.Properties.Timeout).toEqual(expect.any(Number));
    }
  });

  it('answers API requests within 29 s (API Gateway gives up at 30 s); the workflow and schedules have their own timeouts', () => {
    const timeoutOf = (fn: PortDeskFunction): unknown => resources[logicalId(fn)]?.Properties?.Timeout;
    for (const fn of [stack.httpApi.authorizerFunction, ...stack.httpApi.routeFunctions.values()]) {
      expect(timeoutOf(fn), fn.node.path).toBeLessThanOrEqual(29);
    }
    expect(timeoutOf(stack.workflow.functions.placeTestCall)).toBe(60);
    expect(timeoutOf(stack.schedules.deadlineCheck)).toBe(5 * 60);
    expect(timeoutOf(stack.schedules.outboxDispatch)).toBe(55);
    expect(timeoutOf(stack.emailIntake.intakeFunction)).toBe(120);
  });

  it('sends every function to its own log group kept one month', () => {
    const logGroups = allFunctions().map((fn) => {
      const props = resources[logicalId(fn)]?.Properties;
      const logGroupId = props?.LoggingConfig?.LogGroup?.Ref as string;
      expect(resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
      expect(resources[logGroupId]?.Properties?.RetentionInDays).toBe(30);
      return logGroupId;
    });
    expect(new Set(logGroups).size).toBe(logGroups.length);
  });

  it('gives roles no managed policies: each may write only its own log group', () => {
    for (const fn of allFunctions()) {
      expect(resources[logicalId(fn.serviceRole)]?.Properties?.ManagedPolicyArns).toBeUndefined();
      const logStatements = statementsOf(fn).filter((s) => actionsOf([s]).some((a) => a.startsWith('logs:')));
      expect(logStatements.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [logicalId(fn.functionLogGroup), 'Arn'] }]);
    }
  });
});

describe('table', () => {
  const table = () => resources[logicalId(stack.data.table)]!;

  it('uses the shared key schema, on-demand billing and AWS-managed encryption', () => {
    expect(table().Properties).toMatchObject({
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it.each(TABLE_INDEXES.map((i) => [i.name, i] as const))('has the %s index with its keys', (_name, index) => {
    expect(table().Properties?.GlobalSecondaryIndexes).toContainEqual({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection ?? 'ALL' },
    });
  });

  it('has exactly the shared indexes', () => {
    const names = (table().Properties?.GlobalSecondaryIndexes as { IndexName: string }[]).map((i) => i.IndexName);
    expect(names.sort()).toEqual(TABLE_INDEXES.map((i) => i.name).sort());
  });

  it('keeps data: point-in-time recovery, deletion protection, retained on delete, TTL on expiresAt', () => {
    expect(table().Properties).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(TABLE_KEYS.timeToLive).toBe('expiresAt');
    expect(table().DeletionPolicy).toBe('Retain');
  });
});

describe('least privilege on the table', () => {
  it.each(readOnlyRoutes.map((r) => [r.id, r] as const))('%s (read-only) can read but not write', (_id, route) => {
    const actions = dynamoActions(functionFor(route));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    for (const write of WRITE_ACTIONS) expect(actions).not.toContain(write);
  });

  it.each(writeRoutes.map((r) => [r.id, r] as const))('%s (writes) can put, update, delete, batch-write and condition-check', (_id, route) => {
    // TransactWriteItems has no IAM action of its own: it is authorized by the Put/Update/Delete/
    // ConditionCheckItem actions of the items it contains.
    expect(dynamoActions(functionFor(route))).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:Query',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:ConditionCheckItem',
      ]),
    );
  });

  it('lets the authorizer only GetItem on the base table', () => {
    const dynamoStatements = statementsOf(stack.httpApi.authorizerFunction).filter((s) =>
      actionsOf([s]).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamoStatements).toEqual([{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: tableArn() }]);
  });

  it('grants no service-wide wildcard actions', () => {
    const functions = stack.node.findAll().filter((c): c is PortDeskFunction => c instanceof PortDeskFunction);
    expect(functions).toContain(stack.emailIntake.intakeFunction);
    for (const fn of functions) {
      for (const action of actionsOf(statementsOf(fn))) expect(action).not.toMatch(/(^\*$|:\*$)/);
    }
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  it('finds no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
    // cdk-nag 3 reports through the validation plugin, not annotations; none may slip through either way.
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('makes synthesis fail on a finding nobody acknowledged', () => {
    const { app, stack: other } = createPortDeskApp({ context: SKIP_BUNDLING });
    other.httpApi.authorizerFunction.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
    expect(() => app.synth()).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });

  it('acknowledges only reviewed findings, each where it was reviewed and with the reason it was reviewed for', () => {
    const functions = stack.node.findAll().filter((c): c is PortDeskFunction => c instanceof PortDeskFunction);
    const functionRoles = new Set<IConstruct>(functions.map((fn) => fn.serviceRole));
    const tableRoles = new Set<IConstruct>(functions.filter((fn) => fn !== stack.httpApi.authorizerFunction).map((fn) => fn.serviceRole));
    const signalPolicies = new Set<IConstruct>(functions.flatMap((fn) => fn.node.tryFindChild('WorkflowSignals') ?? []));
    const stateMachineRole: IConstruct = stack.workflow.stateMachine.role;
    const intake = stack.emailIntake;
    const intakeRole: IConstruct = intake.intakeFunction.serviceRole;
    const downloadRoles = new Set<IConstruct>(downloadRoutes.map((r) => functionFor(r).serviceRole));
    // The functions that send carrier emails (the submission step; the dispatcher, on retries) attach order documents.
    const carrierEmailRoles = new Set<IConstruct>([stack.workflow.functions.submitToCarrier.serviceRole, stack.schedules.outboxDispatch.serviceRole]);
    expect(carrierEmailRoles.size).toBe(2);
    /** The finding a `<bucket arn>/<prefix>*` grant on the raw-mail bucket raises. */
    const objects = (prefix: string) => `AwsSolutions-IAM5[Resource::<${logicalId(intake.bucket)}.Arn>/${prefix}*]`;
    const publicRoute = (path: string) => (node: IConstruct) => node instanceof HttpRoute && node.path === path;
    const invokeGrant = (fn: PortDeskFunction) => `AwsSolutions-IAM5[Resource::<${logicalId(fn)}.Arn>:*]`;

    /** Each reviewed finding: where it may be acknowledged, and the reason it was reviewed for. */
    const reviewed: { id: string; where: string; at: (node: IConstruct) => boolean; reason: RegExp }[] = [
      { id: 'AwsSolutions-APIG4', where: 'GET /health', at: publicRoute('/health'), reason: /^Liveness check .* reads no customer data/ },
      { id: 'AwsSolutions-APIG4', where: 'GET /openapi.json', at: publicRoute('/openapi.json'), reason: /OpenAPI document.*no customer data/ },
      ...ROUTES.filter((r) => SIGNING_ROUTES.includes(r.id)).map((route) => ({
        id: 'AwsSolutions-APIG4',
        where: `${route.method} ${route.path} (the signing page)`,
        at: (node: IConstruct) => node instanceof HttpRoute && node.path === route.path && node.node.id.includes(route.method),
        reason:
          /^The signing link's secret is the credential: 256 random bits, of which only the SHA-256 is stored; a link expires after 7 days and is voided when the order is edited\. The page shows only what the signer must see/,
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        where: 'a function role (X-Ray)',
        at: (node) => functionRoles.has(node),
        reason: /^X-Ray PutTraceSegments\/PutTelemetryRecords support no resource-level permissions/,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        where: 'the WorkflowSignals policy of a function (SendTaskSuccess)',
        at: (node) => signalPolicies.has(node),
        reason: /^states:SendTaskSuccess has no resource-level permissions/,
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        where: 'the state machine role (logging, X-Ray)',
        at: (node) => node === stateMachineRole,
        reason: /^Step Functions logging .* and X-Ray tracing support no resource-level permissions/,
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${logicalId(stack.data.table)}.Arn>/index/*]`,
        where: 'the role of a function using the table',
        at: (node) => tableRoles.has(node),
        reason: /^Table grants cover its GSIs via <table arn>\/index\/\*/,
      },
      ...Object.values(stack.workflow.functions).map((fn) => ({
        id: invokeGrant(fn),
        where: 'the state machine role (invoking its own step)',
        at: (node: IConstruct) => node === stateMachineRole,
        reason: /^The invoke grant covers the step function and its versions \(<function arn>:\*\)/,
      })),
      {
        id: 'AwsSolutions-S1',
        where: 'the raw-mail bucket\'s access-logs bucket',
        at: (node) => node === intake.accessLogsBucket,
        reason: /^This bucket receives the raw-mail bucket's server access logs; logging it in turn would need another log bucket without end\./,
      },
      {
        id: 'AwsSolutions-SQS3',
        where: 'the intake function\'s failure queue (a dead-letter queue by role)',
        at: (node) => node === intake.failureQueue,
        reason: /^This queue is the intake function's on-failure destination, a dead-letter queue by role/,
      },
      {
        id: objects('inbound/'),
        where: 'the intake function\'s role (reading raw messages)',
        at: (node) => node === intakeRole,
        reason: /^The intake reads the raw messages SES stores under inbound\/.*s3:GetObject on that prefix only/,
      },
      {
        id: objects('documents/'),
        where: 'the intake function\'s role (storing attachments)',
        at: (node) => node === intakeRole,
        reason: /^The intake stores attachments as order documents under documents\/.*s3:PutObject on that prefix only/,
      },
      // Each route about one received message, separately: each must carry the acknowledgement.
      ...downloadRoutes.flatMap((route) => {
        const role: IConstruct = functionFor(route).serviceRole;
        return [
          {
            id: objects('inbound/'),
            where: `the role of ${route.id} (download links to raw messages)`,
            at: (node: IConstruct) => node === role,
            reason: /^Download links to raw messages \(inbound\/<SES message id>\) are presigned with this role: s3:GetObject on that prefix only/,
          },
        ];
      }),
      // Each route that uses order documents, separately: reading presigns links, writing stores files too.
      ...fileRoutes.map((route) => {
        const role: IConstruct = functionFor(route).serviceRole;
        return {
          id: objects('documents/'),
          where: `the role of ${route.id} (order documents, ${route.files})`,
          at: (node: IConstruct) => node === role,
          reason:
            route.files === 'write'
              ? /^Order documents are stored under documents\/<order id>\/<document id> .* s3:GetObject and s3:PutObject on that prefix only/
              : /^Download links to order documents \(documents\/<order id>\/<document id>.* s3:GetObject on that prefix only/,
        };
      }),
      // Each function that sends carrier emails, separately: it reads the documents it attaches.
      ...[stack.workflow.functions.submitToCarrier, stack.schedules.outboxDispatch].map((fn) => {
        const role: IConstruct = fn.serviceRole;
        return {
          id: objects('documents/'),
          where: `the role of ${fn.node.path} (attachments of carrier emails)`,
          at: (node: IConstruct) => node === role,
          reason: exactly(CARRIER_ATTACHMENTS_REASON),
        };
      }),
    ];

    const acknowledged: { id: string; path: string; node: IConstruct; reason: string }[] = [];
    const visit = (node: IConstruct) => {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
          acknowledged.push({ id: id.replace(/^annotation::/i, ''), path: node.node.path, node, reason: String(reason) });
        }
      }
      node.node.children.forEach(visit);
    };
    visit(stack);

    // Every acknowledgement is a reviewed finding, where it was reviewed, with the reason it was reviewed for.
    const used = new Set<(typeof reviewed)[number]>();
    for (const ack of acknowledged) {
      const review = reviewed.find((r) => r.id === ack.id && r.at(ack.node));
      expect(review, `${ack.id} acknowledged on ${ack.path}, which nobody reviewed`).toBeDefined();
      expect(ack.reason, `${ack.id} on ${ack.path} (${review!.where})`).toMatch(review!.reason);
      used.add(review!);
    }
    // ...and every review is still needed where it was made: the acknowledgements are exactly these.
    expect(reviewed.filter((r) => !used.has(r)).map((r) => `${r.id} on ${r.where}`)).toEqual([]);
    expect([...new Set(acknowledged.map((a) => a.id))].sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::<${logicalId(stack.data.table)}.Arn>/index/*]`,
        ...Object.values(stack.workflow.functions).map(invokeGrant),
        'AwsSolutions-S1',
        'AwsSolutions-SQS3',
        objects('inbound/'),
        objects('documents/'),
      ].sort(),
    );
    // X-Ray on every function's role; SendTaskSuccess on exactly the outbox-delivering functions
    // (the writing routes, every workflow step, the two scheduled functions, the email intake).
    const ackedAt = (pattern: RegExp) => new Set(acknowledged.filter((a) => pattern.test(a.reason)).map((a) => a.node));
    expect(ackedAt(/^X-Ray/)).toEqual(functionRoles);
    const outbox = [
      ...writeRoutes.map(functionFor),
      ...Object.values(stack.workflow.functions),
      stack.schedules.deadlineCheck,
      stack.schedules.outboxDispatch,
      intake.intakeFunction,
    ];
    expect(ackedAt(/^states:SendTaskSuccess/)).toEqual(new Set(outbox.map((fn) => fn.node.findChild('WorkflowSignals'))));
    // The raw-mail bucket's prefixes: on the intake role, the roles of the routes about one message,
    // the roles of the routes that use documents and those of the functions that send carrier emails,
    // and nowhere else.
    const fileRoles = new Set<IConstruct>(fileRoutes.map((r) => functionFor(r).serviceRole));
    expect(fileRoles.size).toBe(fileRoutes.length);
    const bucketAcks = acknowledged.filter((a) => a.id === objects('inbound/') || a.id === objects('documents/'));
    expect(new Set(bucketAcks.map((a) => a.node))).toEqual(new Set([intakeRole, ...downloadRoles, ...fileRoles, ...carrierEmailRoles]));
    // The intake: both prefixes; each download route: raw messages only; each documents route and
    // each function that sends carrier emails: documents only.
    expect(bucketAcks.length).toBe(2 + downloadRoles.size + fileRoles.size + carrierEmailRoles.size);
    expect(new Set(bucketAcks.filter((a) => a.id === objects('documents/')).map((a) => a.node))).toEqual(
      new Set([intakeRole, ...fileRoles, ...carrierEmailRoles]),
    );
    // The carrier-email roles carry exactly the reviewed reason.
    expect(bucketAcks.filter((a) => carrierEmailRoles.has(a.node)).map((a) => a.reason)).toEqual([CARRIER_ATTACHMENTS_REASON, CARRIER_ATTACHMENTS_REASON]);
    expect(new Set(bucketAcks.filter((a) => a.id === objects('inbound/')).map((a) => a.node))).toEqual(new Set([intakeRole, ...downloadRoles]));
  });

  it('grants Resource * only for what the acknowledged reasons name', () => {
    // An acknowledgement of IAM5[Resource::*] covers every `*` of the policies under it: the reasons
    // hold only while those are exactly X-Ray (function roles), SendTaskSuccess (WorkflowSignals)
    // and vended-log delivery plus X-Ray (the state machine role). The raw-mail bucket's prefixes are
    // acknowledged as their own findings (<bucket>.Arn>/inbound/*, /documents/*), which cover nothing else.
    const wildcardActions = (policyLogicalIds: string[]) =>
      policyLogicalIds
        .flatMap((id) => resources[id]!.Properties?.PolicyDocument.Statement as Statement[])
        .filter((st) => st.Resource === '*' || (Array.isArray(st.Resource) && st.Resource.includes('*')))
        .flatMap((st) => actionsOf([st]));
    const policiesOfRole = (roleLogicalId: string) =>
      Object.keys(resources).filter(
        (id) => resources[id]!.Type === 'AWS::IAM::Policy' && JSON.stringify(resources[id]!.Properties?.Roles).includes(JSON.stringify({ Ref: roleLogicalId })),
      );
    const functions = stack.node.findAll().filter((c): c is PortDeskFunction => c instanceof PortDeskFunction);
    expect(functions).toContain(stack.emailIntake.intakeFunction);
    for (const fn of functions) {
      const signals = fn.node.tryFindChild('WorkflowSignals');
      const signalIds = signals === undefined ? [] : [logicalId(signals)];
      const others = policiesOfRole(logicalId(fn.serviceRole)).filter((id) => !signalIds.includes(id));
      expect(wildcardActions(others).sort(), fn.node.path).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      expect(wildcardActions(signalIds), fn.node.path).toEqual(signals === undefined ? [] : ['states:SendTaskSuccess']);
    }
    const stateMachineRole = logicalId(stack.workflow.stateMachine.role);
    for (const action of wildcardActions(policiesOfRole(stateMachineRole))) {
      expect(action).toMatch(/^(logs:(Create|Get|Update|Delete|List)LogDeliver(y|ies)|logs:(PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets))$/);
    }
  });

  it('writes every acknowledgement with its reason into the template', () => {
    const suppressions = Object.values(resources).flatMap(
      (r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []) as { id: string; reason: string }[],
    );
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.reason.length, s.id).toBeGreaterThanOrEqual(20);
  });

  it('fails synthesis for a public route nobody reviewed', () => {
    const { app, stack: other } = createPortDeskApp({ context: SKIP_BUNDLING });
    const unreviewed: RouteSpec = {
      id: 'status', method: 'GET', path: '/status', handler: 'api/health', access: 'public', writes: false, summary: 'unreviewed',
    };
    new PortDeskHttpApi(other, 'Unreviewed', { table: other.data.table, routes: [unreviewed] });
    expect(() => app.synth()).toThrow(/AwsSolutions-APIG4/);
  });

  it('exempts only the public routes from authorization', () => {
    const exempt = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter((r) => JSON.stringify(r.Metadata?.cdk_nag ?? {}).includes('AwsSolutions-APIG4'))
      .map((r) => r.Properties.RouteKey);
    expect(exempt.sort()).toEqual(publicRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('app', () => {
  it('names the stack PortDesk by default and after the stage given in context', () => {
    expect(stack.stackName).toBe('PortDesk');
    const { stack: staged } = createPortDeskApp({ context: { ...SKIP_BUNDLING, stage: 'PortDesk-staging' } });
    expect(staged.stackName).toBe('PortDesk-staging');
  });

  it('rejects a stage that cannot be a stack name', () => {
    expect(() => createPortDeskApp({ context: { ...SKIP_BUNDLING, stage: 'no spaces' } })).toThrow(/stage/);
  });
});
