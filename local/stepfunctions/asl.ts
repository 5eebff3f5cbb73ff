// Local runtime only: Amazon States Language helpers for the local runner. `prepareDefinition`
// turns a resolved definition into the one aws-local-stepfunctions runs, emulating what that
// library lacks or gets wrong (see the header of engine.ts), and classifies every Task state.
import type { LocalFunction } from './template.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The largest delay setTimeout accepts (about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The Task timeout the library is given when a state sets none (it would default to 60 s). */
export const LIBRARY_TASK_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
/** Resource of the Task that stands in for a Wait state. */
export const WAIT_RESOURCE = 'arn:aws:states:::portdesk.local:wait';
/** The context key that replaces `$$.Execution` (the library overwrites Execution.Input/StartTime). */
export const EXECUTION_CONTEXT_KEY = 'PortDeskLocalExecution';

export type TaskKind = 'lambda-invoke' | 'lambda-wait' | 'lambda-arn' | 'wait';

export interface WaitSpec {
  Seconds?: number;
  Timestamp?: string;
  SecondsPath?: string;
  TimestampPath?: string;
}

/** One Task state (or Wait state run as a task) of a prepared definition. */
export interface TaskSpec {
  stateName: string;
  kind: TaskKind;
  /** The state's Resource as written (before any rewrite). */
  resource: string;
  /** For `lambda-arn`: the function the Resource names. */
  function?: LocalFunction;
  /** The state's own TimeoutSeconds / TimeoutSecondsPath (undefined: none). */
  timeoutSeconds?: number;
  timeoutSecondsPath?: string;
  /** The Task timeout the library enforces (ms); the runner settles its own side at the same time. */
  libraryTimeoutMs?: number;
  /** True when the library's timeout is only the setTimeout ceiling, not a timeout of the state. */
  libraryTimeoutIsCeiling: boolean;
  heartbeatSeconds?: number;
  heartbeatSecondsPath?: string;
  wait?: WaitSpec;
}

export interface PreparedDefinition {
  /** What aws-local-stepfunctions runs. */
  definition: JsonObject;
  /** Task states (and Wait states) by name, across nested branches and iterators. */
  tasks: Map<string, TaskSpec>;
  /** Every state's original type by name (for the history). */
  stateTypes: Map<string, string>;
  /** States at the top level (checkpoints are taken there). */
  topLevel: Set<string>;
  /** The definition's top-level TimeoutSeconds (enforced by the runner). */
  timeoutSeconds?: number;
}

const isObject = (value: unknown): value is JsonObject => value !== null && typeof value === 'object' && !Array.isArray(value);

function clone<T extends Json>(value: T): T {
  return structuredClone(value);
}

/** Lambda resources: `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
const FUNCTION_ARN = /^arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::(\$LATEST|[A-Za-z0-9_-]+))?$/;
const PARTIAL_ARN = /^(?:\d{12}:function:)?([A-Za-z0-9_-]+)(?::(\$LATEST|[A-Za-z0-9_-]+))?$/;

/** The function a Lambda FunctionName (name, partial or full ARN, optional qualifier) designates. */
export function findFunction(functions: ReadonlyMap<string, LocalFunction>, functionName: string): LocalFunction | undefined {
  const match = FUNCTION_ARN.exec(functionName) ?? PARTIAL_ARN.exec(functionName);
  if (!match) return undefined;
  const name = match[1]!;
  for (const fn of functions.values()) if (fn.name === name) return fn;
  return undefined;
}

function classify(resource: string): TaskKind | undefined {
  const integration = /^arn:aws[\w-]*:states:::(.+)$/.exec(resource)?.[1];
  if (integration === 'lambda:invoke') return 'lambda-invoke';
  if (integration === 'lambda:invoke.waitForTaskToken') return 'lambda-wait';
  if (FUNCTION_ARN.test(resource)) return 'lambda-arn';
  return undefined;
}

/** Rewrites `$$.Execution` (in paths and intrinsic functions) to the runner's own context key. */
function rewriteExecutionPaths(value: Json): Json {
  if (typeof value === 'string') return value.replace(/\$\$\.Execution(?![A-Za-z0-9_])/g, `$$$$.${EXECUTION_CONTEXT_KEY}`);
  if (Array.isArray(value)) return value.map(rewriteExecutionPaths);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = rewriteExecutionPaths(v);
    return out;
  }
  return value;
}

export interface PrepareOptions {
  functions: ReadonlyMap<string, LocalFunction>;
  /** Multiplies Retry intervals (and MaxDelaySeconds); Wait states are scaled by the runner. */
  timeScale: number;
}

/**
 * Checks a resolved definition and builds what the library runs. Throws one error listing every
 * problem (unsupported resources, unknown functions, JSONata) so a bad definition fails at startup.
 */
