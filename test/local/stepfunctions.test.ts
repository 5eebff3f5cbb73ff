// The local Step Functions stand-in: definitions resolved from a hand-written template shaped like
// CDK's output, Lambda task paths, Retry and Catch, the callback pattern through the real SFNClient,
// StartExecution idempotency, StopExecution, the history, and resume after a restart.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { App, Duration, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Choice, Condition, DefinitionBody, Fail, IntegrationPattern, JsonPath, StateMachine, Succeed, TaskInput, Timeout, Wait, WaitTime } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HANDLER_METADATA_KEY as INFRA_HANDLER_METADATA_KEY } from '../../infra/constructs/lambda-function.ts';
import { createLocalStepFunctions, type LocalStepFunctions } from '../../local/aws/stepfunctions.ts';
import { createAwsStandInServer } from '../../local/aws/server.ts';
import { HANDLER_METADATA_KEY, resolveTemplate, type CfnTemplate } from '../../local/stepfunctions/template.ts';
import { callsTo, nthCall, resetProbe } from './fixtures/stepfunctions/probe.ts';

const REGION = 'ap-southeast-2';
const FIXTURES = fileURLToPath(new URL('./fixtures/stepfunctions', import.meta.url));
const TIME_SCALE = 0.001;

/** A definition written the way CDK synthesizes it: an Fn::Join around GetAtt and Ref tokens. */
function cdkDefinitionString(definition: unknown): unknown {
  const text = JSON.stringify(definition);
  const parts: unknown[] = [];
  let last = 0;
  for (const m of text.matchAll(/@@(ARN|PARTITION|REGION)(?::(\w+))?@@/g)) {
    parts.push(text.slice(last, m.index));
    if (m[1] === 'ARN') parts.push({ 'Fn::GetAtt': [m[2], 'Arn'] });
    else parts.push({ Ref: m[1] === 'PARTITION' ? 'AWS::Partition' : 'AWS::Region' });
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return { 'Fn::Join': ['', parts] };
}

const lambda = (module: string, timeout = 10) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Timeout: timeout, Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
  Metadata: { 'portdesk:handler': module, 'aws:cdk:path': `PortDesk/${module}/Resource` },
});

const LAMBDA_RETRY = {
  ErrorEquals: ['Lambda.ClientExecutionTimeoutException', 'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException'],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
};

const ORDER_DEFINITION = {
  StartAt: 'Submit',
  States: {
    Submit: {
      Type: 'Task',
      Resource: 'arn:@@PARTITION@@:states:::lambda:invoke',
      Parameters: { FunctionName: '@@ARN:SubmitFn@@', 'Payload.$': '$' },
      ResultSelector: { 'result.$': '$.Payload' },
      ResultPath: '$.submit',
      Retry: [LAMBDA_RETRY],
      Next: 'CallCarrier',
    },
    CallCarrier: {
      Type: 'Task',
      Resource: '@@ARN:FlakyFn@@',
      Retry: [{ ErrorEquals: ['CarrierUnavailable'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2, JitterStrategy: 'FULL' }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'RecordFailure' }],
      ResultPath: '$.carrier',
      Next: 'AwaitCarrier',
    },
    AwaitCarrier: {
      Type: 'Task',
      Resource: 'arn:@@PARTITION@@:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: '@@ARN:AwaitCarrierFn@@',
        Payload: {
          'taskToken.$': '$$.Task.Token',
          'orderId.$': '$.orderId',
          'executionName.$': '$$.Execution.Name',
          'startedWith.$': '$$.Execution.Input',
        },
      },
      ResultPath: '$.answer',
      Catch: [{ ErrorEquals: ['CarrierRejected'], ResultPath: '$.failure', Next: 'RecordFailure' }],
      Next: 'Decide',
    },
    Decide: {
      Type: 'Choice',
      Choices: [{ Variable: '$.answer.status', StringEquals: 'completed', Next: 'Completed' }],
      Default: 'RecordFailure',
    },
    Completed: { Type: 'Succeed' },
    RecordFailure: {
      Type: 'Task',
      Resource: 'arn:@@PARTITION@@:states:::lambda:invoke',
      Parameters: { FunctionName: '@@ARN:RecordFailureFn@@', 'Payload.$': '$' },
      ResultPath: null,
      Next: 'Failed',
    },
    Failed: { Type: 'Fail', Error: 'OrderFailed', Cause: 'The order could not be completed' },
  },
};

