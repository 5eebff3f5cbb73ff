// Local runtime only: the Step Functions engine behind the local stand-in (local/aws/stepfunctions.ts).
//
// What it does
// - Runs each execution of a state machine from the synthesized template with aws-local-stepfunctions
//   3 (the ASL interpreter: Choice, Pass, Parallel, Map, Succeed, Fail, InputPath, Parameters,
//   ResultSelector, ResultPath, OutputPath, intrinsic functions, Retry with IntervalSeconds,
//   BackoffRate, MaxDelaySeconds and JitterStrategy, Catch, Task TimeoutSeconds, the context object).
// - Task states are overridden by state name and run here, in process: `lambda:invoke` (the result is
//   `{ ExecutedVersion, Payload, StatusCode: 200 }`), a function ARN as Resource (the result is the
//   handler's), and `lambda:invoke.waitForTaskToken` (invoke, then wait for SendTaskSuccess/Failure).
//   A handler that throws fails the task with its error name as States error and Lambda's
//   `{"errorMessage","errorType","trace"}` as Cause; its function's Timeout gives `Sandbox.Timedout`.
// - Emulated where the interpreter lacks or mishandles something: `$$.Task.Token` (a fresh, unguessable
//   token per waiting task), HeartbeatSeconds and SendTaskHeartbeat, the Task timeout (the interpreter's
//   default of 60 s is replaced by the state's own, else none), Wait states (run by the engine: scaled
//   by `timeScale`, resumable, longer than setTimeout's 24.8 days), `ResultPath: "$"`, the top-level
//   TimeoutSeconds (counted from the start date, across restarts), `$$.Execution.*` (right after a
//   resume too), Retry delays scaled by `timeScale`, and an AWS-shaped execution history.
// - Persistence: each execution is a JSON file (written atomically at every history event, so at every
//   state entry) holding its status, result, history and checkpoint: the top-level state being run and
//   that state's raw input. At start, every RUNNING execution is resumed by running the definition with
//   StartAt set to the checkpointed state and the checkpointed input.
//
// Tasks must be idempotent (PortDesk's are): a resume runs the checkpointed state again (a waiting task
// is invoked again and gets a NEW token; the old one then answers TaskTimedOut, as a spent token does
// in AWS), and Retry runs a failed task again, as in AWS.
//
// Limits: JSONPath only (no JSONata, no Assign variables); Task resources other than Lambda are refused
// at startup; `$$.State.*` is not provided; a resume from a checkpoint inside Parallel/Map reruns the
// whole Parallel/Map state; a retry backoff is not persisted (a restart retries at once); a task
// TimeoutSeconds restarts on resume; a callback wait still open after about 24.8 days of uptime is
// restarted from its checkpoint (new token), as a resume would; TimeoutSecondsPath values above 24.8
// days are not supported; no Express-workflow semantics, no redrive, no versions or aliases.
import { randomBytes, randomUUID } from 'node:crypto';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  EXECUTION_CONTEXT_KEY,
  MAX_TIMER_MS,
  findFunction,
  prepareDefinition,
  readReferencePath,
  replaceInStrings,
  type Json,
  type JsonObject,
  type PreparedDefinition,
  type TaskSpec,
  type WaitSpec,
} from './asl.ts';
import { LocalLambdas, lambdaCause, moduleHandlerLoader, type HandlerLoader, type LambdaOutcome } from './lambda.ts';
import { ExecutionStore, hashToken, type ExecutionRecord, type ExecutionStatus, type HistoryEntry } from './store.ts';
import { resolveTemplate, type CfnTemplate, type LocalFunction, type LocalStateMachineSpec } from './template.ts';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface LocalStepFunctionsOptions {
  /** The synthesized CloudFormation template (e.g. `Template.fromStack(stack).toJSON()`). */
  template: CfnTemplate | Record<string, unknown>;
  region: string;
  /** Executions are kept in `<dataDir>/executions/*.json`. */
  dataDir: string;
  /** Loads a handler module (path under functions/, no extension); default imports `<functionsDir>/<module>.ts`. */
  loadHandler?: HandlerLoader;
  /** Where the default loader finds handler modules; default `<repo>/functions`. */
  functionsDir?: string;
  /** Multiplies Retry intervals and Wait state durations (e.g. 0.001 in tests); default 1. */
  timeScale?: number;
  accountId?: string;
  stackName?: string;
  log?: (line: LogLine) => void;
}

/** An error the Step Functions API answers with (`type` becomes `__type`). */
export class SfnApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** A States error for the interpreter: Retry and Catch match on `name`; Cause is `message`. */
class StatesError extends Error {
  readonly isRetryable: boolean;
  readonly isCatchable: boolean;
  constructor(name: string, cause: string, recoverable = true) {
    super(cause);
    this.name = name;
    this.isRetryable = recoverable;
    this.isCatchable = recoverable;
  }
}

/** Ends a task of an execution being stopped or suspended; never retried or caught. */
class HaltedError extends StatesError {
  constructor() {
    super('PortDeskLocal.Halted', 'The execution was halted', false);
  }
}