export function prepareDefinition(source: JsonObject, options: PrepareOptions): PreparedDefinition {
  const problems: string[] = [];
  const tasks = new Map<string, TaskSpec>();
  const stateTypes = new Map<string, string>();
  const topLevel = new Set<string>();
  if (source['QueryLanguage'] === 'JSONata') problems.push('QueryLanguage JSONata is not supported locally (use JSONPath)');

  const prepareStates = (states: unknown, top: boolean, where: string): JsonObject => {
    if (!isObject(states)) {
      problems.push(`${where}: States must be an object`);
      return {};
    }
    const out: JsonObject = {};
    for (const [name, raw] of Object.entries(states)) {
      if (!isObject(raw) || typeof raw['Type'] !== 'string') {
        problems.push(`${name}: not a state`);
        continue;
      }
      if (stateTypes.has(name)) problems.push(`${name}: state names must be unique across the whole state machine`);
      stateTypes.set(name, raw['Type']);
      if (top) topLevel.add(name);
      out[name] = prepareState(name, raw);
    }
    return out;
  };

  const prepareRetry = (retry: Json): Json => {
    if (!Array.isArray(retry)) return retry;
    return retry.map((retrier) => {
      if (!isObject(retrier)) return retrier;
      const out = { ...retrier };
      const interval = typeof retrier['IntervalSeconds'] === 'number' ? retrier['IntervalSeconds'] : 1;
      out['IntervalSeconds'] = interval * options.timeScale;
      // The library sleeps with one setTimeout: keep every retry delay under its ceiling.
      const maxDelay = typeof retrier['MaxDelaySeconds'] === 'number' ? retrier['MaxDelaySeconds'] * options.timeScale : Infinity;
      out['MaxDelaySeconds'] = Math.min(maxDelay, LIBRARY_TASK_TIMEOUT_SECONDS);
      return out;
    });
  };

  const prepareState = (name: string, raw: JsonObject): JsonObject => {
    if (raw['QueryLanguage'] === 'JSONata') problems.push(`${name}: QueryLanguage JSONata is not supported locally`);
    if ('Assign' in raw) problems.push(`${name}: Assign (variables) is not supported locally`);
    const state: JsonObject = { ...raw };
    // ResultPath "$" means "the result replaces the input", which is also what no ResultPath means;
    // the library would write a key named "$" instead.
    if (state['ResultPath'] === '$') delete state['ResultPath'];
    if (Array.isArray(state['Catch'])) {
      state['Catch'] = state['Catch'].map((catcher) => {
        if (!isObject(catcher) || catcher['ResultPath'] !== '$') return catcher;
        const { ResultPath: _dropped, ...rest } = catcher;
        return rest;
      });
    }
    if (state['Retry'] !== undefined) state['Retry'] = prepareRetry(state['Retry']);

    switch (raw['Type']) {
      case 'Parallel':
        if (Array.isArray(raw['Branches'])) {
          state['Branches'] = raw['Branches'].map((branch, i) =>
            isObject(branch) ? { ...branch, States: prepareStates(branch['States'], false, `${name}.Branches[${i}]`) } : branch,
          );
        }
        return state;
      case 'Map': {
        if ('ItemReader' in raw || 'ResultWriter' in raw) problems.push(`${name}: distributed Map (ItemReader/ResultWriter) is not supported locally`);
        for (const key of ['ItemProcessor', 'Iterator'] as const) {
          const processor = raw[key];
          if (isObject(processor)) state[key] = { ...processor, States: prepareStates(processor['States'], false, `${name}.${key}`) };
        }
        return state;
      }
      case 'Wait': {
        const wait: WaitSpec = {};
        for (const key of ['Seconds', 'Timestamp', 'SecondsPath', 'TimestampPath'] as const) {
          if (raw[key] !== undefined) (wait as Record<string, Json>)[key] = raw[key];
        }
        tasks.set(name, { stateName: name, kind: 'wait', resource: 'Wait', wait, libraryTimeoutMs: LIBRARY_TASK_TIMEOUT_SECONDS * 1000, libraryTimeoutIsCeiling: true });
        // Run as a Task so the runner decides the duration (time scale, resume, long waits).
        const task: JsonObject = { Type: 'Task', Resource: WAIT_RESOURCE, TimeoutSeconds: LIBRARY_TASK_TIMEOUT_SECONDS };
        for (const key of ['Comment', 'InputPath', 'OutputPath', 'Next', 'End'] as const) {
          if (raw[key] !== undefined) task[key] = raw[key];
        }
        return task;
      }
      case 'Task': {
        const resource = raw['Resource'];
        if (typeof resource !== 'string') {
          problems.push(`${name}: Resource must be a string`);
          return state;
        }
        const kind = classify(resource);
        if (kind === undefined) {
          problems.push(`${name}: Resource ${resource} is not supported locally (Lambda invoke, invoke.waitForTaskToken and function ARNs are)`);
          return state;
        }
        const spec: TaskSpec = { stateName: name, kind, resource, libraryTimeoutIsCeiling: false };
        if (kind === 'lambda-arn') {
          spec.function = findFunction(options.functions, resource);
          if (spec.function === undefined) problems.push(`${name}: no Lambda function of the template is ${resource}`);
        } else {
          const parameters = raw['Parameters'];
          const functionName = isObject(parameters) ? parameters['FunctionName'] : undefined;
          if (typeof functionName === 'string') {
            const fn = findFunction(options.functions, functionName);
            if (fn === undefined) problems.push(`${name}: no Lambda function of the template is ${functionName}`);
          } else if (!isObject(parameters) || typeof parameters['FunctionName.$'] !== 'string') {
            problems.push(`${name}: Parameters.FunctionName is required for ${resource}`);
          }
        }
        if (spec.function !== undefined && spec.function.handlerModule === undefined) {
          problems.push(`${name}: function ${spec.function.logicalId} has no "portdesk:handler" metadata`);
        }
        if (typeof raw['TimeoutSeconds'] === 'number') spec.timeoutSeconds = raw['TimeoutSeconds'];
        if (typeof raw['TimeoutSecondsPath'] === 'string') spec.timeoutSecondsPath = raw['TimeoutSecondsPath'];
        if (typeof raw['HeartbeatSeconds'] === 'number') spec.heartbeatSeconds = raw['HeartbeatSeconds'];
        if (typeof raw['HeartbeatSecondsPath'] === 'string') spec.heartbeatSecondsPath = raw['HeartbeatSecondsPath'];
        // The library times every Task out after 60 s unless told otherwise, with one setTimeout.
        if (spec.timeoutSecondsPath === undefined) {
          const seconds = Math.min(spec.timeoutSeconds ?? Infinity, LIBRARY_TASK_TIMEOUT_SECONDS);
          state['TimeoutSeconds'] = seconds;
          spec.libraryTimeoutMs = seconds * 1000;
          spec.libraryTimeoutIsCeiling = seconds === LIBRARY_TASK_TIMEOUT_SECONDS;
        }
        tasks.set(name, spec);
        return state;
      }
      default:
        return state;
    }
  };

  const definition: JsonObject = { ...source, States: prepareStates(source['States'], true, 'top level') };
  if (typeof source['StartAt'] !== 'string' || !topLevel.has(source['StartAt'])) problems.push('StartAt must name a top-level state');
  const timeoutSeconds = typeof source['TimeoutSeconds'] === 'number' ? source['TimeoutSeconds'] : undefined;
  // Enforced by the runner from the start date (the library would use one setTimeout, lost on restart).
  delete definition['TimeoutSeconds'];
  if (problems.length > 0) throw new Error(`The state machine cannot run locally:\n  ${problems.join('\n  ')}`);
  const prepared: PreparedDefinition = { definition: rewriteExecutionPaths(clone(definition)) as JsonObject, tasks, stateTypes, topLevel };
  if (timeoutSeconds !== undefined) prepared.timeoutSeconds = timeoutSeconds;
  return prepared;
}

