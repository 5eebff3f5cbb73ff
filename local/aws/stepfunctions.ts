// Local stand-in for AWS Step Functions, as the real SDK client (@aws-sdk/client-sfn) speaks to it:
// awsJson1_0, `X-Amz-Target: AWSStepFunctions.<Operation>`, timestamps as epoch seconds, errors with
// the `__type` the SDK turns into its typed exceptions. It runs the state machines of the synthesized
// template with the engine in local/stepfunctions/ (what is native, emulated and limited: engine.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalStepFunctionsEngine, SfnApiError, type LocalStepFunctionsOptions } from '../stepfunctions/engine.ts';
import { sendAwsError, sendAwsJson, type AwsEndpoint } from './endpoint.ts';

export type { LocalStepFunctionsOptions, LogLine } from '../stepfunctions/engine.ts';
export { SfnApiError } from '../stepfunctions/engine.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';

export interface LocalStepFunctions {
  /** The stand-in to serve (with the other AWS stand-ins) at the endpoint the SDK clients use. */
  readonly endpoint: AwsEndpoint;
  /** The engine behind it, for direct calls (same operations as the API, same errors). */
  readonly engine: LocalStepFunctionsEngine;
  /** `arn:aws:states:<region>:000000000000:stateMachine:<logicalId>` of a machine, by logical id or name. */
  stateMachineArn(logicalIdOrName: string): string;
  /** Resolves when no execution is doing work (each running one waits for a callback or in a Wait state). */
  whenIdle(): Promise<void>;
  /** Suspends running executions (they resume at the next start on the same data dir) and flushes writes. */
  close(): Promise<void>;
}

type Operation = (engine: LocalStepFunctionsEngine, request: Record<string, unknown>) => unknown;

const OPERATIONS: Record<string, Operation> = {
  StartExecution: (engine, r) => engine.startExecution(r),
  DescribeExecution: (engine, r) => engine.describeExecution(r),
  ListExecutions: (engine, r) => engine.listExecutions(r),
  StopExecution: (engine, r) => engine.stopExecution(r),
  SendTaskSuccess: (engine, r) => engine.sendTaskSuccess(r),
  SendTaskFailure: (engine, r) => engine.sendTaskFailure(r),
  SendTaskHeartbeat: (engine, r) => engine.sendTaskHeartbeat(r),
  GetExecutionHistory: (engine, r) => engine.getExecutionHistory(r),
  DescribeStateMachine: (engine, r) => engine.describeStateMachine(r),
  ListStateMachines: (engine) => engine.listStateMachines(),
};

/** Dates as awsJson 1.0 timestamps (epoch seconds, with milliseconds as the fraction). */
function toWire(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toWire);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = toWire(v);
    return out;
  }
  return value;
}

export function createStepFunctionsEndpoint(engine: LocalStepFunctionsEngine): AwsEndpoint {
  return {
    service: 'states',
    matches: (req: IncomingMessage) => String(req.headers['x-amz-target'] ?? '').startsWith(TARGET_PREFIX),
    async handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
      const name = String(req.headers['x-amz-target']).slice(TARGET_PREFIX.length);
      const operation = OPERATIONS[name];
      if (!operation) {
        sendAwsError(res, 400, 'UnknownOperationException', `The local Step Functions stand-in does not implement ${name}`);
        return;
      }
      let request: unknown;
      try {
        request = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
      } catch {
        sendAwsError(res, 400, 'SerializationException', 'The request body is not JSON');
        return;
      }
      if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        sendAwsError(res, 400, 'SerializationException', 'The request body must be a JSON object');
        return;
      }
      try {
        sendAwsJson(res, toWire(operation(engine, request as Record<string, unknown>)));
      } catch (error) {
        if (error instanceof SfnApiError) {
          sendAwsError(res, error.statusCode, error.type, error.message);
          return;
        }
        throw error;
      }
    },
  };
}

/**
 * The local Step Functions service: resolves the state machines of the synthesized template, loads
 * the executions kept in `dataDir` and resumes those that were running.
 */
export async function createLocalStepFunctions(options: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
  const engine = new LocalStepFunctionsEngine(options);
  await engine.start();
  return {
    endpoint: createStepFunctionsEndpoint(engine),
    engine,
    stateMachineArn: (logicalIdOrName) => engine.stateMachineArn(logicalIdOrName),
    whenIdle: () => engine.whenIdle(),
    close: () => engine.close(),
  };
}