/** What `$$.Task.Token` evaluates to; each waiting task replaces it with its own token. */
const TOKEN_MARKER = `PortDeskLocalTaskToken-${randomUUID()}`;
const TOKEN_FORMAT = /^AQ[A-Za-z0-9_-]{64}$/;
const LOCAL_ROLE = 'arn:aws:iam::000000000000:role/portdesk-local-stepfunctions';
/** A wait longer than the interpreter's timer ceiling is restarted from its checkpoint this long before it. */
const RECYCLE_MARGIN_MS = 60_000;
const MAX_INPUT_BYTES = 256 * 1024;
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const STATE_MACHINE_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[\w-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
const STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

type LibraryRun = ReturnType<StateMachine['run']>;
type LibraryEvent = LibraryRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type TaskHandler = (input: Json) => Promise<Json>;

interface Timer {
  cancel(): void;
}

/** setTimeout for any delay (chained below Node's 24.8-day ceiling). */
function timerAt(atMs: number, fire: () => void, unref = false): Timer {
  let handle: NodeJS.Timeout | undefined;
  const arm = () => {
    const remaining = atMs - Date.now();
    if (remaining <= 0) {
      fire();
      return;
    }
    handle = setTimeout(arm, Math.min(remaining, MAX_TIMER_MS));
    if (unref) handle.unref();
  };
  handle = setTimeout(arm, 0);
  if (unref) handle.unref();
  return { cancel: () => clearTimeout(handle) };
}

/** One run of a task state: settled once, by the handler, a callback, a timer or a halt. */
class Attempt {
  settled = false;
  /** In a callback wait or a Wait state (not doing work). */
  waiting = false;
  token: string | undefined;
  heartbeatMs: number | undefined;
  readonly timers = new Set<Timer>();
  readonly result: Promise<Json>;
  private resolveResult!: (value: Json) => void;
  private rejectResult!: (error: Error) => void;

  constructor(
    readonly spec: TaskSpec,
    private readonly onSettled: (attempt: Attempt) => void,
  ) {
    this.result = new Promise<Json>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The interpreter may have stopped listening (timeout, halt): never an unhandled rejection.
    this.result.catch(() => undefined);
  }

  addTimer(timer: Timer): void {
    this.timers.add(timer);
  }

  succeed(value: Json): boolean {
    if (this.settled) return false;
    this.settle();
    this.resolveResult(value);
    return true;
  }

  fail(error: Error): boolean {
    if (this.settled) return false;
    this.settle();
    this.rejectResult(error);
    return true;
  }

  private settle(): void {
    this.settled = true;
    this.waiting = false;
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.onSettled(this);
  }
}

/** One interpreter run of an execution: from its start, or resumed from a checkpoint. */
interface Segment {
  halted: boolean;
  run: LibraryRun | undefined;
  done: Promise<void>;
  /** A resumed segment does not record its first state entry again. */
  suppressEntered: string | undefined;
  /** A resumed Wait state keeps the end it had. */
  resumeWait: { state: string; until: number } | undefined;
  attempts: Set<Attempt>;
}

interface Execution {
  record: ExecutionRecord;
  machine: MachineRuntime | undefined;
  segment: Segment | undefined;
  timeout: Timer | undefined;
  recycling: boolean;
}

interface LiveToken {
  execution: Execution;
  attempt: Attempt;
}

class MachineRuntime {
  readonly prepared: PreparedDefinition;
  private readonly variants = new Map<string, StateMachine>();

  constructor(
    readonly spec: LocalStateMachineSpec,
    functions: ReadonlyMap<string, LocalFunction>,
    timeScale: number,
  ) {
    try {
      // The library validates the definition as written (ASL schema, JSONPaths, ARNs).
      new StateMachine(spec.definition as unknown as StateMachineDefinition);
      this.prepared = prepareDefinition(spec.definition, { functions, timeScale });
    } catch (error) {
      throw new Error(`State machine ${spec.logicalId}: ${(error as Error).message}`);
    }
  }

  /** The prepared definition starting at `startAt` (a resume starts at the checkpointed state). */
  interpreterFor(startAt: string): StateMachine {
    let machine = this.variants.get(startAt);
    if (!machine) {
      const definition = { ...this.prepared.definition, StartAt: startAt };
      machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });
      this.variants.set(startAt, machine);
    }
    return machine;
  }
}

