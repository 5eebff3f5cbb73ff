// The synthesized order workflow: a Standard state machine with logging and tracing, the business
// steps as states, retries with jitter and a catch to RecordException on every task, waits on task
// tokens without timeouts, JSONPath only, and least privilege for its functions and the API's.
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PortDeskFunction } from '../../infra/constructs/lambda-function.ts';
import { TRANSIENT_ERRORS, WORKFLOW_HANDLERS, WORKFLOW_STATES, type WorkflowStepFunction } from '../../infra/constructs/workflow.ts';
import { createPortDeskApp } from '../../infra/portdesk-app.ts';
import type { PortDeskStack } from '../../infra/portdesk-stack.ts';
import { ROUTES } from '../../shared/http/routes.ts';

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> };
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
type AslState = Record<string, any> & { Type: string };

let stack: PortDeskStack;
let resources: Record<string, Resource>;
let states: Record<string, AslState>;
let definition: Record<string, any>;

const logicalId = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** The definition as plain ASL: each `Fn::GetAtt [<fn>, Arn]` becomes `fn:<logical id>`, pseudo parameters a placeholder. */
function resolveDefinition(value: unknown): string {
  const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const attr = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (attr) return `fn:${attr[0]}`;
      const ref = (part as { Ref?: string }).Ref;
      if (ref) return `ref:${ref}`;
      throw new Error(`Unexpected part ${JSON.stringify(part)}`);
    })
    .join('');
}

function statementsOfRole(roleLogicalId: string): Statement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(JSON.stringify({ Ref: roleLogicalId })))
    .flatMap((r) => r.Properties?.PolicyDocument.Statement as Statement[]);
}
const statementsOf = (fn: PortDeskFunction) => statementsOfRole(logicalId(fn.serviceRole));
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
const withAction = (statements: Statement[], action: string) => statements.filter((s) => actionsOf([s]).includes(action));