const MISC_DEFINITION = {
  StartAt: 'Pause',
  States: {
    Pause: { Type: 'Wait', Seconds: 30, Next: 'Describe' },
    Describe: {
      Type: 'Pass',
      Parameters: { 'name.$': '$$.Execution.Name', 'input.$': '$$.Execution.Input', 'machine.$': '$$.StateMachine.Id' },
      ResultPath: '$.context',
      Next: 'Replace',
    },
    Replace: { Type: 'Pass', Result: { replaced: true }, ResultPath: '$', Next: 'Slow' },
    Slow: {
      Type: 'Task',
      Resource: '${SlowArn}',
      Catch: [{ ErrorEquals: ['Sandbox.Timedout'], ResultPath: '$.timeout', Next: 'Done' }],
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

const TEMPLATE: CfnTemplate = {
  Resources: {
    FnRole: { Type: 'AWS::IAM::Role', Properties: {} },
    SubmitFn: lambda('submit'),
    FlakyFn: lambda('flaky'),
    AwaitCarrierFn: lambda('await-carrier'),
    RecordFailureFn: lambda('record-failure'),
    SlowFn: lambda('slow', 0.05),
    OrderLifecycle: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionString: cdkDefinitionString(ORDER_DEFINITION), RoleArn: { 'Fn::GetAtt': ['FnRole', 'Arn'] } },
    },
    Misc: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        StateMachineName: 'portdesk-misc',
        DefinitionString: JSON.stringify(MISC_DEFINITION),
        DefinitionSubstitutions: { SlowArn: { 'Fn::GetAtt': ['SlowFn', 'Arn'] } },
      },
    },
  },
};

interface Running {
  sfn: LocalStepFunctions;
  client: SFNClient;
  stop(): Promise<void>;
}

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portdesk-sfn-'));
  dirs.push(dir);
  return dir;
}

