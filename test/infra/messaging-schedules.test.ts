// The synthesized messaging and schedules: the deadline check and outbox dispatcher on EventBridge
// schedules, the event bus and its archive, SES sending, the lifecycle state machine as the
// outbox sees it (its ARN built from its name), and the email intake as the stack wires it (its
// settings, and S3 rights for it, the routes about one received message, the routes that use
// order documents and the functions that send carrier emails only). Bundling is skipped (the
// stack is asserted, not the bundles).
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_METADATA_KEY, PortDeskFunction } from '../../infra/constructs/lambda-function.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../infra/constructs/email-intake.ts';
import { DEADLINE_CHECK_RATE, OUTBOX_DISPATCH_RATE } from '../../infra/constructs/schedules.ts';
import { createPortDeskApp } from '../../infra/portdesk-app.ts';
import type { PortDeskStack } from '../../infra/portdesk-stack.ts';
import { EVENT_SOURCE } from '../../shared/app/events.ts';
import { ROUTES } from '../../shared/http/routes.ts';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** One synthesized stack with what the tests read from it. */
interface Synth {
  stack: PortDeskStack;
  template: Template;
  resources: Record<string, Resource>;
}

function synth(context: Record<string, unknown> = {}): Synth {
  const { stack } = createPortDeskApp({ context: { ...SKIP_BUNDLING, ...context } });
  // Synthesis runs the cdk-nag plugin and throws if it reports an unacknowledged error.
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources as Record<string, Resource> };
}

let base: Synth;
/** Synthesized with `-c emailDomain=... -c operatorEmail=... -c intakeAddress=...` and another stage. */
let configured: Synth;
const CONFIGURED = {
  stage: 'PortDesk-staging',
  emailDomain: 'mail.porting.example.net',
  operatorEmail: 'ops@porting.example.net',
  intakeAddress: 'answers@mail.porting.example.net',
};

beforeAll(() => {
  base = synth();
  configured = synth(CONFIGURED);
});

const logicalIdIn = (s: Synth, construct: IConstruct): string => s.stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** Every PortDesk function of the stack (API, workflow, schedules). */
const allFunctions = (s: Synth): PortDeskFunction[] =>
  s.stack.node.findAll().filter((c): c is PortDeskFunction => c instanceof PortDeskFunction);

/**
 * The functions that deliver outbox messages: the routes that write, every workflow step, the
 * two scheduled functions and the email intake (it applies answers to orders). Named here from the
 * spec, not taken from the constructs' own grants.
 */
function outboxFunctions(s: Synth): PortDeskFunction[] {
  return [
    ...ROUTES.filter((r) => r.writes).map((r) => s.stack.httpApi.routeFunctions.get(r.id)!),
    ...Object.values(s.stack.workflow.functions),
    s.stack.schedules.deadlineCheck,
    s.stack.schedules.outboxDispatch,
    s.stack.emailIntake.intakeFunction,
  ];
}
const otherFunctions = (s: Synth): PortDeskFunction[] => {
  const outbox = new Set(outboxFunctions(s));
  return allFunctions(s).filter((fn) => !outbox.has(fn));
};

/** Every statement of every policy attached to the role, by its logical id. */
function statementsOfRole(s: Synth, roleLogicalId: string): Statement[] {
  return Object.values(s.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((r) => r.Properties?.PolicyDocument.Statement as Statement[]);
}
const statementsOf = (s: Synth, fn: PortDeskFunction) => statementsOfRole(s, logicalIdIn(s, fn.serviceRole));
const actionsOf = (statements: Statement[]) => statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
const withAction = (statements: Statement[], action: string) => statements.filter((st) => actionsOf([st]).includes(action));

/** The logical ids of the roles of the template that have a policy statement allowing `action`. */
function rolesAllowed(s: Synth, action: string): Set<string> {
  const roles = Object.values(s.resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && withAction(r.Properties?.PolicyDocument.Statement as Statement[], action).length > 0)
    .flatMap((r) => (r.Properties?.Roles as { Ref: string }[]).map((role) => role.Ref));
  return new Set(roles);
}
const rolesOf = (s: Synth, fns: PortDeskFunction[]) => new Set(fns.map((fn) => logicalIdIn(s, fn.serviceRole)));

const envOf = (s: Synth, fn: PortDeskFunction): Record<string, unknown> =>
  s.resources[logicalIdIn(s, fn)]?.Properties?.Environment?.Variables as Record<string, unknown>;

/** `arn:<partition>:<service>:<region>:<account>:<resource>`, as CDK builds it for the stack. */
const stackArn = (service: string, resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});

