// Local runtime only: an HTTP server that plays API Gateway HTTP API in front of the very same handler
// modules CDK deploys (one per route in shared/http/routes.ts), including the Lambda authorizer,
// its result cache, API Gateway's own error answers and the 10 MB request limit.
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AUTHORIZER_HANDLER, ROUTES, type RouteSpec } from '../shared/http/routes.ts';
import type { AuthorizerContext } from '../shared/http/auth-context.ts';
import {
  buildAuthorizerEvent,
  buildProxyEvent,
  collectHeaders,
  createRouteMatcher,
  LOCAL_GATEWAY,
  routeKeyOf,
  splitUrl,
  type EventInput,
  type GatewaySettings,
} from './api-gateway-event.ts';
import { handleLocalRoute, isLocalPath, type LocalRouteHandler } from './local-routes.ts';

/** API Gateway's payload limit for HTTP APIs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** HTTP API's maximum integration timeout. */
export const INTEGRATION_TIMEOUT_MS = 30_000;
/** The time budget a Lambda context reports (what the functions are deployed with). */
export const FUNCTION_TIMEOUT_MS = 29_000;

export type LambdaHandler = (event: unknown, context: Context) => unknown;

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  [field: string]: unknown;
}

export interface LocalServerOptions {
  routes?: readonly RouteSpec[];
  /** Handler module of the Lambda authorizer (under functions/, no extension). */
  authorizerHandler?: string;
  /** Directory holding the handler modules; defaults to <repo>/functions. */
  functionsDir?: string;
  /** Loads a handler module's exported `handler`; defaults to a dynamic import of `<functionsDir>/<module>.ts`. */
  loadHandler?: (module: string) => Promise<LambdaHandler>;
  /** How long an authorizer decision is reused for the same Authorization value; 0 disables. Default 300. */
  authorizerCacheTtlSeconds?: number;
  /** Request body limit in bytes; default 10 MB like API Gateway. */
  maxBodyBytes?: number;
  /** After this long API Gateway gives up on the integration (503); default 30 s. */
  integrationTimeoutMs?: number;
  /** Serve the /_local/* routes (clock); default true. */
  localRoutes?: boolean;
  /** More /_local/* routes by `METHOD /path` (scheduler, outbox, events: added by the local runtime). */
  localRouteHandlers?: Readonly<Record<string, LocalRouteHandler>>;
  gateway?: GatewaySettings;
  /** One structured line per request and per notable event; never bodies or credentials. */
  log?: (line: LogLine) => void;
  /** Handler and authorizer failures (with stack traces). */
  logError?: (line: LogLine, error: unknown) => void;
}

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

const defaultLog = (line: LogLine) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
};

