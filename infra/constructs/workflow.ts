// The lifecycle of one port-in order as a Standard Step Functions workflow, from `submitted` to a
// final state. Its states are the business steps; each task is a small Lambda (functions/workflow/)
// running one use case of shared/app/use-cases/workflow.ts.
//
//   SubmitToCarrier -> WaitForCarrierAnswer -> RouteOrderChange, by what the order became:
//     submitted  -> SubmitToCarrier (the resubmission after a rejection)
//     rejected   -> NotifyRejection -> WaitForResubmission -> RouteOrderChange
//     scheduled  -> NotifyTransferDate -> WaitForCompletion -> RouteOrderChange (a changed date comes back here)
//     completed  -> ActivateNumbers -> FrenchOrder? (PlaceTestCall -> SettleTemporaryNumber) -> NotifyCompletion -> Completed
//     cancelled  -> NotifyCancellation -> Cancelled;  withdrawn -> NotifyWithdrawal -> Withdrawn
//     otherwise  -> UnexpectedStatus -> RecordException -> OrderException
//
// Waits use the callback pattern (.waitForTaskToken) with the token stored beside the order: the
// API's commands resume them. Waits have no timeout and no heartbeat: the scheduled check owns time
// (a missed resubmission deadline withdraws the order, which resumes the wait). Every task retries
// transient errors with exponential backoff and full jitter; any error left lands in RecordException
// (the order shows the exception, the operator gets an email), then the execution fails.
//
// JSONPath only (the local runner interprets JSONPath ASL: no JSONata, no Assign, never
// `ResultPath: "$"`). State data: `{ orderId }` plus each step's result under its own key.
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  Pass,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  type IChainable,
  type INextable,
  type RetryProps,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PortDeskFunction } from './lambda-function.ts';

/** The state names: the business steps (also what the local runner and the execution history show). */
export const WORKFLOW_STATES = {
  submitToCarrier: 'SubmitToCarrier',
  waitForCarrierAnswer: 'WaitForCarrierAnswer',
  routeOrderChange: 'RouteOrderChange',
  notifyRejection: 'NotifyRejection',
  waitForResubmission: 'WaitForResubmission',
  notifyTransferDate: 'NotifyTransferDate',
  waitForCompletion: 'WaitForCompletion',
  activateNumbers: 'ActivateNumbers',
  frenchOrder: 'FrenchOrder',
  placeTestCall: 'PlaceTestCall',
  settleTemporaryNumber: 'SettleTemporaryNumber',
  notifyCompletion: 'NotifyCompletion',
  completed: 'Completed',
  notifyCancellation: 'NotifyCancellation',
  cancelled: 'Cancelled',
  notifyWithdrawal: 'NotifyWithdrawal',
  withdrawn: 'Withdrawn',
  unexpectedStatus: 'UnexpectedStatus',
  recordException: 'RecordException',
  orderException: 'OrderException',
} as const;

/** Errors worth retrying: Lambda's own service errors and the steps' `TransientError`. */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'TransientError',
] as const;