/** The one scheduled rule with this expression. */
function scheduleRule(s: Synth, expression: string): [string, Resource] {
  const rules = Object.entries(s.template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: expression } }));
  expect(rules.length, expression).toBe(1);
  return rules[0] as [string, Resource];
}

/** The function resource (logical id) whose handler metadata names this module. */
function functionByHandler(s: Synth, handlerModule: string): string {
  const ids = Object.entries(s.resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.[HANDLER_METADATA_KEY] === handlerModule)
    .map(([id]) => id);
  expect(ids.length, handlerModule).toBe(1);
  return ids[0]!;
}

const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:ConditionCheckItem'];

describe('schedules', () => {
  const cases = [
    {
      name: 'deadline check',
      expression: 'rate(15 minutes)',
      handler: 'schedule/deadline-check',
      fn: (s: Synth) => s.stack.schedules.deadlineCheck,
      period: DEADLINE_CHECK_RATE.toSeconds(),
      timeout: 5 * 60,
      retries: 2,
    },
    {
      name: 'outbox dispatcher',
      expression: 'rate(1 minute)',
      handler: 'schedule/outbox-dispatch',
      fn: (s: Synth) => s.stack.schedules.outboxDispatch,
      period: OUTBOX_DISPATCH_RATE.toSeconds(),
      timeout: 55,
      // The next minute's run is the retry.
      retries: 0,
    },
  ] as const;

  it('has exactly the two scheduled rules', () => {
    const expressions = Object.values(base.template.findResources('AWS::Events::Rule'))
      .map((r) => r.Properties.ScheduleExpression as unknown)
      .filter((e) => e !== undefined);
    expect(expressions.sort()).toEqual(['rate(1 minute)', 'rate(15 minutes)']);
  });

  it.each(cases.map((c) => [c.name, c] as const))('runs the %s on its schedule, targeting its function with its retry policy', (_name, c) => {
    const [ruleId, rule] = scheduleRule(base, c.expression);
    const fnId = functionByHandler(base, c.handler);
    expect(fnId).toBe(logicalIdIn(base, c.fn(base)));
    expect(rule.Properties?.State).toBe('ENABLED');
    expect(rule.Properties?.Targets).toEqual([
      { Id: expect.any(String), Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: c.retries } },
    ]);
    // EventBridge may invoke the function, from this rule only.
    base.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    const permissions = Object.values(base.template.findResources('AWS::Lambda::Permission', {
      Properties: { FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] } },
    }));
    expect(permissions.map((p) => p.Properties.SourceArn)).toEqual([{ 'Fn::GetAtt': [ruleId, 'Arn'] }]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('runs the %s one at a time, within its period', (_name, c) => {
    const props = base.resources[logicalIdIn(base, c.fn(base))]?.Properties;
    expect(props?.ReservedConcurrentExecutions).toBe(1);
    expect(props?.Timeout).toBe(c.timeout);
    // A run is over (or timed out) before the next one is due.
    expect(props?.Timeout).toBeLessThan(c.period);
    expect(c.expression).toBe(`rate(${c.period / 60} ${c.period === 60 ? 'minute' : 'minutes'})`);
  });

  it.each(cases.map((c) => [c.name, c] as const))('lets the %s read and write the table', (_name, c) => {
    const fn = c.fn(base);
    const tableArn = { 'Fn::GetAtt': [logicalIdIn(base, base.stack.data.table), 'Arn'] };
    const dynamo = statementsOf(base, fn).filter((st) => actionsOf([st]).some((a) => a.startsWith('dynamodb:')));
    expect(actionsOf(dynamo)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', ...TABLE_WRITE_ACTIONS]));
    for (const st of dynamo) expect(JSON.stringify(st.Resource)).toContain(JSON.stringify(tableArn));
    expect(envOf(base, fn).TABLE_NAME).toEqual({ Ref: logicalIdIn(base, base.stack.data.table) });
  });
});

describe('event bus', () => {
  const busId = (s: Synth) => logicalIdIn(s, s.stack.messaging.bus);

  it('is the one bus of the stack, named after the stack', () => {
    expect(Object.keys(base.template.findResources('AWS::Events::EventBus'))).toEqual([busId(base)]);
    expect(base.resources[busId(base)]?.Properties?.Name).toBe('PortDesk-events');
    expect(configured.resources[busId(configured)]?.Properties?.Name).toBe('PortDesk-staging-events');
  });

  it('archives what PortDesk publishes for 30 days', () => {
    const archives = Object.values(base.template.findResources('AWS::Events::Archive'));
    expect(archives.length).toBe(1);
    expect(archives[0]!.Properties).toMatchObject({
      SourceArn: { 'Fn::GetAtt': [busId(base), 'Arn'] },
      RetentionDays: 30,
      // The source the functions publish with: an archive on another source would stay empty.
      EventPattern: { source: [EVENT_SOURCE] },
    });
  });

  it('lets exactly the outbox-delivering functions put events, on this bus only', () => {
    expect(rolesAllowed(base, 'events:PutEvents')).toEqual(rolesOf(base, outboxFunctions(base)));
    for (const fn of outboxFunctions(base)) {
      const eventActions = statementsOf(base, fn).filter((st) => actionsOf([st]).some((a) => a.startsWith('events:')));
      expect(eventActions, fn.node.path).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [busId(base), 'Arn'] } }]);
      expect(envOf(base, fn).EVENT_BUS_NAME, fn.node.path).toEqual({ Ref: busId(base) });
    }
    for (const fn of otherFunctions(base)) expect(envOf(base, fn).EVENT_BUS_NAME, fn.node.path).toBeUndefined();
  });
});