/** The service behind the local AWS stand-in server, and a real SFNClient pointed at it. */
async function serve(dir: string, template: CfnTemplate = TEMPLATE): Promise<Running> {
  const sfn = await createLocalStepFunctions({ template, region: REGION, dataDir: dir, functionsDir: FIXTURES, timeScale: TIME_SCALE, log: () => undefined });
  const server: Server = createAwsStandInServer([sfn.endpoint]);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new SFNClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return {
    sfn,
    client,
    async stop() {
      client.destroy();
      await sfn.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 20, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The top-level path: state names in the order they were entered. */
const entered = (events: HistoryEvent[]) => events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails?.name);
const types = (events: HistoryEvent[]) => events.map((e) => e.type);

async function describe_(client: SFNClient, executionArn: string) {
  return client.send(new DescribeExecutionCommand({ executionArn }));
}

afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('definitions from the template', () => {
  it('resolves the Fn::Join definition with fake ARNs and maps functions to handler modules', () => {
    const { functions, stateMachines } = resolveTemplate(TEMPLATE, { region: REGION });
    expect(functions.get('AwaitCarrierFn')).toMatchObject({
      arn: `arn:aws:lambda:${REGION}:000000000000:function:AwaitCarrierFn`,
      handlerModule: 'await-carrier',
      timeoutSeconds: 10,
    });
    const order = stateMachines.find((m) => m.logicalId === 'OrderLifecycle')!;
    expect(order.arn).toBe(`arn:aws:states:${REGION}:000000000000:stateMachine:OrderLifecycle`);
    const states = order.definition['States'] as Record<string, Record<string, unknown>>;
    expect(states['Submit']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: `arn:aws:lambda:${REGION}:000000000000:function:SubmitFn`, 'Payload.$': '$' },
    });
    expect(states['CallCarrier']!['Resource']).toBe(`arn:aws:lambda:${REGION}:000000000000:function:FlakyFn`);
  });

  it('applies DefinitionSubstitutions and finds machines by logical id or name', async () => {
    const { stateMachines } = resolveTemplate(TEMPLATE, { region: REGION });
    const misc = stateMachines.find((m) => m.logicalId === 'Misc')!;
    expect(misc.name).toBe('portdesk-misc');
    expect((misc.definition['States'] as Record<string, Record<string, unknown>>)['Slow']!['Resource']).toBe(
      `arn:aws:lambda:${REGION}:000000000000:function:SlowFn`,
    );
    const sfn = await createLocalStepFunctions({ template: TEMPLATE, region: REGION, dataDir: await dataDir(), functionsDir: FIXTURES, log: () => undefined });
    expect(sfn.stateMachineArn('portdesk-misc')).toBe(`arn:aws:states:${REGION}:000000000000:stateMachine:Misc`);
    expect(sfn.stateMachineArn('Misc')).toBe(sfn.stateMachineArn('portdesk-misc'));
    expect(() => sfn.stateMachineArn('Nope')).toThrow(/No state machine Nope/);
    await sfn.close();
  });

  it('runs what CDK synthesizes (LambdaInvoke, callback, Wait, 30-day timeouts)', async () => {
    expect(HANDLER_METADATA_KEY).toBe(INFRA_HANDLER_METADATA_KEY);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'SfnLocal');
    const fn = (id: string, module: string) => {
      const f = new LambdaFunction(stack, id, { runtime: Runtime.NODEJS_24_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({})') });
      (f.node.defaultChild as CfnResource).addMetadata(HANDLER_METADATA_KEY, module);
      return f;
    };
    const submit = new LambdaInvoke(stack, 'Submit', { lambdaFunction: fn('SubmitFn', 'submit'), resultSelector: { 'result.$': '$.Payload' }, resultPath: '$.submit' });
    const callCarrier = new LambdaInvoke(stack, 'CallCarrier', { lambdaFunction: fn('FlakyFn', 'flaky'), payloadResponseOnly: true, resultPath: '$.carrier' });
    callCarrier.addRetry({ errors: ['CarrierUnavailable'], interval: Duration.seconds(5), maxAttempts: 2 });
    const awaitCarrier = new LambdaInvoke(stack, 'AwaitCarrier', {
      lambdaFunction: fn('AwaitCarrierFn', 'await-carrier'),
      integrationPattern: IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: TaskInput.fromObject({ taskToken: JsonPath.taskToken, orderId: JsonPath.stringAt('$.orderId') }),
      resultPath: '$.answer',
      taskTimeout: Timeout.duration(Duration.days(30)),
    });
    const definition = submit
      .next(callCarrier)
      .next(new Wait(stack, 'Pause', { time: WaitTime.duration(Duration.seconds(20)) }))
      .next(awaitCarrier)
      .next(new Choice(stack, 'Decide').when(Condition.stringEquals('$.answer.status', 'completed'), new Succeed(stack, 'Completed')).otherwise(new Fail(stack, 'Failed', { error: 'OrderFailed' })));
    new StateMachine(stack, 'Lifecycle', { definitionBody: DefinitionBody.fromChainable(definition), timeout: Duration.days(30) });
    const template = Template.fromStack(stack).toJSON() as CfnTemplate;

    resetProbe();
    const cdk = await serve(await dataDir(), template);
    try {
      const [logicalId] = Object.keys(template.Resources!).filter((id) => template.Resources![id]!.Type === 'AWS::StepFunctions::StateMachine');
      const { executionArn } = await cdk.client.send(new StartExecutionCommand({ stateMachineArn: cdk.sfn.stateMachineArn(logicalId!), input: '{"orderId":"pin_cdk","failTimes":1}' }));
      const { event } = await nthCall('await-carrier', 1);
      await cdk.sfn.whenIdle();
      await cdk.client.send(new SendTaskSuccessCommand({ taskToken: String(event['taskToken']), output: '{"status":"completed"}' }));
      await cdk.sfn.whenIdle();
      const done = await describe_(cdk.client, executionArn!);
      expect(done.status).toBe('SUCCEEDED');
      expect(JSON.parse(done.output!)).toMatchObject({ submit: { result: { submitted: true } }, carrier: { accepted: true, attempt: 2 }, answer: { status: 'completed' } });
      expect(entered(await history(cdk.client, executionArn!))).toEqual(['Submit', 'CallCarrier', 'Pause', 'AwaitCarrier', 'Decide', 'Completed']);
    } finally {
      await cdk.stop();
    }
  }, 60_000); // the first CDK synthesis in a process takes several seconds

  it('refuses at startup a definition that cannot run locally', async () => {
    const bad: CfnTemplate = {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: JSON.stringify({
              StartAt: 'Put',
              States: {
                Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: 't', Item: {} }, Next: 'Call' },
                Call: { Type: 'Task', Resource: `arn:aws:lambda:${REGION}:000000000000:function:Fn`, End: true },
              },
            }),
          },
        },
      },
    };
    await expect(createLocalStepFunctions({ template: bad, region: REGION, dataDir: await dataDir(), log: () => undefined })).rejects.toThrow(
      /dynamodb:putItem is not supported locally[\s\S]*Fn has no "portdesk:handler" metadata/,
    );
  });
});