/** 2 s, 4 s, 8 s … capped at 60 s, each drawn at random below that (full jitter), 5 retries. */
export const TRANSIENT_RETRY: RetryProps = {
  errors: [...TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 5,
  maxDelay: Duration.seconds(60),
  jitterStrategy: JitterType.FULL,
};

/** Step Lambdas by handler module under functions/. */
export const WORKFLOW_HANDLERS = {
  submitToCarrier: 'workflow/submit-to-carrier',
  awaitOrderChange: 'workflow/await-order-change',
  notify: 'workflow/notify',
  activateNumbers: 'workflow/activate-numbers',
  placeTestCall: 'workflow/place-test-call',
  settleTemporaryNumber: 'workflow/settle-temporary-number',
  recordException: 'workflow/record-exception',
} as const;
export type WorkflowStepFunction = keyof typeof WORKFLOW_HANDLERS;

/** What sending outbox messages needs (SES from our identity, the bus, workflow signals, settings): PortDeskMessaging. */
export interface OutboxGrants {
  grantOutbox(fn: PortDeskFunction): void;
}

export interface PortDeskWorkflowProps {
  table: ITable;
  /** Fixed name: the API's functions get the machine's ARN built from it (no dependency cycle). */
  stateMachineName: string;
  /** Every step may send email through the outbox (the notices, the carrier submission, the operator's emails). */
  outbox: OutboxGrants;
  /** VOICE_PLATFORM_URL for PlaceTestCall: our voice platform's API (`POST <url>/test-calls`). */
  voicePlatformUrl: string;
}

/**
 * Lets a function drive the workflow: SendTaskSuccess to resume waiting steps and, when given the
 * machine's ARN, StartExecution on that machine only. A policy of its own, so that its Resource *
 * carries its own reviewed reason (the role's Resource * is acknowledged for X-Ray already).
 */
export function grantWorkflowSignals(fn: PortDeskFunction, stateMachineArn?: string): Policy {
  const statements = [new PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: ['*'] })];
  if (stateMachineArn !== undefined) {
    statements.push(new PolicyStatement({ actions: ['states:StartExecution'], resources: [stateMachineArn] }));
  }
  const policy = new Policy(fn, 'WorkflowSignals', { statements, roles: [fn.serviceRole] });
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'states:SendTaskSuccess has no resource-level permissions (the task token names the execution), so resuming a waiting step needs Resource *.',
  });
  return policy;
}