describe('SES', () => {
  const identities = (s: Synth) => Object.values(s.template.findResources('AWS::SES::EmailIdentity')).map((r) => r.Properties.EmailIdentity);

  it('has the email identity of the configured domain, portdesk.example.com by default', () => {
    expect(identities(base)).toEqual(['portdesk.example.com']);
    expect(identities(configured)).toEqual([CONFIGURED.emailDomain]);
  });

  it.each([
    ['by default', () => base, 'portdesk.example.com'],
    ['with -c emailDomain', () => configured, CONFIGURED.emailDomain],
  ] as const)('lets exactly the outbox-delivering functions send email from that identity only (%s)', (_case, get, domain) => {
    const s = get();
    // No other SES right anywhere in the stack.
    const sesActions = Object.values(s.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => actionsOf(r.Properties?.PolicyDocument.Statement as Statement[]))
      .filter((a) => a.startsWith('ses:'));
    expect(new Set(sesActions)).toEqual(new Set(['ses:SendEmail']));
    expect(rolesAllowed(s, 'ses:SendEmail')).toEqual(rolesOf(s, outboxFunctions(s)));
    for (const fn of outboxFunctions(s)) {
      expect(withAction(statementsOf(s, fn), 'ses:SendEmail').map((st) => st.Resource), fn.node.path).toEqual([stackArn('ses', `identity/${domain}`)]);
      expect(envOf(s, fn).MAIL_FROM, fn.node.path).toBe(`porting@${domain}`);
    }
    for (const fn of otherFunctions(s)) expect(envOf(s, fn).MAIL_FROM, fn.node.path).toBeUndefined();
  });

  it('tells the outbox-delivering functions the operator email when the context gives one, and nobody otherwise', () => {
    for (const fn of allFunctions(base)) expect(envOf(base, fn).PORTDESK_OPERATOR_EMAIL, fn.node.path).toBeUndefined();
    for (const fn of outboxFunctions(configured)) expect(envOf(configured, fn).PORTDESK_OPERATOR_EMAIL, fn.node.path).toBe(CONFIGURED.operatorEmail);
    for (const fn of otherFunctions(configured)) expect(envOf(configured, fn).PORTDESK_OPERATOR_EMAIL, fn.node.path).toBeUndefined();
  });
});