describe('executions', () => {
  let running: Running;
  let orderArn: string;

  beforeAll(async () => {
    running = await serve(await dataDir());
    orderArn = running.sfn.stateMachineArn('OrderLifecycle');
  });
  afterAll(async () => {
    await running.stop();
  });
  beforeEach(() => resetProbe());

  const start = async (name: string, input: Record<string, unknown>) =>
    (await running.client.send(new StartExecutionCommand({ stateMachineArn: orderArn, name, input: JSON.stringify(input) }))).executionArn!;

  it('runs Lambda tasks, waits for the callback, and completes on SendTaskSuccess', async () => {
    const executionArn = await start('happy', { orderId: 'pin_1' });
    const call = await nthCall('await-carrier', 1);
    await running.sfn.whenIdle();
    expect((await describe_(running.client, executionArn)).status).toBe('RUNNING');

    expect(call.event).toMatchObject({ orderId: 'pin_1', executionName: 'happy', startedWith: { orderId: 'pin_1' } });
    const token = String(call.event['taskToken']);
    expect(token).toMatch(/^AQ[\w-]{64}$/);
    await running.client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await running.client.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ status: 'completed', on: '2026-03-16' }) }));
    await running.sfn.whenIdle();

    const done = await describe_(running.client, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(done.output!)).toEqual({
      orderId: 'pin_1',
      submit: { result: { orderId: 'pin_1', submitted: true } },
      carrier: { accepted: true, attempt: 1 },
      answer: { status: 'completed', on: '2026-03-16' },
    });
    expect(callsTo('submit').map((c) => c.event)).toEqual([{ orderId: 'pin_1' }]);
  });

  it('records the history in order, with the states entered and exited by name', async () => {
    const executionArn = await start('history', { orderId: 'pin_2' });
    const { event } = await nthCall('await-carrier', 1);
    await running.client.send(new SendTaskSuccessCommand({ taskToken: String(event['taskToken']), output: '{"status":"completed"}' }));
    await running.sfn.whenIdle();

    const events = await history(running.client, executionArn);
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited',
      'TaskStateEntered', 'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded', 'TaskStateExited',
      'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'TaskStateExited',
      'ChoiceStateEntered', 'ChoiceStateExited',
      'SucceedStateEntered', 'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(entered(events)).toEqual(['Submit', 'CallCarrier', 'AwaitCarrier', 'Decide', 'Completed']);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.every((e) => e.timestamp instanceof Date)).toBe(true);
    const submitted = events.find((e) => e.type === 'TaskSucceeded')!;
    expect(JSON.parse(submitted.taskSucceededEventDetails!.output!)).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { orderId: 'pin_2', submitted: true },
      StatusCode: 200,
    });
    const reversed = await running.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
    expect(reversed.events?.[0]?.type).toBe('ExecutionSucceeded');
  });

  it('retries a failing Lambda, then goes on when it succeeds', async () => {
    const executionArn = await start('retry-ok', { orderId: 'pin_3', failTimes: 1 });
    await nthCall('await-carrier', 1);
    await running.sfn.whenIdle();
    const events = await history(running.client, executionArn);
    expect(types(events).filter((t) => t?.startsWith('LambdaFunction'))).toEqual([
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed',
      'LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded',
    ]);
    const failed = events.find((e) => e.type === 'LambdaFunctionFailed')!.lambdaFunctionFailedEventDetails!;
    expect(failed.error).toBe('CarrierUnavailable');
    expect(JSON.parse(failed.cause!)).toMatchObject({ errorType: 'CarrierUnavailable', errorMessage: 'carrier down (attempt 1)', trace: expect.any(Array) });
    expect(entered(events)).toEqual(['Submit', 'CallCarrier', 'AwaitCarrier']);
    await running.client.send(new StopExecutionCommand({ executionArn }));
  });

  it('catches the error once the retries are spent and records the failure', async () => {
    const executionArn = await start('retry-exhausted', { orderId: 'pin_4', failTimes: 10 });
    const recorded = await nthCall('record-failure', 1);
    await running.sfn.whenIdle();

    expect(callsTo('flaky')).toHaveLength(3); // the first try and MaxAttempts 2
    const failure = recorded.event['failure'] as { Error: string; Cause: string };
    expect(failure.Error).toBe('CarrierUnavailable');
    expect(JSON.parse(failure.Cause)).toMatchObject({ errorType: 'CarrierUnavailable', errorMessage: 'carrier down (attempt 3)' });

    const done = await describe_(running.client, executionArn);
    expect(done).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'The order could not be completed' });
    const events = await history(running.client, executionArn);
    expect(entered(events)).toEqual(['Submit', 'CallCarrier', 'RecordFailure', 'Failed']);
    expect(types(events).at(-1)).toBe('ExecutionFailed');
    expect(events.at(-1)!.executionFailedEventDetails).toEqual({ error: 'OrderFailed', cause: 'The order could not be completed' });
  });

  it('routes SendTaskFailure to the Catch of the waiting task', async () => {
    const executionArn = await start('rejected', { orderId: 'pin_5' });
    const { event } = await nthCall('await-carrier', 1);
    await running.client.send(new SendTaskFailureCommand({ taskToken: String(event['taskToken']), error: 'CarrierRejected', cause: 'account number mismatch' }));
    const recorded = await nthCall('record-failure', 1);
    await running.sfn.whenIdle();

    expect(recorded.event['failure']).toEqual({ Error: 'CarrierRejected', Cause: 'account number mismatch' });
    expect((await describe_(running.client, executionArn)).status).toBe('FAILED');
    const events = await history(running.client, executionArn);
    expect(entered(events)).toEqual(['Submit', 'CallCarrier', 'AwaitCarrier', 'RecordFailure', 'Failed']);
    expect(events.find((e) => e.type === 'TaskFailed')!.taskFailedEventDetails).toMatchObject({ error: 'CarrierRejected', cause: 'account number mismatch', resource: 'invoke.waitForTaskToken' });
  });

  it('answers a spent task token with TaskTimedOut and a made-up one with InvalidToken', async () => {
    const executionArn = await start('tokens', { orderId: 'pin_6' });
    const token = String((await nthCall('await-carrier', 1)).event['taskToken']);
    await running.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"status":"completed"}' }));
    await running.sfn.whenIdle();
    expect((await describe_(running.client, executionArn)).status).toBe('SUCCEEDED');

    await expect(running.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(running.client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toBeInstanceOf(TaskTimedOut);
    await expect(running.client.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' }))).rejects.toBeInstanceOf(InvalidToken);
    await expect(running.client.send(new SendTaskFailureCommand({ taskToken: `AQ${'x'.repeat(64)}` }))).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it('starts an execution name once: the same input again is the same execution, another input is refused', async () => {
    const input = JSON.stringify({ orderId: 'pin_7' });
    const first = await running.client.send(new StartExecutionCommand({ stateMachineArn: orderArn, name: 'pin_7', input }));
    const again = await running.client.send(new StartExecutionCommand({ stateMachineArn: orderArn, name: 'pin_7', input }));
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(first.executionArn).toBe(`arn:aws:states:${REGION}:000000000000:execution:OrderLifecycle:pin_7`);

    const other = running.client.send(new StartExecutionCommand({ stateMachineArn: orderArn, name: 'pin_7', input: JSON.stringify({ orderId: 'other' }) }));
    await expect(other).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const unknown = running.client.send(new StartExecutionCommand({ stateMachineArn: orderArn.replace('OrderLifecycle', 'Nope'), input }));
    await expect(unknown).rejects.toBeInstanceOf(StateMachineDoesNotExist);

    await nthCall('await-carrier', 1);
    expect(callsTo('submit')).toHaveLength(1);
    await running.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    // A finished execution keeps its name: starting it again is refused, as in AWS.
    await expect(running.client.send(new StartExecutionCommand({ stateMachineArn: orderArn, name: 'pin_7', input }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('stops an execution: ABORTED, the wait dropped, its token spent', async () => {
    const executionArn = await start('stopped', { orderId: 'pin_8' });
    const token = String((await nthCall('await-carrier', 1)).event['taskToken']);
    await running.sfn.whenIdle();
    const stopped = await running.client.send(new StopExecutionCommand({ executionArn, error: 'Cancelled', cause: 'customer cancelled' }));
    expect(stopped.stopDate).toBeInstanceOf(Date);
    await running.sfn.whenIdle();

    expect(await describe_(running.client, executionArn)).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'customer cancelled' });
    await expect(running.client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    const events = await history(running.client, executionArn);
    expect(types(events).at(-1)).toBe('ExecutionAborted');
    expect(entered(events)).toEqual(['Submit', 'CallCarrier', 'AwaitCarrier']);
    expect(callsTo('record-failure')).toHaveLength(0);

    const aborted = await running.client.send(new ListExecutionsCommand({ stateMachineArn: orderArn, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toContain('stopped');
    expect(aborted.executions?.every((e) => e.status === 'ABORTED')).toBe(true);
  });

  it('lists executions newest first, by page', async () => {
    const all = await running.client.send(new ListExecutionsCommand({ stateMachineArn: orderArn }));
    const names = all.executions!.map((e) => e.name);
    expect(names.length).toBeGreaterThanOrEqual(5);
    const first = await running.client.send(new ListExecutionsCommand({ stateMachineArn: orderArn, maxResults: 2 }));
    const second = await running.client.send(new ListExecutionsCommand({ stateMachineArn: orderArn, maxResults: 2, nextToken: first.nextToken }));
    expect([...first.executions!, ...second.executions!].map((e) => e.name)).toEqual(names.slice(0, 4));
    const starts = all.executions!.map((e) => e.startDate!.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it('runs Wait (scaled), the context object, ResultPath "$" and a Lambda timeout caught by name', async () => {
    const miscArn = running.sfn.stateMachineArn('portdesk-misc');
    const { executionArn } = await running.client.send(new StartExecutionCommand({ stateMachineArn: miscArn, name: 'misc', input: '{"n":1}' }));
    await nthCall('slow', 1);
    await running.sfn.whenIdle();

    const done = await describe_(running.client, executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output!) as { replaced: boolean; timeout: { Error: string; Cause: string } };
    expect(output.replaced).toBe(true);
    expect(output.timeout.Error).toBe('Sandbox.Timedout');
    expect(JSON.parse(output.timeout.Cause).errorMessage).toMatch(/Task timed out after 0\.05 seconds/);
    const events = await history(running.client, executionArn!);
    expect(entered(events)).toEqual(['Pause', 'Describe', 'Replace', 'Slow', 'Done']);
    expect(types(events)).toContain('WaitStateExited');
    const described = events.find((e) => e.type === 'PassStateExited' && e.stateExitedEventDetails?.name === 'Describe')!;
    expect(JSON.parse(described.stateExitedEventDetails!.output!)).toEqual({ n: 1, context: { name: 'misc', input: { n: 1 }, machine: miscArn } });
  });
});

describe('persistence', () => {
  beforeEach(() => resetProbe());
  const running: Running[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
  });

  it('resumes a waiting execution after a restart: the task runs again with a new token', async () => {
    const dir = await dataDir();
    const first = await serve(dir);
    running.push(first);
    const orderArn = first.sfn.stateMachineArn('OrderLifecycle');
    const { executionArn } = await first.client.send(new StartExecutionCommand({ stateMachineArn: orderArn, name: 'survivor', input: '{"orderId":"pin_9"}' }));
    const oldToken = String((await nthCall('await-carrier', 1)).event['taskToken']);
    await first.sfn.whenIdle();
    await first.stop();
    running.length = 0;
    expect((await readdir(join(dir, 'executions'))).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    const second = await serve(dir);
    running.push(second);
    const resumed = await nthCall('await-carrier', 2);
    await second.sfn.whenIdle();
    const newToken = String(resumed.event['taskToken']);
    expect(newToken).not.toBe(oldToken);
    // $$.Execution.Input is the execution's input, not the checkpoint's.
    expect(resumed.event).toMatchObject({ orderId: 'pin_9', executionName: 'survivor' });
    expect(resumed.event['startedWith']).toEqual({ orderId: 'pin_9' });
    expect(callsTo('submit')).toHaveLength(1); // earlier states are not run again
    expect((await describe_(second.client, executionArn!)).status).toBe('RUNNING');

    await expect(second.client.send(new SendTaskSuccessCommand({ taskToken: oldToken, output: '{}' }))).rejects.toBeInstanceOf(TaskTimedOut);
    await second.client.send(new SendTaskSuccessCommand({ taskToken: newToken, output: '{"status":"completed"}' }));
    await second.sfn.whenIdle();

    const done = await describe_(second.client, executionArn!);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!).answer).toEqual({ status: 'completed' });
    const events = await history(second.client, executionArn!);
    expect(entered(events)).toEqual(['Submit', 'CallCarrier', 'AwaitCarrier', 'Decide', 'Completed']);
    expect(types(events).filter((t) => t === 'TaskScheduled')).toHaveLength(3); // Submit, and AwaitCarrier twice
  });

  it('keeps finished executions across a restart', async () => {
    const dir = await dataDir();
    const first = await serve(dir);
    running.push(first);
    const miscArn = first.sfn.stateMachineArn('Misc');
    const { executionArn } = await first.client.send(new StartExecutionCommand({ stateMachineArn: miscArn, name: 'kept' }));
    await nthCall('slow', 1);
    await first.sfn.whenIdle();
    await first.stop();
    running.length = 0;

    const second = await serve(dir);
    running.push(second);
    await second.sfn.whenIdle();
    expect((await describe_(second.client, executionArn!)).status).toBe('SUCCEEDED');
    expect(callsTo('slow')).toHaveLength(1);
    await expect(second.client.send(new StartExecutionCommand({ stateMachineArn: miscArn, name: 'kept' }))).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });
});