const defaultLog = (line: LogLine) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), service: 'states', ...line })}\n`);
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const toJsonText = (value: Json | undefined): string => JSON.stringify(value ?? null);

/** Parses a JSON document the API received; undefined when it is not JSON. */
function parseJson(text: string): { value: Json } | undefined {
  try {
    return { value: JSON.parse(text) as Json };
  } catch {
    return undefined;
  }
}

function pageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
}

function readPageToken(token: unknown): number {
  if (token === undefined || token === null) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { offset?: unknown };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw new SfnApiError('InvalidToken', `Invalid Token: '${String(token)}'`);
}

function pageSize(maxResults: unknown, fallback: number, max: number): number {
  if (maxResults === undefined || maxResults === null || maxResults === 0) return fallback;
  if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 0 || maxResults > max) {
    throw new SfnApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(maxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return maxResults;
}

export class LocalStepFunctionsEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly machines = new Map<string, MachineRuntime>();
  private readonly executions = new Map<string, Execution>();
  private readonly liveTokens = new Map<string, LiveToken>();
  /** SHA-256 of every token ever issued, to tell a spent token from a made-up one. */
  private readonly issuedTokens = new Set<string>();
  private readonly lambdas: LocalLambdas;
  private readonly store: ExecutionStore;
  private readonly functions: ReadonlyMap<string, LocalFunction>;
  private readonly timeScale: number;
  private readonly log: (line: LogLine) => void;
  private idleWaiters: (() => void)[] = [];
  private checkingIdle = false;
  private closed = false;

  constructor(options: LocalStepFunctionsOptions) {
    this.region = options.region;
    this.log = options.log ?? defaultLog;
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0) || !Number.isFinite(this.timeScale)) throw new Error('timeScale must be a positive number');
    const resolved = resolveTemplate(options.template as CfnTemplate, {
      region: options.region,
      ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
      ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
    });
    this.accountId = options.accountId ?? '000000000000';
    this.functions = resolved.functions;
    for (const spec of resolved.stateMachines) this.machines.set(spec.logicalId, new MachineRuntime(spec, resolved.functions, this.timeScale));
    this.lambdas = new LocalLambdas(options.loadHandler ?? moduleHandlerLoader(options.functionsDir));
    this.store = new ExecutionStore(options.dataDir, (msg, error) => this.log({ level: 'error', msg, error: errorText(error) }));
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  /** Loads the stored executions and resumes every one that was running. */
  async start(): Promise<void> {
    const records = await this.store.loadAll();
    records.sort((a, b) => a.startDate.localeCompare(b.startDate));
    for (const record of records) {
      for (const hash of record.tokenHashes) this.issuedTokens.add(hash);
      const execution: Execution = { record, machine: this.machines.get(record.stateMachine), segment: undefined, timeout: undefined, recycling: false };
      this.executions.set(record.executionArn, execution);
    }
    for (const execution of this.executions.values()) {
      if (execution.record.status !== 'RUNNING') continue;
      this.log({ level: 'info', msg: 'resuming execution', executionArn: execution.record.executionArn, state: execution.record.checkpoint?.state ?? null });
      this.armExecutionTimeout(execution);
      if (execution.record.status === 'RUNNING') this.resume(execution);
    }
  }

  /** Suspends every running execution (they stay RUNNING on disk and resume at the next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const halted: Promise<void>[] = [];
    for (const execution of this.executions.values()) {
      execution.timeout?.cancel();
      if (execution.record.status === 'RUNNING') halted.push(this.halt(execution));
    }
    await Promise.all(halted);
    await Promise.allSettled([...this.lambdas.inFlight]);
    await this.store.flush();
    this.releaseIdleWaiters();
  }

  /** Resolves when no execution is doing work: each running one waits for a callback or in a Wait state. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }

  stateMachineArn(logicalIdOrName: string): string {
    const machine = this.machines.get(logicalIdOrName) ?? [...this.machines.values()].find((m) => m.spec.name === logicalIdOrName);
    if (!machine) {
      const known = [...this.machines.values()].map((m) => `${m.spec.logicalId} (${m.spec.name})`).join(', ') || 'none';
      throw new Error(`No state machine ${logicalIdOrName} in the template; known: ${known}`);
    }
    return machine.spec.arn;
  }

  stateMachines(): LocalStateMachineSpec[] {
    return [...this.machines.values()].map((m) => m.spec);
  }

  // ---- API operations ------------------------------------------------------------------------

  startExecution(request: { stateMachineArn?: unknown; name?: unknown; input?: unknown }): { executionArn: string; startDate: Date } {
    this.assertOpen();
    const machine = this.machineByArn(request.stateMachineArn);
    const name = request.name === undefined || request.name === null ? randomUUID() : request.name;
    if (typeof name !== 'string' || !EXECUTION_NAME.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${String(name)}'`);
    const input = request.input === undefined || request.input === null ? '{}' : request.input;
    if (typeof input !== 'string') throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input must be a string');
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) throw new SfnApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: input exceeds 262144 bytes');
    const parsed = parseJson(input);
    if (parsed === undefined) throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${input.slice(0, 200)}' is not JSON`);

    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${machine.spec.logicalId}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As in AWS (Standard): idempotent only while the execution runs and with the same input.
      if (existing.record.status === 'RUNNING' && existing.record.input === input) {
        return { executionArn, startDate: new Date(existing.record.startDate) };
      }
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const startDate = new Date();
    const record: ExecutionRecord = {
      version: 1,
      executionArn,
      stateMachineArn: machine.spec.arn,
      stateMachine: machine.spec.logicalId,
      name,
      input,
      status: 'RUNNING',
      startDate: startDate.toISOString(),
      history: [],
      tokenHashes: [],
    };
    const execution: Execution = { record, machine, segment: undefined, timeout: undefined, recycling: false };
    this.executions.set(executionArn, execution);
    this.append(execution, 'ExecutionStarted', {
      executionStartedEventDetails: { input, inputDetails: { truncated: false }, roleArn: LOCAL_ROLE },
    });
    this.log({ level: 'info', msg: 'execution started', executionArn });
    this.armExecutionTimeout(execution);
    if (record.status === 'RUNNING') this.startSegment(execution, String(machine.prepared.definition['StartAt']), parsed.value, false);
    return { executionArn, startDate };
  }

  describeExecution(request: { executionArn?: unknown }): Record<string, unknown> {
    const { record } = this.executionByArn(request.executionArn);
    return {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: new Date(record.startDate),
      ...(record.stopDate !== undefined ? { stopDate: new Date(record.stopDate) } : {}),
      input: record.input,
      inputDetails: { included: true },
      ...(record.output !== undefined ? { output: record.output, outputDetails: { included: true } } : {}),
      ...(record.error !== undefined ? { error: record.error } : {}),
      ...(record.cause !== undefined ? { cause: record.cause } : {}),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  listExecutions(request: { stateMachineArn?: unknown; statusFilter?: unknown; maxResults?: unknown; nextToken?: unknown }): Record<string, unknown> {
    const machine = this.machineByArn(request.stateMachineArn);
    const filter = request.statusFilter;
    if (filter !== undefined && filter !== null && !STATUSES.includes(filter as ExecutionStatus) && filter !== 'PENDING_REDRIVE') {
      throw new SfnApiError(
        'ValidationException',
        `1 validation error detected: Value '${String(filter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}, PENDING_REDRIVE]`,
      );
    }
    const size = pageSize(request.maxResults, 100, 1000);
    const offset = readPageToken(request.nextToken);
    const all = [...this.executions.values()]
      .map((e) => e.record)
      .filter((r) => r.stateMachine === machine.spec.logicalId && (filter === undefined || filter === null || r.status === filter))
      .reverse() // newest first (the map keeps start order)
      .sort((a, b) => b.startDate.localeCompare(a.startDate));
    const page = all.slice(offset, offset + size);
    return {
      executions: page.map((r) => ({
        executionArn: r.executionArn,
        stateMachineArn: r.stateMachineArn,
        name: r.name,
        status: r.status,
        startDate: new Date(r.startDate),
        ...(r.stopDate !== undefined ? { stopDate: new Date(r.stopDate) } : {}),
        redriveCount: 0,
      })),
      ...(offset + size < all.length ? { nextToken: pageToken(offset + size) } : {}),
    };
  }

  stopExecution(request: { executionArn?: unknown; error?: unknown; cause?: unknown }): { stopDate: Date } {
    const execution = this.executionByArn(request.executionArn);
    const { record } = execution;
    if (record.status === 'RUNNING') {
      void this.halt(execution);
      const details: Record<string, string> = {};
      if (typeof request.error === 'string') details['error'] = request.error;
      if (typeof request.cause === 'string') details['cause'] = request.cause;
      this.finish(execution, 'ABORTED', details, { executionAbortedEventDetails: details });
    }
    return { stopDate: new Date(record.stopDate ?? Date.now()) };
  }

  sendTaskSuccess(request: { taskToken?: unknown; output?: unknown }): Record<string, never> {
    const live = this.liveToken(request.taskToken);
    if (typeof request.output !== 'string') throw new SfnApiError('InvalidOutput', 'Invalid Output: output is required');
    const parsed = parseJson(request.output);
    if (parsed === undefined) throw new SfnApiError('InvalidOutput', `Invalid Output: '${request.output.slice(0, 200)}' is not JSON`);
    this.append(live.execution, 'TaskSucceeded', {
      taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', output: request.output, outputDetails: { truncated: false } },
    });
    live.attempt.succeed(parsed.value);
    return {};
  }

  sendTaskFailure(request: { taskToken?: unknown; error?: unknown; cause?: unknown }): Record<string, never> {
    const live = this.liveToken(request.taskToken);
    const error = typeof request.error === 'string' ? request.error : 'States.TaskFailed';
    const cause = typeof request.cause === 'string' ? request.cause : '';
    this.append(live.execution, 'TaskFailed', {
      taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke.waitForTaskToken', error, cause },
    });
    live.attempt.fail(new StatesError(error, cause));
    return {};
  }

  sendTaskHeartbeat(request: { taskToken?: unknown }): Record<string, never> {
    const live = this.liveToken(request.taskToken);
    this.armHeartbeat(live.execution, live.attempt);
    return {};
  }

  getExecutionHistory(request: { executionArn?: unknown; maxResults?: unknown; reverseOrder?: unknown; nextToken?: unknown; includeExecutionData?: unknown }): Record<string, unknown> {
    const { record } = this.executionByArn(request.executionArn);
    const size = pageSize(request.maxResults, 100, 1000);
    const offset = readPageToken(request.nextToken);
    const ordered = request.reverseOrder === true ? [...record.history].reverse() : record.history;
    const withData = request.includeExecutionData !== false;
    const page = ordered.slice(offset, offset + size).map((entry) => historyEventOf(entry, withData));
    return { events: page, ...(offset + size < ordered.length ? { nextToken: pageToken(offset + size) } : {}) };
  }

  describeStateMachine(request: { stateMachineArn?: unknown }): Record<string, unknown> {
    const machine = this.machineByArn(request.stateMachineArn);
    return {
      stateMachineArn: machine.spec.arn,
      name: machine.spec.name,
      status: 'ACTIVE',
      definition: JSON.stringify(machine.spec.definition),
      roleArn: LOCAL_ROLE,
      type: machine.spec.type,
      creationDate: new Date(0),
    };
  }

  listStateMachines(): Record<string, unknown> {
    return {
      stateMachines: [...this.machines.values()].map((m) => ({ stateMachineArn: m.spec.arn, name: m.spec.name, type: m.spec.type, creationDate: new Date(0) })),
    };
  }

  // ---- lookups ---------------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new SfnApiError('ServiceUnavailable', 'The local Step Functions runner is shutting down', 503);
  }

  private machineByArn(arn: unknown): MachineRuntime {
    if (typeof arn !== 'string' || !STATE_MACHINE_ARN.test(arn)) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${String(arn)}'`);
    }
    const machine = [...this.machines.values()].find((m) => m.spec.arn === arn);
    if (!machine) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private executionByArn(arn: unknown): Execution {
    if (typeof arn !== 'string' || !EXECUTION_ARN.test(arn)) {
      throw new SfnApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${String(arn)}'`);
    }
    const execution = this.executions.get(arn);
    if (!execution) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /**
   * The waiting task of a token. A spent token (task over, execution stopped, or resumed with a new
   * token) answers TaskTimedOut as in AWS; a well-formed unknown one TaskDoesNotExist; anything else
   * InvalidToken.
   */
  private liveToken(token: unknown): LiveToken {
    if (typeof token !== 'string' || token.length === 0 || token.length > 1024) {
      throw new SfnApiError('InvalidToken', "Invalid Token: 'Invalid token'");
    }
    const live = this.liveTokens.get(token);
    if (live) return live;
    if (this.issuedTokens.has(hashToken(token))) {
      throw new SfnApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    if (TOKEN_FORMAT.test(token)) throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
    throw new SfnApiError('InvalidToken', "Invalid Token: 'Invalid token'");
  }

  // ---- running ---------------------------------------------------------------------------------

  private contextOf(execution: Execution): JsonObject {
    const { record, machine } = execution;
    const executionContext: JsonObject = {
      Id: record.executionArn,
      Input: parseJson(record.input)?.value ?? null,
      Name: record.name,
      RoleArn: LOCAL_ROLE,
      StartTime: record.startDate,
      RedriveCount: 0,
    };
    return {
      Execution: executionContext,
      [EXECUTION_CONTEXT_KEY]: executionContext,
      StateMachine: { Id: record.stateMachineArn, Name: machine?.spec.name ?? record.stateMachine },
      Task: { Token: TOKEN_MARKER },
    };
  }

  private resume(execution: Execution): void {
    const { record, machine } = execution;
    if (!machine) {
      this.finish(execution, 'FAILED', { error: 'States.Runtime', cause: `The state machine ${record.stateMachine} is no longer in the template` });
      return;
    }
    const checkpoint = record.checkpoint;
    if (checkpoint === undefined) {
      this.startSegment(execution, String(machine.prepared.definition['StartAt']), parseJson(record.input)?.value ?? {}, false);
      return;
    }
    if (!machine.prepared.topLevel.has(checkpoint.state)) {
      this.finish(execution, 'FAILED', { error: 'States.Runtime', cause: `The state ${checkpoint.state} is no longer in the state machine` });
      return;
    }
    this.startSegment(execution, checkpoint.state, checkpoint.input, true);
  }

  private startSegment(execution: Execution, startAt: string, input: Json, resumed: boolean): void {
    const machine = execution.machine!;
    const checkpoint = execution.record.checkpoint;
    const segment: Segment = {
      halted: false,
      run: undefined,
      done: Promise.resolve(),
      suppressEntered: resumed ? startAt : undefined,
      resumeWait: resumed && checkpoint?.waitUntil !== undefined ? { state: checkpoint.state, until: checkpoint.waitUntil } : undefined,
      attempts: new Set(),
    };
    execution.segment = segment;
    const handlers: Record<string, TaskHandler> = {};
    for (const name of machine.prepared.tasks.keys()) handlers[name] = (taskInput) => this.runTask(execution, segment, name, taskInput);
    const run = machine.interpreterFor(startAt).run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
      context: this.contextOf(execution) as never,
    });
    segment.run = run;
    const consumed = (async () => {
      for await (const event of run.eventLogs) this.onInterpreterEvent(execution, segment, event);
    })();
    const outcome = run.result.then(
      (value) => ({ ok: true as const, value: value as Json }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    segment.done = Promise.all([consumed, outcome])
      .then(([, result]) => this.finishSegment(execution, segment, result))
      .catch((error: unknown) => this.log({ level: 'error', msg: 'execution runner failed', executionArn: execution.record.executionArn, error: errorText(error) }));
    this.checkIdle();
  }

  private finishSegment(execution: Execution, segment: Segment, result: { ok: true; value: Json } | { ok: false; error: unknown }): void {
    if (segment.halted || execution.segment !== segment || execution.record.status !== 'RUNNING') return;
    if (result.ok) {
      const output = toJsonText(result.value);
      this.finish(execution, 'SUCCEEDED', { output }, { executionSucceededEventDetails: { output, outputDetails: { truncated: false } } });
      return;
    }
    const failure = result.error instanceof ExecutionError ? result.error.cause : result.error;
    const details: Record<string, string> = {};
    if (failure instanceof Error) {
      // A Fail state without Error/Cause: the library's placeholders, where AWS has nothing.
      if (failure.name !== 'FailStateError') details['error'] = failure.name;
      if (failure.message !== 'Execution failed because of a Fail state') details['cause'] = failure.message;
    } else {
      details['error'] = 'States.Runtime';
      details['cause'] = String(failure);
    }
    this.finish(execution, 'FAILED', details);
  }

  /** Ends an execution: status, stop date, terminal history event, tokens spent. */
  private finish(execution: Execution, status: Exclude<ExecutionStatus, 'RUNNING'>, fields: { output?: string; error?: string; cause?: string }, eventDetails?: Record<string, unknown>): void {
    const { record } = execution;
    if (record.status !== 'RUNNING') return;
    record.status = status;
    record.stopDate = new Date().toISOString();
    if (fields.output !== undefined) record.output = fields.output;
    if (fields.error !== undefined) record.error = fields.error;
    if (fields.cause !== undefined) record.cause = fields.cause;
    delete record.checkpoint;
    execution.timeout?.cancel();
    for (const [token, live] of this.liveTokens) if (live.execution === execution) this.liveTokens.delete(token);
    const type = { SUCCEEDED: 'ExecutionSucceeded', FAILED: 'ExecutionFailed', TIMED_OUT: 'ExecutionTimedOut', ABORTED: 'ExecutionAborted' }[status];
    const detailsKey = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
    const { output: _output, ...errorFields } = fields;
    this.append(execution, type, eventDetails ?? { [detailsKey]: errorFields });
    this.log({ level: status === 'SUCCEEDED' ? 'info' : 'warn', msg: 'execution ended', executionArn: record.executionArn, status, error: record.error ?? null });
    this.checkIdle();
  }

  /** Stops the interpreter run of an execution (status unchanged); resolves when it has wound down. */
  private halt(execution: Execution): Promise<void> {
    const segment = execution.segment;
    if (!segment) return Promise.resolve();
    if (!segment.halted) {
      segment.halted = true;
      segment.run?.abort();
      for (const attempt of segment.attempts) attempt.fail(new HaltedError());
      this.checkIdle();
    }
    return segment.done;
  }

  /** Restarts a long wait from its checkpoint before the interpreter's timer ceiling ends it. */
  private async recycle(execution: Execution): Promise<void> {
    if (execution.recycling || this.closed) return;
    execution.recycling = true;
    try {
      await this.halt(execution);
      if (!this.closed && execution.record.status === 'RUNNING') {
        this.log({ level: 'info', msg: 'restarting a long wait from its checkpoint', executionArn: execution.record.executionArn });
        this.resume(execution);
      }
    } finally {
      execution.recycling = false;
    }
  }

  private armExecutionTimeout(execution: Execution): void {
    const seconds = execution.machine?.prepared.timeoutSeconds;
    if (seconds === undefined) return;
    const deadline = Date.parse(execution.record.startDate) + seconds * 1000;
    const expire = () => {
      if (execution.record.status !== 'RUNNING') return;
      void this.halt(execution);
      this.finish(execution, 'TIMED_OUT', { error: 'States.Timeout', cause: `The execution ran longer than its TimeoutSeconds (${seconds})` });
    };
    if (Date.now() >= deadline) expire();
    else execution.timeout = timerAt(deadline, expire, true);
  }

  private onInterpreterEvent(execution: Execution, segment: Segment, event: LibraryEvent): void {
    if (segment.halted || execution.record.status !== 'RUNNING') return;
    const prepared = execution.machine!.prepared;
    switch (event.type) {
      case 'StateEntered': {
        const { name, input } = event.state;
        const nested = event.index !== undefined || !prepared.topLevel.has(name);
        if (segment.suppressEntered !== undefined) {
          const suppress = segment.suppressEntered === name && !nested;
          segment.suppressEntered = undefined;
          if (suppress) return;
        }
        if (!nested) execution.record.checkpoint = { state: name, input: input as Json };
        this.append(execution, `${prepared.stateTypes.get(name) ?? event.state.type}StateEntered`, {
          stateEnteredEventDetails: { name, input: toJsonText(input as Json), inputDetails: { truncated: false } },
        });
        return;
      }
      case 'StateExited': {
        const { name, output } = event.state;
        this.append(execution, `${prepared.stateTypes.get(name) ?? event.state.type}StateExited`, {
          stateExitedEventDetails: { name, output: toJsonText(output as Json), outputDetails: { truncated: false } },
        });
        return;
      }
      case 'StateFailed': {
        // The interpreter's own Task timeout (the runner reports every other task failure itself).
        const spec = prepared.tasks.get(event.state.name);
        if (spec && spec.kind !== 'wait' && event.Error === 'States.Timeout') {
          const cause = typeof event.Cause === 'string' ? event.Cause : 'The task timed out';
          if (spec.kind === 'lambda-arn') {
            this.append(execution, 'LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout', cause } });
          } else {
            this.append(execution, 'TaskTimedOut', { taskTimedOutEventDetails: { ...taskResource(spec), error: 'States.Timeout', cause } });
          }
        }
        return;
      }
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.append(execution, event.type, { [key]: { name: event.parentState.name, index: event.index } });
        return;
      }
      default:
        return;
    }
  }

  private append(execution: Execution, type: string, details: Record<string, unknown>): void {
    const history = execution.record.history;
    const id = history.length + 1;
    history.push({ id, previousEventId: id - 1, type, timestamp: new Date().toISOString(), ...details });
    this.store.save(execution.record);
  }

  // ---- tasks -----------------------------------------------------------------------------------

  private async runTask(execution: Execution, segment: Segment, stateName: string, input: Json): Promise<Json> {
    // Let the interpreter's pending events (this state's entry) reach the history first.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (segment.halted) throw new HaltedError();
    const spec = execution.machine!.prepared.tasks.get(stateName)!;
    const attempt = new Attempt(spec, (settled) => {
      if (settled.token !== undefined) this.liveTokens.delete(settled.token);
      this.checkIdle();
    });
    segment.attempts.add(attempt);
    this.checkIdle();
    try {
      this.armTaskTimeout(execution, attempt, input);
      switch (spec.kind) {
        case 'lambda-invoke':
          await this.invokeTask(execution, attempt, input);
          break;
        case 'lambda-wait':
          await this.callbackTask(execution, attempt, input);
          break;
        case 'lambda-arn':
          await this.functionTask(execution, attempt, input);
          break;
        case 'wait':
          this.waitTask(execution, segment, attempt, input);
          break;
      }
      return await attempt.result;
    } catch (error) {
      // A failure outside the attempt's own settling (e.g. the runner itself): fail the task.
      if (!attempt.settled) attempt.fail(error instanceof Error ? error : new Error(String(error)));
      return await attempt.result;
    } finally {
      segment.attempts.delete(attempt);
      if (!attempt.settled) attempt.fail(new HaltedError());
      this.checkIdle();
    }
  }

  /**
   * The interpreter fails the state itself when its Task timeout passes (States.Timeout); the
   * runner settles its side at the same moment, so a late callback finds the token spent. A wait
   * that would outlast the interpreter's timer ceiling is restarted from its checkpoint instead.
   */
  private armTaskTimeout(execution: Execution, attempt: Attempt, input: Json): void {
    const spec = attempt.spec;
    let timeoutMs = spec.libraryTimeoutMs;
    if (timeoutMs === undefined && spec.timeoutSecondsPath !== undefined) {
      const seconds = readReferencePath(spec.timeoutSecondsPath, input, this.contextOf(execution));
      if (typeof seconds === 'number') timeoutMs = seconds * 1000;
    }
    if (timeoutMs === undefined) return;
    const at = Date.now() + timeoutMs;
    if (spec.libraryTimeoutIsCeiling && (spec.kind === 'lambda-wait' || spec.kind === 'wait')) {
      attempt.addTimer(timerAt(at - RECYCLE_MARGIN_MS, () => void this.recycle(execution), true));
    } else {
      attempt.addTimer(timerAt(at, () => attempt.fail(new StatesError('States.Timeout', 'The task timed out')), true));
    }
  }

  private resolveFunction(attempt: Attempt, functionName: Json | undefined): LocalFunction {
    const fn = typeof functionName === 'string' ? findFunction(this.functions, functionName) : undefined;
    if (fn === undefined) {
      throw new StatesError('Lambda.ResourceNotFoundException', `Function not found: ${String(functionName)} (state ${attempt.spec.stateName})`);
    }
    return fn;
  }

  /** `arn:aws:states:::lambda:invoke`: the result is Lambda's Invoke response. */
  private async invokeTask(execution: Execution, attempt: Attempt, input: Json): Promise<void> {
    const spec = attempt.spec;
    const params = (input ?? {}) as JsonObject;
    this.append(execution, 'TaskScheduled', { taskScheduledEventDetails: this.scheduledDetails(spec, params) });
    let fn: LocalFunction;
    try {
      fn = this.resolveFunction(attempt, params['FunctionName']);
    } catch (error) {
      this.taskFailed(execution, attempt, (error as StatesError).name, (error as StatesError).message);
      return;
    }
    this.append(execution, 'TaskStarted', { taskStartedEventDetails: taskResource(spec) });
    const event = params['Payload'] === undefined ? {} : params['Payload'];
    if (params['InvocationType'] === 'Event') {
      void this.lambdas.invoke(fn, event);
      this.taskSucceeded(execution, attempt, { Payload: '', StatusCode: 202 });
      return;
    }
    const outcome = await this.lambdas.invoke(fn, event);
    if (attempt.settled) return;
    if (outcome.ok) this.taskSucceeded(execution, attempt, invokeResponse(outcome.payload));
    else this.taskFailed(execution, attempt, outcome.errorType, lambdaCause(outcome));
  }

  /** `arn:aws:states:::lambda:invoke.waitForTaskToken`: invoke, then wait for SendTaskSuccess/Failure. */
  private async callbackTask(execution: Execution, attempt: Attempt, input: Json): Promise<void> {
    const spec = attempt.spec;
    const token = `AQ${randomBytes(48).toString('base64url')}`;
    attempt.token = token;
    const hash = hashToken(token);
    this.issuedTokens.add(hash);
    execution.record.tokenHashes.push(hash);
    // Registered before the invocation: the handler (or someone it tells) may answer at once.
    this.liveTokens.set(token, { execution, attempt });
    const params = replaceInStrings(input ?? {}, TOKEN_MARKER, token) as JsonObject;
    this.append(execution, 'TaskScheduled', { taskScheduledEventDetails: this.scheduledDetails(spec, params, execution, input) });
    let fn: LocalFunction;
    try {
      fn = this.resolveFunction(attempt, params['FunctionName']);
    } catch (error) {
      this.taskFailed(execution, attempt, (error as StatesError).name, (error as StatesError).message);
      return;
    }
    this.append(execution, 'TaskStarted', { taskStartedEventDetails: taskResource(spec) });
    attempt.heartbeatMs = this.heartbeatMs(execution, spec, input);
    this.armHeartbeat(execution, attempt);
    const event = params['Payload'] === undefined ? {} : params['Payload'];
    let outcome: LambdaOutcome;
    if (params['InvocationType'] === 'Event') {
      void this.lambdas.invoke(fn, event);
      outcome = { ok: true, payload: '' };
    } else {
      outcome = await this.lambdas.invoke(fn, event);
    }
    if (attempt.settled) return;
    if (!outcome.ok) {
      this.taskFailed(execution, attempt, outcome.errorType, lambdaCause(outcome));
      return;
    }
    this.append(execution, 'TaskSubmitted', {
      taskSubmittedEventDetails: { ...taskResource(spec), output: JSON.stringify(invokeResponse(outcome.payload)), outputDetails: { truncated: false } },
    });
    attempt.waiting = true;
    this.checkIdle();
  }

  /** A function ARN as Resource: the state input is the event, the result is the handler's. */
  private async functionTask(execution: Execution, attempt: Attempt, input: Json): Promise<void> {
    const fn = attempt.spec.function!;
    this.append(execution, 'LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: {
        resource: attempt.spec.resource,
        input: toJsonText(input),
        inputDetails: { truncated: false },
        ...(attempt.spec.timeoutSeconds !== undefined ? { timeoutInSeconds: attempt.spec.timeoutSeconds } : {}),
      },
    });
    this.append(execution, 'LambdaFunctionStarted', {});
    const outcome = await this.lambdas.invoke(fn, input);
    if (attempt.settled) return;
    if (outcome.ok) {
      this.append(execution, 'LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: toJsonText(outcome.payload), outputDetails: { truncated: false } } });
      attempt.succeed(outcome.payload);
    } else {
      const cause = lambdaCause(outcome);
      this.append(execution, 'LambdaFunctionFailed', { lambdaFunctionFailedEventDetails: { error: outcome.errorType, cause } });
      attempt.fail(new StatesError(outcome.errorType, cause));
    }
  }

  /** A Wait state: its end is decided here (time scale) and kept in the checkpoint (resume). */
  private waitTask(execution: Execution, segment: Segment, attempt: Attempt, input: Json): void {
    const name = attempt.spec.stateName;
    let until: number;
    if (segment.resumeWait?.state === name) {
      until = segment.resumeWait.until;
      segment.resumeWait = undefined;
    } else {
      until = this.waitEnd(attempt.spec.wait ?? {}, input, this.contextOf(execution));
      const checkpoint = execution.record.checkpoint;
      if (checkpoint?.state === name) {
        checkpoint.waitUntil = until;
        this.store.save(execution.record);
      }
    }
    attempt.waiting = true;
    // Past the interpreter's ceiling the recycle timer (armTaskTimeout) restarts the wait first.
    attempt.addTimer(timerAt(until, () => attempt.succeed(input)));
    this.checkIdle();
  }

  private waitEnd(wait: WaitSpec, input: Json, context: JsonObject): number {
    const now = Date.now();
    const seconds = (value: unknown, what: string): number => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new StatesError('States.Runtime', `${what} must be a non-negative integer, got ${JSON.stringify(value)}`, false);
      }
      return now + value * 1000 * this.timeScale;
    };
    const timestamp = (value: unknown, what: string): number => {
      const at = typeof value === 'string' ? Date.parse(value) : NaN;
      if (Number.isNaN(at)) throw new StatesError('States.Runtime', `${what} must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`, false);
      return now + Math.max(0, at - now) * this.timeScale;
    };
    if (wait.Seconds !== undefined) return seconds(wait.Seconds, 'Seconds');
    if (wait.SecondsPath !== undefined) return seconds(readReferencePath(wait.SecondsPath, input, context), `SecondsPath ${wait.SecondsPath}`);
    if (wait.Timestamp !== undefined) return timestamp(wait.Timestamp, 'Timestamp');
    if (wait.TimestampPath !== undefined) return timestamp(readReferencePath(wait.TimestampPath, input, context), `TimestampPath ${wait.TimestampPath}`);
    return now;
  }

  private heartbeatMs(execution: Execution, spec: TaskSpec, input: Json): number | undefined {
    if (spec.heartbeatSeconds !== undefined) return spec.heartbeatSeconds * 1000;
    if (spec.heartbeatSecondsPath !== undefined) {
      const seconds = readReferencePath(spec.heartbeatSecondsPath, input, this.contextOf(execution));
      if (typeof seconds === 'number' && seconds > 0) return seconds * 1000;
    }
    return undefined;
  }

  private heartbeatTimers = new WeakMap<Attempt, Timer>();

  private armHeartbeat(execution: Execution, attempt: Attempt): void {
    if (attempt.heartbeatMs === undefined || attempt.settled) return;
    const previous = this.heartbeatTimers.get(attempt);
    if (previous) {
      previous.cancel();
      attempt.timers.delete(previous);
    }
    const timer = timerAt(Date.now() + attempt.heartbeatMs, () => {
      if (attempt.settled) return;
      const cause = `No heartbeat within ${attempt.heartbeatMs! / 1000} seconds`;
      this.append(execution, 'TaskTimedOut', { taskTimedOutEventDetails: { ...taskResource(attempt.spec), error: 'States.HeartbeatTimeout', cause } });
      attempt.fail(new StatesError('States.HeartbeatTimeout', cause));
    });
    this.heartbeatTimers.set(attempt, timer);
    attempt.addTimer(timer);
  }

  private scheduledDetails(spec: TaskSpec, params: JsonObject, execution?: Execution, input?: Json): Record<string, unknown> {
    const heartbeatMs = execution !== undefined ? this.heartbeatMs(execution, spec, input ?? null) : undefined;
    return {
      ...taskResource(spec),
      region: this.region,
      parameters: JSON.stringify(params),
      ...(spec.timeoutSeconds !== undefined ? { timeoutInSeconds: spec.timeoutSeconds } : {}),
      ...(heartbeatMs !== undefined ? { heartbeatInSeconds: heartbeatMs / 1000 } : {}),
    };
  }

  private taskSucceeded(execution: Execution, attempt: Attempt, result: Json): void {
    if (attempt.settled) return;
    this.append(execution, 'TaskSucceeded', { taskSucceededEventDetails: { ...taskResource(attempt.spec), output: toJsonText(result), outputDetails: { truncated: false } } });
    attempt.succeed(result);
  }

  private taskFailed(execution: Execution, attempt: Attempt, error: string, cause: string): void {
    if (attempt.settled) return;
    this.append(execution, 'TaskFailed', { taskFailedEventDetails: { ...taskResource(attempt.spec), error, cause } });
    attempt.fail(new StatesError(error, cause));
  }

  // ---- idleness --------------------------------------------------------------------------------

  private isIdle(): boolean {
    if (this.closed) return true;
    for (const execution of this.executions.values()) {
      if (execution.record.status !== 'RUNNING') continue;
      if (execution.recycling) return false;
      const segment = execution.segment;
      if (!segment || segment.halted) continue;
      if (segment.attempts.size === 0) return false;
      for (const attempt of segment.attempts) if (!attempt.waiting) return false;
    }
    return true;
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.checkingIdle || !this.isIdle()) return;
    this.checkingIdle = true;
    void this.store.flush().then(() => {
      this.checkingIdle = false;
      if (this.isIdle()) this.releaseIdleWaiters();
    });
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function taskResource(spec: TaskSpec): { resourceType: string; resource: string } {
  return { resourceType: 'lambda', resource: spec.kind === 'lambda-wait' ? 'invoke.waitForTaskToken' : 'invoke' };
}

/** Lambda's Invoke response as the optimized integration returns it. */
function invokeResponse(payload: Json): JsonObject {
  return { ExecutedVersion: '$LATEST', Payload: payload, StatusCode: 200 };
}

/** A stored history entry as the API returns it (the timestamp a Date). */
function historyEventOf(entry: HistoryEntry, withData: boolean): Record<string, unknown> {
  const { timestamp, ...rest } = entry;
  const event: Record<string, unknown> = { ...rest, timestamp: new Date(timestamp) };
  if (!withData) {
    for (const [key, value] of Object.entries(event)) {
      if (key.endsWith('EventDetails') && value !== null && typeof value === 'object') {
        const { input: _input, output: _output, ...kept } = value as Record<string, unknown>;
        event[key] = kept;
      }
    }
  }
  return event;
}