describe('state machine, as the outbox sees it', () => {
  const stateMachineId = (s: Synth) => logicalIdIn(s, s.stack.workflow.stateMachine);

  it.each([
    ['PortDesk', () => base],
    ['PortDesk-staging', () => configured],
  ] as const)('is a Standard workflow named %s-order-lifecycle, traced, logging every event without execution data', (stackName, get) => {
    const s = get();
    expect(s.stack.stackName).toBe(stackName);
    expect(Object.keys(s.template.findResources('AWS::StepFunctions::StateMachine'))).toEqual([stateMachineId(s)]);
    expect(s.resources[stateMachineId(s)]?.Properties).toMatchObject({
      StateMachineName: `${stackName}-order-lifecycle`,
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdIn(s, s.stack.workflow.logGroup), 'Arn'] } } }],
      },
    });
  });

  it.each([
    ['PortDesk', () => base],
    ['PortDesk-staging', () => configured],
  ] as const)('gives the outbox-delivering functions the ARN built from its name, never a reference to it (%s)', (stackName, get) => {
    const s = get();
    const expected = stackArn('states', `stateMachine:${stackName}-order-lifecycle`);
    for (const fn of outboxFunctions(s)) {
      expect(envOf(s, fn).STATE_MACHINE_ARN, fn.node.path).toEqual(expected);
      // Neither the function nor its role's policies refer to the machine (no Ref, Fn::GetAtt or DependsOn).
      const mentions = JSON.stringify([s.resources[logicalIdIn(s, fn)], statementsOf(s, fn)]);
      expect(mentions, fn.node.path).not.toContain(stateMachineId(s));
    }
    for (const fn of otherFunctions(s)) expect(envOf(s, fn).STATE_MACHINE_ARN, fn.node.path).toBeUndefined();
  });

  it('keeps the template free of dependency cycles, which a reference to the machine from a step would create', () => {
    // The machine refers to every step function (to invoke it), and every step delivers the outbox...
    const machine = JSON.stringify(base.resources[stateMachineId(base)]);
    for (const fn of Object.values(base.stack.workflow.functions)) {
      expect(machine, fn.node.path).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalIdIn(base, fn), 'Arn'] }));
    }
    // ...so the ARN must not point back. Template.fromStack refuses a template with a dependency
    // cycle, as CloudFormation would: the stack as built passes, the naive wiring does not.
    expect(() => Template.fromStack(base.stack)).not.toThrow();
    const { stack } = createPortDeskApp({ context: SKIP_BUNDLING });
    stack.workflow.functions.notify.addEnvironment('STATE_MACHINE_ARN', stack.workflow.stateMachine.stateMachineArn);
    expect(() => Template.fromStack(stack)).toThrow(/dependency cycle/);
  });
});

