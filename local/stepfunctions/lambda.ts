// Local runtime only: invokes a handler module in process the way Lambda does for Step Functions:
// a JSON copy of the event, a Lambda context, the function's timeout, and failures reported as
// Lambda reports them (errorType, errorMessage, trace).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { Json } from './asl.ts';
import type { LocalFunction } from './template.ts';

export type LambdaHandler = (event: unknown, context: Context) => unknown;
export type HandlerLoader = (module: string) => Promise<LambdaHandler>;

export type LambdaOutcome =
  | { ok: true; payload: Json }
  | { ok: false; errorType: string; errorMessage: string; trace: string[] };

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEFAULT_FUNCTIONS_DIR = join(REPO_ROOT, 'functions');

/** Imports `<functionsDir>/<module>.ts` and returns its `handler` (tsx and vitest load .ts). */
export function moduleHandlerLoader(functionsDir: string = DEFAULT_FUNCTIONS_DIR): HandlerLoader {
  return async (module) => {
    const loaded = (await import(pathToFileURL(join(functionsDir, `${module}.ts`)).href)) as { handler?: unknown };
    if (typeof loaded.handler !== 'function') throw new HandlerNotFound(`${module}.handler is undefined or not exported`);
    return loaded.handler as LambdaHandler;
  };
}

class HandlerNotFound extends Error {
  override readonly name = 'Runtime.HandlerNotFound';
}

/** Lambda's answer to a failed invocation, as Step Functions puts it in Cause. */
export function lambdaCause(outcome: Extract<LambdaOutcome, { ok: false }>): string {
  return JSON.stringify({ errorMessage: outcome.errorMessage, errorType: outcome.errorType, trace: outcome.trace });
}

function failure(error: unknown): Extract<LambdaOutcome, { ok: false }> {
  if (error instanceof Error) {
    return {
      ok: false,
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? `${error.name}: ${error.message}`).split('\n'),
    };
  }
  return { ok: false, errorType: typeof error === 'string' ? 'string' : 'Error', errorMessage: String(error), trace: [] };
}

/** Loads each module once (a warm Lambda); a failed load is retried next time, like a failed init. */
export class LocalLambdas {
  private readonly handlers = new Map<string, Promise<LambdaHandler>>();
  /** Invocations not answered yet (each settles by the function's timeout at the latest; never rejects). */
  readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly load: HandlerLoader) {}

  private handlerFor(module: string): Promise<LambdaHandler> {
    let pending = this.handlers.get(module);
    if (!pending) {
      pending = this.load(module);
      this.handlers.set(module, pending);
      pending.catch(() => this.handlers.delete(module));
    }
    return pending;
  }

  /** Runs the function's handler with a JSON copy of the event, within the function's timeout. */
  async invoke(fn: LocalFunction, event: Json): Promise<LambdaOutcome> {
    const requestId = randomUUID();
    let handler: LambdaHandler;
    try {
      if (fn.handlerModule === undefined) throw new HandlerNotFound(`${fn.logicalId} has no handler module`);
      handler = await this.handlerFor(fn.handlerModule);
    } catch (error) {
      const outcome = failure(error);
      if (!(error instanceof HandlerNotFound)) outcome.errorType = 'Runtime.ImportModuleError';
      return outcome;
    }
    const timeoutMs = fn.timeoutSeconds * 1000;
    const context = lambdaContext(fn, requestId, Date.now() + timeoutMs);
    const run = (async (): Promise<LambdaOutcome> => {
      try {
        const result = await handler(structuredClone(event), context);
        let text: string | undefined;
        try {
          text = JSON.stringify(result);
        } catch (error) {
          return { ok: false, errorType: 'Runtime.MarshalError', errorMessage: `Unable to marshal response: ${(error as Error).message}`, trace: [] };
        }
        return { ok: true, payload: text === undefined ? null : (JSON.parse(text) as Json) };
      } catch (error) {
        return failure(error);
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<LambdaOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${requestId} Error: Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`,
            trace: [],
          }),
        timeoutMs,
      );
      timer.unref();
    });
    // What callers wait for is bounded by the function's timeout, like a Lambda invocation.
    const answered = Promise.race([run, timeout]).finally(() => {
      clearTimeout(timer);
      this.inFlight.delete(answered);
    });
    this.inFlight.add(answered);
    return answered;
  }
}

function lambdaContext(fn: LocalFunction, awsRequestId: string, deadline: number): Context {
  const unsupported = () => {
    throw new Error('Callback-style context methods are not supported on the nodejs24.x runtime');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