/**
 * Reads an ASL reference path (`$.a.b[0]`, `$['x']`, `$$.Execution.Id`) from the input or the
 * context. Returns undefined when the path points at nothing.
 */
export function readReferencePath(path: string, input: Json, context: Json): Json | undefined {
  let value: Json | undefined;
  let rest: string;
  if (path.startsWith('$$')) {
    value = context;
    rest = path.slice(2);
  } else if (path.startsWith('$')) {
    value = input;
    rest = path.slice(1);
  } else {
    throw new Error(`${path} is not a reference path`);
  }
  const segment = /^(?:\.([^.[\]]+)|\[\s*(\d+)\s*\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\])/;
  while (rest.length > 0) {
    const m = segment.exec(rest);
    if (!m) throw new Error(`${path} is not a reference path`);
    rest = rest.slice(m[0].length);
    if (value === undefined || value === null || typeof value !== 'object') return undefined;
    if (m[2] !== undefined) {
      value = Array.isArray(value) ? value[Number(m[2])] : undefined;
    } else {
      const key = m[1] ?? m[3] ?? m[4]!;
      value = Array.isArray(value) ? undefined : value[key];
    }
  }
  return value;
}

/** Replaces every occurrence of `marker` in the strings of a JSON value. */
export function replaceInStrings(value: Json, marker: string, replacement: string): Json {
  if (typeof value === 'string') return value.includes(marker) ? value.split(marker).join(replacement) : value;
  if (Array.isArray(value)) return value.map((v) => replaceInStrings(v, marker, replacement));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = replaceInStrings(v, marker, replacement);
    return out;
  }
  return value;
}