describe('email intake, as the stack wires it', () => {
  const intakeFn = (s: Synth) => s.stack.emailIntake.intakeFunction;
  const bucketId = (s: Synth) => logicalIdIn(s, s.stack.emailIntake.bucket);
  const objectsUnder = (s: Synth, prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(s), 'Arn'] }, `/${prefix}*`]] });
  /**
   * The routes about one received message (/v1/inbound-emails/{id}...): each shows it with a
   * presigned link, so each may get objects. Derived from the route table, not from the stack's wiring.
   */
  const downloadRoutes = ROUTES.filter((r) => r.path.startsWith('/v1/inbound-emails/'));
  const downloadFunctions = (s: Synth) => downloadRoutes.map((r) => s.stack.httpApi.routeFunctions.get(r.id)!);
  /** The routes that use order documents (their `files` in the route table): documents/ only. */
  const fileRoutes = ROUTES.filter((r) => r.files !== undefined);
  const fileFunctions = (s: Synth, access?: 'read' | 'write') =>
    fileRoutes.filter((r) => access === undefined || r.files === access).map((r) => s.stack.httpApi.routeFunctions.get(r.id)!);
  /**
   * The functions that send carrier emails, which attach the signed LOA and bill copies read when
   * sent: the submission step, and the dispatcher when it retries. documents/ only, read only.
   */
  const carrierEmailFunctions = (s: Synth) => [s.stack.workflow.functions.submitToCarrier, s.stack.schedules.outboxDispatch];
  /** Every statement of every identity policy in the template that allows an S3 action. */
  const s3Policies = (s: Synth) =>
    Object.values(s.resources).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && actionsOf(r.Properties?.PolicyDocument.Statement as Statement[]).some((a) => a.startsWith('s3:')),
    );
  const s3StatementsOf = (s: Synth, fn: PortDeskFunction) => statementsOf(s, fn).filter((st) => actionsOf([st]).some((a) => a.startsWith('s3:')));

  it.each([
    ['by default: the sender address', () => base, 'porting@portdesk.example.com'],
    ['with -c intakeAddress', () => configured, CONFIGURED.intakeAddress],
  ] as const)('tells the intake function the raw-mail bucket, the mailbox and the size limit (%s)', (_case, get, address) => {
    const s = get();
    expect(envOf(s, intakeFn(s))).toMatchObject({
      RAW_MAIL_BUCKET: { Ref: bucketId(s) },
      DOCUMENTS_BUCKET: { Ref: bucketId(s) },
      RAW_MAIL_PREFIX: 'inbound/',
      PORTDESK_INTAKE_ADDRESS: address,
      MAX_MESSAGE_BYTES: String(DEFAULT_MAX_MESSAGE_BYTES),
      TABLE_NAME: { Ref: logicalIdIn(s, s.stack.data.table) },
    });
    // The receipt rule takes mail for that address only.
    const rules = Object.values(s.template.findResources('AWS::SES::ReceiptRule'));
    expect(rules.map((r) => r.Properties.Rule.Recipients)).toEqual([[address]]);
  });

  it('keeps the default mailbox on the sending domain of the stage', () => {
    expect(base.stack.emailIntake.intakeAddress).toBe(base.stack.messaging.senderAddress);
    expect(configured.stack.emailIntake.receiptRuleSetName).toBe('PortDesk-staging-inbound-mail');
  });

  it('tells nobody else about the mailbox or its size limit', () => {
    for (const fn of allFunctions(base).filter((f) => f !== intakeFn(base))) {
      expect(envOf(base, fn).PORTDESK_INTAKE_ADDRESS, fn.node.path).toBeUndefined();
      expect(envOf(base, fn).MAX_MESSAGE_BYTES, fn.node.path).toBeUndefined();
    }
  });

  it('lets exactly the routes about one received message, the routes that use documents, the functions that send carrier emails, and the intake, get objects', () => {
    expect(downloadRoutes.map((r) => r.id)).not.toContain('listInboundEmails');
    expect(downloadRoutes.length).toBeGreaterThan(0);
    expect(rolesAllowed(base, 's3:GetObject')).toEqual(
      rolesOf(base, [...downloadFunctions(base), ...fileFunctions(base), ...carrierEmailFunctions(base), intakeFn(base)]),
    );
    for (const fn of downloadFunctions(base)) {
      // Raw messages, to presign links to them: nothing else in S3.
      expect(s3StatementsOf(base, fn), fn.node.path).toEqual([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder(base, 'inbound/') },
      ]);
      expect(envOf(base, fn), fn.node.path).toMatchObject({ RAW_MAIL_BUCKET: { Ref: bucketId(base) }, DOCUMENTS_BUCKET: { Ref: bucketId(base) }, RAW_MAIL_PREFIX: 'inbound/' });
    }
  });

  it('lets the routes that read documents get them under documents/ only, and tells them the bucket', () => {
    expect(fileFunctions(base, 'read').length).toBeGreaterThan(0);
    for (const fn of fileFunctions(base, 'read')) {
      expect(s3StatementsOf(base, fn), fn.node.path).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder(base, 'documents/') }]);
      expect(envOf(base, fn).RAW_MAIL_BUCKET, fn.node.path).toEqual({ Ref: bucketId(base) });
    }
  });

  it('lets the routes that write documents get and put them under documents/ only, and tells them the bucket', () => {
    expect(fileFunctions(base, 'write').length).toBeGreaterThan(0);
    for (const fn of fileFunctions(base, 'write')) {
      expect(s3StatementsOf(base, fn), fn.node.path).toEqual([
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: objectsUnder(base, 'documents/') },
      ]);
      expect(envOf(base, fn).RAW_MAIL_BUCKET, fn.node.path).toEqual({ Ref: bucketId(base) });
    }
  });

  it('lets the functions that send carrier emails get documents under documents/ only (to attach them), and tells them the bucket', () => {
    for (const fn of carrierEmailFunctions(base)) {
      expect(s3StatementsOf(base, fn), fn.node.path).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder(base, 'documents/') }]);
      expect(envOf(base, fn).RAW_MAIL_BUCKET, fn.node.path).toEqual({ Ref: bucketId(base) });
    }
  });

  it('gives raw messages (inbound/) to no API route but those about one received message', () => {
    const inbound = JSON.stringify(objectsUnder(base, 'inbound/'));
    const others = [...base.stack.httpApi.routeFunctions.values()].filter((fn) => !downloadFunctions(base).includes(fn));
    expect(others.length).toBeGreaterThan(0);
    for (const fn of others) expect(JSON.stringify(s3StatementsOf(base, fn)), fn.node.path).not.toContain(inbound);
  });

  it('gives no other function any S3 right or the bucket, and no role any other S3 action', () => {
    const withS3 = [...downloadFunctions(base), ...fileFunctions(base), ...carrierEmailFunctions(base), intakeFn(base)];
    const roles = new Set(s3Policies(base).flatMap((r) => (r.Properties?.Roles as { Ref: string }[]).map((role) => role.Ref)));
    expect(roles).toEqual(rolesOf(base, withS3));
    const actions = s3Policies(base).flatMap((r) => actionsOf(r.Properties?.PolicyDocument.Statement as Statement[]).filter((a) => a.startsWith('s3:')));
    expect(new Set(actions)).toEqual(new Set(['s3:GetObject', 's3:PutObject']));
    // Only the intake (attachments) and the routes that write documents store files: the functions
    // that send carrier emails only read them.
    expect(rolesAllowed(base, 's3:PutObject')).toEqual(rolesOf(base, [...fileFunctions(base, 'write'), intakeFn(base)]));
    expect(s3StatementsOf(base, intakeFn(base))).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsUnder(base, 'inbound/') },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objectsUnder(base, 'documents/') },
    ]);
    for (const fn of allFunctions(base).filter((f) => !withS3.includes(f))) {
      expect(s3StatementsOf(base, fn), fn.node.path).toEqual([]);
      expect(envOf(base, fn).RAW_MAIL_BUCKET, fn.node.path).toBeUndefined();
      expect(envOf(base, fn).DOCUMENTS_BUCKET, fn.node.path).toBeUndefined();
    }
    const list = ROUTES.find((r) => r.id === 'listInboundEmails');
    if (list) expect(withS3).not.toContain(base.stack.httpApi.routeFunctions.get(list.id));
  });

  it('lets only the intake function send to its failure queue', () => {
    expect(rolesAllowed(base, 'sqs:SendMessage')).toEqual(rolesOf(base, [intakeFn(base)]));
  });
});