export class PortDeskWorkflow extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  /** The step functions, by use case. */
  readonly functions: Readonly<Record<WorkflowStepFunction, PortDeskFunction>>;

  constructor(scope: Construct, id: string, props: PortDeskWorkflowProps) {
    super(scope, id);
    const S = WORKFLOW_STATES;

    const fn = (name: WorkflowStepFunction, description: string, extra: { timeout?: Duration; environment?: Record<string, string> } = {}) => {
      const f = new PortDeskFunction(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`, {
        handlerModule: WORKFLOW_HANDLERS[name],
        description: `Order workflow: ${description}`,
        timeout: extra.timeout,
        environment: extra.environment,
      }).useTable(props.table, 'read-write');
      props.outbox.grantOutbox(f);
      return f;
    };
    const functions: Record<WorkflowStepFunction, PortDeskFunction> = {
      // The carrier's webhook may take up to 10 s, then the submission email is tried at once.
      submitToCarrier: fn('submitToCarrier', 'submit the order to the losing carrier (email and/or webhook)', { timeout: Duration.seconds(29) }),
      // Resumes itself when the order moved on before the wait was stored.
      awaitOrderChange: fn('awaitOrderChange', 'store the task token of a waiting step', { environment: { WORKFLOW_CALLBACKS: '1' } }),
      notify: fn('notify', 'tell the customer (rejection, transfer date, completion, cancellation, withdrawal)'),
      activateNumbers: fn('activateNumbers', 'check and activate the ported numbers in the inventory'),
      // A test call rings for up to ~30 s; the voice platform answers after it rang out.
      placeTestCall: fn('placeTestCall', 'FR test call to the ported number', { timeout: Duration.seconds(60), environment: { VOICE_PLATFORM_URL: props.voicePlatformUrl } }),
      settleTemporaryNumber: fn('settleTemporaryNumber', 'FR: release or keep the temporary number'),
      recordException: fn('recordException', 'record a failed step on the order and tell the operator'),
    };
    this.functions = functions;

    // ---- states -----------------------------------------------------------------------------------
    const orderId = JsonPath.stringAt('$.orderId');
    const orderTask = (stateName: string, f: PortDeskFunction, resultPath: string, comment: string, payload: Record<string, unknown> = {}) =>
      new LambdaInvoke(this, stateName, {
        stateName,
        comment,
        lambdaFunction: f,
        payload: TaskInput.fromObject({ orderId, ...payload }),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        resultPath,
      });
    const waitTask = (stateName: string, expectedPath: string, comment: string) =>
      new LambdaInvoke(this, stateName, {
        stateName,
        comment,
        lambdaFunction: functions.awaitOrderChange,
        integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: TaskInput.fromObject({ orderId, taskToken: JsonPath.taskToken, step: stateName, expected: JsonPath.objectAt(expectedPath) }),
        retryOnServiceExceptions: false,
        // What the order became (WorkflowResume: orderId, status, transferDate, market).
        resultPath: '$.change',
      });
    const notice = (stateName: string, kind: string, comment: string) =>
      orderTask(stateName, functions.notify, '$.notified', comment, { notice: kind });

    const submitToCarrier = orderTask(S.submitToCarrier, functions.submitToCarrier, '$.submission', 'Send the order to the losing carrier by email and/or webhook');
    const waitForCarrierAnswer = waitTask(S.waitForCarrierAnswer, '$.submission.expected', 'Until the carrier rejects, gives a transfer date or completes (or the order is cancelled)');
    const notifyRejection = notice(S.notifyRejection, 'rejection', 'Tell the submitter the carrier rejected the order and how to resubmit');
    const waitForResubmission = waitTask(S.waitForResubmission, '$.notified.expected', 'Until the customer resubmits, cancels, or the deadline passes (withdrawn)');
    const notifyTransferDate = notice(S.notifyTransferDate, 'transfer_date', 'Tell the customer the transfer date (again when it changes)');
    const waitForCompletion = waitTask(S.waitForCompletion, '$.notified.expected', 'Until the carrier completes, changes the date or rejects (or the order is cancelled)');
    const activateNumbers = orderTask(S.activateNumbers, functions.activateNumbers, '$.activation', 'Check the numbers are active in the inventory; activate any that is not');
    const placeTestCall = orderTask(S.placeTestCall, functions.placeTestCall, '$.testCall', 'FR: call the ported number from our test line');
    const settleTemporaryNumber = orderTask(S.settleTemporaryNumber, functions.settleTemporaryNumber, '$.temporaryNumber', 'FR: release the temporary number, or keep it as a virtual number');
    const notifyCompletion = notice(S.notifyCompletion, 'completion', 'Tell the customer the port is complete');
    const notifyCancellation = notice(S.notifyCancellation, 'cancellation', 'Tell the customer the order is cancelled');
    const notifyWithdrawal = notice(S.notifyWithdrawal, 'withdrawal', 'Tell the customer the order is withdrawn');
    const recordException = orderTask(S.recordException, functions.recordException, '$.exception', 'Show the failure on the order and email the operator', {
      failure: JsonPath.objectAt('$.failure'),
    });
    const orderException = new Fail(this, S.orderException, {
      stateName: S.orderException,
      comment: 'A step kept failing: the order shows the exception for an operator',
      error: 'OrderException',
      cause: 'A workflow step kept failing; the order shows the exception and the operator was emailed.',
    });
    const unexpectedStatus = new Pass(this, S.unexpectedStatus, {
      stateName: S.unexpectedStatus,
      comment: 'The order took a turn the workflow does not handle: hand it to an operator',
      parameters: {
        Error: 'UnexpectedStatus',
        Cause: JsonPath.format('The order became {}, which the workflow does not expect while it waits.', JsonPath.stringAt('$.change.status')),
      },
      resultPath: `$.failure.${S.unexpectedStatus}`,
    });

    const tasks: [string, LambdaInvoke][] = [
      [S.submitToCarrier, submitToCarrier],
      [S.waitForCarrierAnswer, waitForCarrierAnswer],
      [S.notifyRejection, notifyRejection],
      [S.waitForResubmission, waitForResubmission],
      [S.notifyTransferDate, notifyTransferDate],
      [S.waitForCompletion, waitForCompletion],
      [S.activateNumbers, activateNumbers],
      [S.placeTestCall, placeTestCall],
      [S.settleTemporaryNumber, settleTemporaryNumber],
      [S.notifyCompletion, notifyCompletion],
      [S.notifyCancellation, notifyCancellation],
      [S.notifyWithdrawal, notifyWithdrawal],
    ];
    for (const [stateName, task] of tasks) {
      task.addRetry(TRANSIENT_RETRY);
      // Keyed by the failed state (`{ "<state>": { Error, Cause } }`), so RecordException knows which step failed.
      task.addCatch(recordException, { errors: [Errors.ALL], resultPath: `$.failure.${stateName}` });
    }
    recordException.addRetry(TRANSIENT_RETRY);
    recordException.addCatch(orderException, { errors: [Errors.ALL], resultPath: `$.failure.${S.recordException}` });

    // ---- transitions ------------------------------------------------------------------------------
    const routeOrderChange = new Choice(this, S.routeOrderChange, {
      stateName: S.routeOrderChange,
      comment: 'Whatever the order became, go to the step that handles it (a late or repeated signal never strands it)',
    });
    const onStatus = (status: string, next: IChainable) => routeOrderChange.when(Condition.stringEquals('$.change.status', status), next);
    onStatus('submitted', submitToCarrier);
    onStatus('rejected', notifyRejection);
    onStatus('scheduled', notifyTransferDate);
    onStatus('completed', activateNumbers);
    onStatus('cancelled', notifyCancellation);
    onStatus('withdrawn', notifyWithdrawal);
    routeOrderChange.otherwise(unexpectedStatus);

    const then = (state: INextable, next: IChainable) => state.next(next);
    then(submitToCarrier, waitForCarrierAnswer);
    then(waitForCarrierAnswer, routeOrderChange);
    then(notifyRejection, waitForResubmission);
    then(waitForResubmission, routeOrderChange);
    then(notifyTransferDate, waitForCompletion);
    then(waitForCompletion, routeOrderChange);
    const frenchOrder = new Choice(this, S.frenchOrder, { stateName: S.frenchOrder, comment: 'FR orders get a test call and settle their temporary number' })
      .when(Condition.stringEquals('$.activation.market', 'FR'), placeTestCall)
      .otherwise(notifyCompletion);
    then(activateNumbers, frenchOrder);
    then(placeTestCall, settleTemporaryNumber);
    then(settleTemporaryNumber, notifyCompletion);
    then(notifyCompletion, new Succeed(this, S.completed, { stateName: S.completed, comment: 'Ported in' }));
    then(notifyCancellation, new Succeed(this, S.cancelled, { stateName: S.cancelled, comment: 'Cancelled by the customer or an operator' }));
    then(notifyWithdrawal, new Succeed(this, S.withdrawn, { stateName: S.withdrawn, comment: 'Rejected twice, or the resubmission deadline passed' }));
    then(unexpectedStatus, recordException);
    then(recordException, orderException);

    // ---- the machine ------------------------------------------------------------------------------
    const stack = Stack.of(this);
    // Step Functions writes through CloudWatch Logs' vended-log delivery: the /aws/vendedlogs/ prefix
    // keeps its resource policy from growing with every log group. Named, so it goes with the stack
    // (a retained group of that name would block the next deployment of the stack).
    this.logGroup = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      comment: 'PortDesk: the lifecycle of one port-in order, from submitted to a final state',
      definitionBody: DefinitionBody.fromChainable(submitToCarrier),
      tracingEnabled: true,
      // Every event, without execution data: the input is an order id, but step results may carry
      // personal data (numbers, dates tied to a customer), so only ids and state names are logged.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });

    const role = this.stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions logging (logs:CreateLogDelivery and related vended-log actions) and X-Ray tracing support no resource-level permissions, so they need Resource *.',
    });
    for (const f of Object.values(functions)) {
      const logicalId = stack.getLogicalId(f.node.defaultChild as CfnElement);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: 'The invoke grant covers the step function and its versions (<function arn>:*): it is this workflow\'s own function.',
      });
    }
  }

  get stateMachineArn(): string {
    return this.stateMachine.stateMachineArn;
  }
}