/** Every PortDesk function of the stack (API, workflow, schedules). */
const allFunctions = (): PortDeskFunction[] => stack.node.findAll().filter((c): c is PortDeskFunction => c instanceof PortDeskFunction);
/** The state machine's ARN as the functions get it: built from its name, not a reference to the machine. */
const stateMachineArnFromName = () => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:stateMachine:${stack.stackName}-order-lifecycle`]],
});
const stepFunctions = (): [WorkflowStepFunction, PortDeskFunction][] => Object.entries(stack.workflow.functions) as [WorkflowStepFunction, PortDeskFunction][];
const stateMachineResource = () => resources[logicalId(stack.workflow.stateMachine)]!;

/** Every state, nested or not (the definition has no Parallel or Map, so this is the top level). */
const taskStates = () => Object.entries(states).filter(([, s]) => s.Type === 'Task');
const WAITS = [WORKFLOW_STATES.waitForCarrierAnswer, WORKFLOW_STATES.waitForResubmission, WORKFLOW_STATES.waitForCompletion];

beforeAll(() => {
  const built = createPortDeskApp({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = built.stack;
  resources = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
  definition = JSON.parse(resolveDefinition(stateMachineResource().Properties?.DefinitionString));
  states = definition.States as Record<string, AslState>;
});

describe('state machine', () => {
  it('is a Standard workflow with X-Ray tracing, named as the API expects', () => {
    expect(stateMachineResource().Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      StateMachineName: `${stack.stackName}-order-lifecycle`,
    });
  });

  it('logs every event to its own log group, without execution data', () => {
    const props = stateMachineResource().Properties!;
    expect(props.LoggingConfiguration).toEqual({
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalId(stack.workflow.logGroup), 'Arn'] } } }],
      Level: 'ALL',
      IncludeExecutionData: false,
    });
    expect(resources[logicalId(stack.workflow.logGroup)]?.Properties).toMatchObject({
      RetentionInDays: 30,
      LogGroupName: `/aws/vendedlogs/states/${stack.stackName}-order-lifecycle`,
    });
  });

  it('has the business steps as its states, and starts by submitting to the carrier', () => {
    expect(Object.keys(states).sort()).toEqual(Object.values(WORKFLOW_STATES).sort());
    expect(definition.StartAt).toBe(WORKFLOW_STATES.submitToCarrier);
  });

  it('uses JSONPath only: no JSONata, no variables, never ResultPath "$", no global timeout', () => {
    const text = JSON.stringify(definition);
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"QueryLanguage":"JSONata"|"Assign"|"Arguments"|"Output"/);
    expect(text).not.toMatch(/"ResultPath":"\$"/);
    expect(definition.TimeoutSeconds).toBeUndefined();
    for (const [name, state] of Object.entries(states)) {
      if ('ResultPath' in state) expect(state.ResultPath, name).toMatch(/^\$\.[A-Za-z]/);
    }
  });

  it('retries transient errors on every task: 2 s, backoff 2, 5 attempts, at most 60 s, full jitter', () => {
    expect(taskStates().length).toBe(13);
    for (const [name, state] of taskStates()) {
      expect(state.Retry, name).toEqual([
        { ErrorEquals: [...TRANSIENT_ERRORS], IntervalSeconds: 2, BackoffRate: 2, MaxAttempts: 5, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
      ]);
      expect(state.Retry[0].ErrorEquals).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'TransientError']));
    }
  });

  it('catches every error of every task into RecordException, keyed by the failed state; RecordException ends in OrderException', () => {
    for (const [name, state] of taskStates()) {
      const next = name === WORKFLOW_STATES.recordException ? WORKFLOW_STATES.orderException : WORKFLOW_STATES.recordException;
      expect(state.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: `$.failure.${name}`, Next: next }]);
    }
    expect(states.RecordException).toMatchObject({ Parameters: { 'orderId.$': '$.orderId', 'failure.$': '$.failure' }, Next: 'OrderException' });
    expect(states.OrderException).toMatchObject({ Type: 'Fail', Error: 'OrderException' });
  });

  it('waits on a task token with no timeout and no heartbeat: the scheduled check owns time', () => {
    for (const name of WAITS) {
      const state = states[name]!;
      expect(state.Resource, name).toBe('arn:ref:AWS::Partition:states:::lambda:invoke.waitForTaskToken');
      expect(state.Parameters, name).toEqual({
        FunctionName: `fn:${logicalId(stack.workflow.functions.awaitOrderChange)}`,
        Payload: { 'orderId.$': '$.orderId', 'taskToken.$': '$$.Task.Token', step: name, 'expected.$': expect.stringMatching(/^\$\.(submission|notified)\.expected$/) },
      });
      expect(state.ResultPath).toBe('$.change');
      expect(state.TimeoutSeconds).toBeUndefined();
      expect(state.HeartbeatSeconds).toBeUndefined();
      expect(state.Next).toBe(WORKFLOW_STATES.routeOrderChange);
    }
  });

  it('invokes plain steps for their payload only, with the order id', () => {
    const plain = taskStates().filter(([name]) => !(WAITS as string[]).includes(name));
    for (const [name, state] of plain) {
      expect(state.Resource, name).toMatch(/^fn:Workflow/);
      expect(state.Parameters['orderId.$'], name).toBe('$.orderId');
    }
    const fnOf = (name: string) => states[name]!.Resource as string;
    const fns = stack.workflow.functions;
    expect(fnOf('SubmitToCarrier')).toBe(`fn:${logicalId(fns.submitToCarrier)}`);
    expect(fnOf('ActivateNumbers')).toBe(`fn:${logicalId(fns.activateNumbers)}`);
    expect(fnOf('PlaceTestCall')).toBe(`fn:${logicalId(fns.placeTestCall)}`);
    expect(fnOf('SettleTemporaryNumber')).toBe(`fn:${logicalId(fns.settleTemporaryNumber)}`);
    expect(fnOf('RecordException')).toBe(`fn:${logicalId(fns.recordException)}`);
    const notices = { NotifyRejection: 'rejection', NotifyTransferDate: 'transfer_date', NotifyCompletion: 'completion', NotifyCancellation: 'cancellation', NotifyWithdrawal: 'withdrawal' };
    for (const [name, notice] of Object.entries(notices)) {
      expect(states[name], name).toMatchObject({ Resource: `fn:${logicalId(fns.notify)}`, Parameters: { notice }, ResultPath: '$.notified' });
    }
  });

  it('routes whatever the order became to the step that handles it', () => {
    const choice = states.RouteOrderChange!;
    const routes = Object.fromEntries((choice.Choices as { Variable: string; StringEquals: string; Next: string }[]).map((c) => [c.StringEquals, c.Next]));
    expect((choice.Choices as { Variable: string }[]).every((c) => c.Variable === '$.change.status')).toBe(true);
    expect(routes).toEqual({
      submitted: 'SubmitToCarrier',
      rejected: 'NotifyRejection',
      scheduled: 'NotifyTransferDate',
      completed: 'ActivateNumbers',
      cancelled: 'NotifyCancellation',
      withdrawn: 'NotifyWithdrawal',
    });
    expect(choice.Default).toBe('UnexpectedStatus');
    expect(states.UnexpectedStatus).toMatchObject({ Type: 'Pass', ResultPath: '$.failure.UnexpectedStatus', Next: 'RecordException' });
  });

  it('reads like the process: rejection waits for resubmission, a transfer date waits for completion, FR completion calls and settles', () => {
    const next = (name: string) => states[name]!.Next;
    expect(next('SubmitToCarrier')).toBe('WaitForCarrierAnswer');
    expect(next('NotifyRejection')).toBe('WaitForResubmission');
    expect(next('NotifyTransferDate')).toBe('WaitForCompletion');
    expect(next('ActivateNumbers')).toBe('FrenchOrder');
    expect(states.FrenchOrder).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.activation.market', StringEquals: 'FR', Next: 'PlaceTestCall' }],
      Default: 'NotifyCompletion',
    });
    expect(next('PlaceTestCall')).toBe('SettleTemporaryNumber');
    expect(next('SettleTemporaryNumber')).toBe('NotifyCompletion');
    expect(next('NotifyCompletion')).toBe('Completed');
    expect(next('NotifyCancellation')).toBe('Cancelled');
    expect(next('NotifyWithdrawal')).toBe('Withdrawn');
    for (const end of ['Completed', 'Cancelled', 'Withdrawn']) expect(states[end]?.Type).toBe('Succeed');
  });
});

describe('step functions', () => {
  it('runs each step as its own function, named by its handler module for the local runner', () => {
    for (const [name, fn] of stepFunctions()) {
      expect(resources[logicalId(fn)]?.Metadata?.['portdesk:handler'], name).toBe(WORKFLOW_HANDLERS[name]);
    }
  });

  it('grants each read-write access to the table and nothing on other tables', () => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.data.table), 'Arn'] };
    for (const [name, fn] of stepFunctions()) {
      const dynamo = statementsOf(fn).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
      expect(actionsOf(dynamo), name).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']));
      for (const s of dynamo) expect(JSON.stringify(s.Resource), name).toContain(JSON.stringify(tableArn));
      expect(resources[logicalId(fn)]?.Properties?.Environment.Variables.TABLE_NAME).toEqual({ Ref: logicalId(stack.data.table) });
    }
  });

  it('lets exactly the outbox-delivering functions start (this machine only) and resume executions; no other function has any Step Functions right', () => {
    // Resuming a waiting step is delivered as an outbox message, so every function that delivers the
    // outbox (writing routes, every step, the scheduled check and dispatcher, the email intake) may
    // start and resume.
    const outbox = new Set<PortDeskFunction>([
      ...ROUTES.filter((r) => r.writes).map((r) => stack.httpApi.routeFunctions.get(r.id)!),
      ...stepFunctions().map(([, fn]) => fn),
      stack.schedules.deadlineCheck,
      stack.schedules.outboxDispatch,
      stack.emailIntake.intakeFunction,
    ]);
    const others = allFunctions().filter((fn) => !outbox.has(fn));
    // Every function of the stack is classified: the outbox's, or the authorizer and the read-only routes.
    expect(new Set(others)).toEqual(
      new Set([stack.httpApi.authorizerFunction, ...ROUTES.filter((r) => !r.writes).map((r) => stack.httpApi.routeFunctions.get(r.id)!)]),
    );
    expect(outbox.size + others.length).toBe(allFunctions().length);

    for (const fn of outbox) {
      const statements = statementsOf(fn);
      const path = fn.node.path;
      expect(actionsOf(statements).filter((a) => a.startsWith('states:')).sort(), path).toEqual(['states:SendTaskSuccess', 'states:StartExecution']);
      expect(withAction(statements, 'states:SendTaskSuccess').map((s) => s.Resource), path).toEqual(['*']);
      expect(withAction(statements, 'states:StartExecution').map((s) => s.Resource), path).toEqual([stateMachineArnFromName()]);
    }
    for (const fn of others) {
      expect(actionsOf(statementsOf(fn)).filter((a) => a.startsWith('states:')), fn.node.path).toEqual([]);
    }
    expect(resources[logicalId(stack.workflow.functions.awaitOrderChange)]?.Properties?.Environment.Variables.WORKFLOW_CALLBACKS).toBe('1');
  });

  it('gives the voice platform URL to the test call only', () => {
    for (const [name, fn] of stepFunctions()) {
      const env = resources[logicalId(fn)]?.Properties?.Environment.Variables;
      if (name === 'placeTestCall') expect(env.VOICE_PLATFORM_URL).toEqual(expect.any(String));
      else expect(env.VOICE_PLATFORM_URL, name).toBeUndefined();
    }
  });

  it('lets the state machine invoke exactly its step functions', () => {
    const role = (stateMachineResource().Properties!.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const invoke = withAction(statementsOfRole(role), 'lambda:InvokeFunction');
    const targets = new Set(invoke.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map((r) => JSON.stringify(r)));
    const expected = new Set(
      stepFunctions().flatMap(([, fn]) => {
        const arn = { 'Fn::GetAtt': [logicalId(fn), 'Arn'] };
        return [JSON.stringify(arn), JSON.stringify({ 'Fn::Join': ['', [arn, ':*']] })];
      }),
    );
    expect(targets).toEqual(expected);
  });
});

describe('the API drives the workflow', () => {
  const stateMachineArnOf = (s: Statement) => JSON.stringify(s.Resource);

  it('lets every route that writes start executions of this state machine only, and resume waiting steps', () => {
    for (const route of ROUTES.filter((r) => r.writes)) {
      const fn = stack.httpApi.routeFunctions.get(route.id)!;
      const statements = statementsOf(fn);
      const start = withAction(statements, 'states:StartExecution');
      expect(start.length, route.id).toBe(1);
      expect(stateMachineArnOf(start[0]!)).toContain(`:stateMachine:${stack.stackName}-order-lifecycle`);
      expect(withAction(statements, 'states:SendTaskSuccess').map((s) => s.Resource), route.id).toEqual(['*']);
      expect(JSON.stringify(resources[logicalId(fn)]?.Properties?.Environment.Variables.STATE_MACHINE_ARN), route.id).toContain(
        `:stateMachine:${stack.stackName}-order-lifecycle`,
      );
    }
  });

  it('gives read-only routes no Step Functions rights and no state machine', () => {
    for (const route of ROUTES.filter((r) => !r.writes)) {
      const fn = stack.httpApi.routeFunctions.get(route.id)!;
      expect(actionsOf(statementsOf(fn)).filter((a) => a.startsWith('states:')), route.id).toEqual([]);
      expect(resources[logicalId(fn)]?.Properties?.Environment.Variables.STATE_MACHINE_ARN, route.id).toBeUndefined();
    }
  });

  it('explains the SendTaskSuccess wildcard where it is granted, in the template too', () => {
    const writer = stack.httpApi.routeFunctions.get(ROUTES.find((r) => r.writes)!.id)!;
    for (const fn of [stack.workflow.functions.awaitOrderChange, writer]) {
      const policy = resources[logicalId(fn.node.findChild('WorkflowSignals'))]!;
      expect(policy.Properties?.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: 'states:SendTaskSuccess', Resource: '*' }]);
      expect(policy.Metadata?.cdk_nag?.rules_to_suppress).toEqual([
        { id: 'AwsSolutions-IAM5[Resource::*]', reason: expect.stringMatching(/SendTaskSuccess has no resource-level permissions/) },
      ]);
    }
  });

  it('passes cdk-nag for everything the workflow adds', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName}: ${r.constructPath}`))
      .filter((f) => f.includes('/Workflow/') || f.includes('/HttpApi/'));
    expect(findings).toEqual([]);
  });
});