const defaultLogError = (line: LogLine, error: unknown) => {
  const err = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { value: String(error) };
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line, error: err })}\n`);
};

/** Dynamic import of a handler module (tsx and vitest load .ts directly). */
export function moduleLoader(functionsDir: string): (module: string) => Promise<LambdaHandler> {
  return async (module) => {
    const url = pathToFileURL(join(functionsDir, `${module}.ts`)).href;
    const loaded = (await import(url)) as { handler?: unknown };
    if (typeof loaded.handler !== 'function') {
      throw new Error(`functions/${module}.ts does not export a handler function`);
    }
    return loaded.handler as LambdaHandler;
  };
}

interface GatewayAnswer {
  statusCode: number;
  message: string;
}

const NOT_FOUND: GatewayAnswer = { statusCode: 404, message: 'Not Found' };
const UNAUTHORIZED: GatewayAnswer = { statusCode: 401, message: 'Unauthorized' };
const FORBIDDEN: GatewayAnswer = { statusCode: 403, message: 'Forbidden' };
const TOO_LARGE: GatewayAnswer = { statusCode: 413, message: 'Request Entity Too Large' };
const INTERNAL: GatewayAnswer = { statusCode: 500, message: 'Internal Server Error' };
const UNAVAILABLE: GatewayAnswer = { statusCode: 503, message: 'Service Unavailable' };

type AuthorizerDecision = { isAuthorized: true; context: AuthorizerContext } | { isAuthorized: false };

class IntegrationTimeout extends Error {
  constructor(ms: number) {
    super(`integration did not answer within ${ms} ms`);
  }
}

export function createLocalServer(options: LocalServerOptions = {}): Server {
  const routes = options.routes ?? ROUTES;
  const matcher = createRouteMatcher(routes);
  const authorizerModule = options.authorizerHandler ?? AUTHORIZER_HANDLER;
  const load = options.loadHandler ?? moduleLoader(options.functionsDir ?? join(REPO_ROOT, 'functions'));
  const cacheTtlMs = Math.max(0, options.authorizerCacheTtlSeconds ?? 300) * 1000;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const serveLocalRoutes = options.localRoutes ?? true;
  const gateway = options.gateway ?? LOCAL_GATEWAY;
  const log = options.log ?? defaultLog;
  const logError = options.logError ?? defaultLogError;

  // Handler modules are imported once (like a warm Lambda); a failed import is retried next time,
  // like a failed Lambda init.
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const handlerFor = (module: string): Promise<LambdaHandler> => {
    let pending = handlers.get(module);
    if (!pending) {
      pending = load(module);
      handlers.set(module, pending);
      pending.catch(() => handlers.delete(module));
    }
    return pending;
  };

  // Authorizer decisions keyed by a hash of the Authorization value (the identity source).
  const decisions = new Map<string, { expiresAt: number; decision: AuthorizerDecision }>();

  async function authorize(input: EventInput, authorization: string): Promise<AuthorizerDecision> {
    const key = createHash('sha256').update(authorization).digest('hex');
    const now = Date.now();
    const cached = decisions.get(key);
    if (cached && cached.expiresAt > now) return cached.decision;
    if (cached) decisions.delete(key);

    const authorizer = await handlerFor(authorizerModule);
    const event = buildAuthorizerEvent(input);
    const result = await invoke(authorizer, event, lambdaContext('authorizer', randomUUID(), gateway), integrationTimeoutMs);
    const decision = readAuthorizerResult(result);
    if (cacheTtlMs > 0) {
      if (decisions.size >= 10_000) {
        for (const [k, v] of decisions) if (v.expiresAt <= now) decisions.delete(k);
        if (decisions.size >= 10_000) decisions.clear();
      }
      decisions.set(key, { expiresAt: now + cacheTtlMs, decision });
    }
    return decision;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const receivedAt = new Date();
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const { rawPath } = splitUrl(req.url ?? '/');
    let route = 'no route';
    res.setHeader('apigw-requestid', requestId);
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : 'client closed';
      log({ level: 'info', msg: 'request', requestId, method, route, status, ms: Math.round(performance.now() - started) });
    });

    const body = await readBody(req, maxBodyBytes);
    if (body === 'aborted') return;
    if (body === 'too_large') {
      // The rest of the body is drained (not buffered) so the client gets to read the answer.
      sendGatewayAnswer(res, TOO_LARGE);
      return;
    }

    if (serveLocalRoutes && isLocalPath(rawPath)) {
      route = `${method} ${rawPath}`;
      const answer = await handleLocalRoute({ method, rawPath, body }, options.localRouteHandlers);
      res.writeHead(answer.statusCode, answer.headers);
      res.end(answer.body);
      return;
    }

    const match = matcher.match(method, rawPath);
    if (match.kind !== 'matched') {
      // HTTP APIs answer 404 both when no path matches and when only the method differs.
      sendGatewayAnswer(res, NOT_FOUND);
      return;
    }
    route = routeKeyOf(match.route);
    const input: EventInput = { req, body, route: match.route, pathParameters: match.pathParameters, requestId, receivedAt, gateway };

    let authorizerContext: AuthorizerContext | undefined;
    if (match.route.access !== 'public') {
      const authorization = collectHeaders(req.rawHeaders).headers['authorization'];
      if (authorization === undefined || authorization === '') {
        sendGatewayAnswer(res, UNAUTHORIZED);
        return;
      }
      let decision: AuthorizerDecision;
      try {
        decision = await authorize(input, authorization);
      } catch (error) {
        logError({ level: 'error', msg: 'authorizer failed', requestId, route }, error);
        sendGatewayAnswer(res, INTERNAL);
        return;
      }
      if (!decision.isAuthorized) {
        sendGatewayAnswer(res, FORBIDDEN);
        return;
      }
      authorizerContext = decision.context;
    }

    const event = buildProxyEvent(input);
    if (authorizerContext) {
      (event as unknown as { requestContext: Record<string, unknown> }).requestContext.authorizer = { lambda: authorizerContext };
    }

    let result: unknown;
    try {
      const handler = await handlerFor(match.route.handler);
      result = await invoke(handler, event, lambdaContext(match.route.id, requestId, gateway), integrationTimeoutMs);
    } catch (error) {
      logError({ level: 'error', msg: 'handler failed', requestId, route }, error);
      sendGatewayAnswer(res, error instanceof IntegrationTimeout ? UNAVAILABLE : INTERNAL);
      return;
    }

    try {
      writeLambdaResult(res, result);
    } catch (error) {
      logError({ level: 'error', msg: 'handler returned an invalid response', requestId, route }, error);
      sendGatewayAnswer(res, INTERNAL);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logError({ level: 'error', msg: 'local server failure' }, error);
      if (!res.headersSent) sendGatewayAnswer(res, INTERNAL);
      else res.destroy();
    });
  });
  return server;
}

function sendGatewayAnswer(res: ServerResponse, answer: GatewayAnswer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ message: answer.message });
  res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads the body; stops buffering beyond the limit (the caller answers 413). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume(); // drain what the client is still sending so it can read the 413
      resolve('too_large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    req.on('data', (chunk: Buffer) => {
      if (overflow) return;
      size += chunk.length;
      if (size > maxBytes) {
        overflow = true;
        chunks.length = 0;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!overflow) resolve(Buffer.concat(chunks, size));
    });
    // The client went away before sending the whole body: nothing to answer.
    req.on('close', () => {
      if (!req.complete) resolve('aborted');
    });
    req.on('error', () => resolve('aborted'));
  });
}

/** Calls a handler like the Lambda runtime for Node 24 does (promise style; no callbacks). */
async function invoke(handler: LambdaHandler, event: unknown, context: Context, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeout(timeoutMs)), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function lambdaContext(functionId: string, awsRequestId: string, gateway: GatewaySettings): Context {
  const functionName = `portdesk-local-${functionId}`;
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  const unsupported = () => {
    throw new Error('Callback-style context methods are not supported on the nodejs24.x runtime');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: functionId,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${gateway.region}:${gateway.accountId}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function readAuthorizerResult(result: unknown): AuthorizerDecision {
  if (typeof result !== 'object' || result === null || typeof (result as { isAuthorized?: unknown }).isAuthorized !== 'boolean') {
    throw new Error('The authorizer did not return a simple response ({ isAuthorized: boolean, context? })');
  }
  const { isAuthorized, context } = result as { isAuthorized: boolean; context?: unknown };
  if (!isAuthorized) return { isAuthorized: false };
  return { isAuthorized: true, context: (context ?? {}) as AuthorizerContext };
}

/** Writes a payload-2.0 Lambda result the way API Gateway turns it into an HTTP response. */
export function writeLambdaResult(res: ServerResponse, result: unknown): void {
  const structured =
    typeof result === 'object' && result !== null && !Array.isArray(result) && 'statusCode' in result;
  if (!structured) {
    // No statusCode: API Gateway assumes 200 and JSON; a string is the body as is.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const r = result as APIGatewayProxyStructuredResultV2 & {
    multiValueHeaders?: Record<string, (string | number | boolean)[]>;
  };
  const status = r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    throw new Error(`statusCode must be an integer between 100 and 599, got ${String(status)}`);
  }
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') {
    throw new Error('body must be a string');
  }
  const headers = new Map<string, string[]>();
  const add = (name: string, value: string | number | boolean) => {
    const key = name.toLowerCase();
    headers.set(key, [...(headers.get(key) ?? []), String(value)]);
  };
  for (const [name, values] of Object.entries(r.multiValueHeaders ?? {})) for (const v of values) add(name, v);
  for (const [name, value] of Object.entries(r.headers ?? {})) {
    headers.delete(name.toLowerCase());
    add(name, value);
  }
  for (const cookie of r.cookies ?? []) add('set-cookie', cookie);
  const body = r.body ? (r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8')) : Buffer.alloc(0);
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  for (const [name, values] of headers) {
    res.setHeader(name, name === 'set-cookie' ? values : values.join(','));
  }
  res.setHeader('content-length', body.length);
  res.writeHead(status);
  res.end(body);
}
