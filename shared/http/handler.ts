// Every API route is the same middy pipeline: log context -> problem details on error -> caller and
// role check -> request parsing against the route's zod schemas -> Idempotency-Key -> use case.
// Route handlers (functions/api/**) only pick the use case and map its result.
import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type {
  APIGatewayProxyEventV2WithLambdaAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { createHash } from 'node:crypto';
import type * as z from 'zod';
import type { Caller, Repository } from '../app/ports.ts';
import { logger } from '../app/logger.ts';
import type { AuthorizerContext } from './auth-context.ts';
import { ROUTES, type RouteSpec } from './routes.ts';
import { ROUTE_SCHEMAS } from './schemas.ts';
import { HttpError, problemResponse, statusOf, toProblem } from './problem.ts';
import { DomainError } from '../rules/errors.ts';
import type { Issue } from '../rules/types.ts';

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResponse = APIGatewayProxyStructuredResultV2;


type Schemas = typeof ROUTE_SCHEMAS;
type SchemaOut<S> = S extends z.ZodType ? z.output<S> : undefined;
export type BodyOf<R extends string> = R extends keyof Schemas ? SchemaOut<Schemas[R] extends { body: infer B } ? B : undefined> : undefined;
export type QueryOf<R extends string> = R extends keyof Schemas ? SchemaOut<Schemas[R] extends { query: infer Q } ? Q : undefined> : undefined;

export interface ApiRequest<R extends string> {
  body: BodyOf<R>;
  query: QueryOf<R>;
  params: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** The body's bytes as sent (decoded from base64 when API Gateway encoded it): routes without a body schema read it themselves (uploads). */
  rawBody: Buffer;
  /** Where the request came from, as API Gateway saw it (signatures record it in their audit trail). */
  client: { ip: string | null; userAgent: string | null };
  caller: Caller;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Internal extends Record<string, unknown> {
  caller: Caller;
  body: unknown;
  rawBody: Buffer;
  query: unknown;
  idempotency: { scope: string; key: string } | null;
}

type Request = middy.Request<ApiEvent, ApiResponse, Error, Context, Internal>;

const MAX_BODY_BYTES = 1_000_000;

/** Build the Lambda handler of one route. `deps.repository` serves idempotency records. */
export function apiHandler<R extends string>(
  routeId: R,
  deps: { repository: Repository },
  handle: (request: ApiRequest<R>) => Promise<ApiResult>,
) {
  const route = ROUTES.find((r) => r.id === routeId);
  if (!route) throw new Error(`Unknown route ${routeId}`);
  return middy<ApiEvent, ApiResponse, Error, Context, Internal>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(problemDetails(route))
    .use(identifyCaller(route))
    .use(parseRequest(route))
    .use(idempotency(route, deps.repository))
    .handler(async (event, context) => {
      const internal = (context as unknown as { internal: Internal }).internal;
      const result = await handle({
        body: internal.body as BodyOf<R>,
        query: internal.query as QueryOf<R>,
        params: (event.pathParameters ?? {}) as Record<string, string>,
        headers: event.headers,
        rawBody: internal.rawBody,
        client: { ip: event.requestContext.http?.sourceIp || null, userAgent: event.requestContext.http?.userAgent || null },
        caller: internal.caller,
      });
      return json(result.status, result.body, result.headers);
    });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

// Per-invocation state lives on the context (the one object middy hands both to middlewares and to
// the handler function). It is reset when each invocation starts, so nothing leaks between calls.
function freshInternal(request: Request): void {
  (request.context as unknown as { internal: Internal }).internal = {
    caller: undefined as unknown as Caller,
    body: undefined,
    rawBody: Buffer.alloc(0),
    query: undefined,
    idempotency: null,
  };
}

function internalOf(request: Request): Internal {
  return (request.context as unknown as { internal: Internal }).internal;
}

function problemDetails(route: RouteSpec): MiddlewareObj<ApiEvent, ApiResponse, Error, Context, Internal> {
  const started = new WeakMap<object, number>();
  const logOutcome = (request: Request, status: number, code?: string) => {
    const ms = Date.now() - (started.get(request.context) ?? Date.now());
    // Route, status, timing and the caller's non-secret id only: no bodies, numbers or emails.
    logger.info('request', { route: route.id, status, code, ms, principal: internalOf(request)?.caller?.principalId });
  };
  return {
    before: (request) => {
      freshInternal(request);
      started.set(request.context, Date.now());
    },
    after: (request) => {
      logOutcome(request, request.response?.statusCode ?? 200);
    },
    onError: (request) => {
      const error = request.error;
      if (error instanceof DomainError) {
        request.response = toProblem(error);
        logOutcome(request, statusOf(error), error.code);
        return;
      }
      logger.error('unhandled error', { route: route.id, error: error as Error });
      request.response = toProblem(error);
    },
  };
}

function identifyCaller(route: RouteSpec): MiddlewareObj<ApiEvent, ApiResponse, Error, Context, Internal> {
  return {
    before: (request) => {
      if (route.access === 'public') return;
      const ctx = request.event.requestContext.authorizer?.lambda;
      if (!ctx?.role) throw new HttpError(401, 'unauthenticated', 'Send Authorization: Bearer <api key>.');
      const caller: Caller = {
        role: ctx.role,
        principalId: ctx.principalId,
        accountId: ctx.accountId || null,
        carrierId: ctx.carrierId || null,
      };
      if (!route.access.includes(caller.role)) {
        throw new HttpError(403, 'forbidden', `A ${caller.role} API key cannot use ${route.method} ${route.path}.`);
      }
      internalOf(request).caller = caller;
    },
  };
}

function parseRequest(route: RouteSpec): MiddlewareObj<ApiEvent, ApiResponse, Error, Context, Internal> {
  const schemas = (ROUTE_SCHEMAS as Record<string, { body?: z.ZodType; query?: z.ZodType }>)[route.id] ?? {};
  return {
    before: (request) => {
      const internal = internalOf(request);
      const event = request.event;
      if (schemas.query) internal.query = check(schemas.query, event.queryStringParameters ?? {}, 'query');
      internal.rawBody = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
      if (schemas.body) {
        const raw = internal.rawBody.toString('utf8');
        if (internal.rawBody.byteLength > MAX_BODY_BYTES) {
          throw new HttpError(413, 'body_too_large', `Send at most ${MAX_BODY_BYTES} bytes of JSON; split large orders.`);
        }
        const type = event.headers['content-type'] ?? '';
        if (raw !== '' && !/^application\/(merge-patch\+)?json\b/i.test(type)) {
          throw new HttpError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
        }
        let parsed: unknown = {};
        if (raw.trim() !== '') {
          try {
            parsed = JSON.parse(raw);
          } catch {
            throw new HttpError(400, 'invalid_json', 'The body is not valid JSON; check quotes, commas and brackets.');
          }
        }
        internal.body = check(schemas.body, parsed, 'body');
      }
    },
  };
}

function check(schema: z.ZodType, value: unknown, where: 'body' | 'query'): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((issue) => ({
    path: formatPath(issue.path),
    code: issue.code,
    message: issue.message,
  }));
  throw new HttpError(400, 'invalid_request', `The request ${where} does not match the schema: ${issues.length} problem(s), listed in errors.`, issues);
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');
}

/**
 * Idempotency-Key on every POST that writes: the first response (2xx) is stored for 24 h and replayed for
 * the same key and body; the same key with another body is refused; a request still running answers 409.
 * A POST that writes nothing (a check, a refused cancel) repeats safely, and its Lambda may not write the record.
 */
function idempotency(route: RouteSpec, repository: Repository): MiddlewareObj<ApiEvent, ApiResponse, Error, Context, Internal> {
  return {
    before: async (request) => {
      const key = request.event.headers['idempotency-key'];
      if (route.method !== 'POST' || !route.writes || key === undefined) return;
      if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
        throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1-255 printable ASCII characters (a UUID is ideal).');
      }
      const internal = internalOf(request);
      const scope = internal.caller?.principalId ?? 'public';
      const hash = createHash('sha256')
        .update(`${route.id}\n${request.event.rawPath}\n${request.event.body ?? ''}`)
        .digest('hex');
      const existing = await repository.beginIdempotent(scope, key, hash);
      if (existing === null) {
        internal.idempotency = { scope, key };
        return;
      }
      if (existing.requestHash !== hash) {
        throw new HttpError(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request.');
      }
      if (existing.state === 'in_progress' || !existing.response) {
        throw new HttpError(409, 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
      }
      const replay = existing.response;
      return { statusCode: replay.statusCode, headers: { ...replay.headers, 'idempotent-replayed': 'true' }, body: replay.body };
    },
    after: async (request) => {
      const pending = internalOf(request)?.idempotency;
      const response = request.response;
      if (!pending || !response) return;
      const status = response.statusCode ?? 200;
      if (status >= 200 && status < 300) {
        await repository.completeIdempotent(pending.scope, pending.key, {
          statusCode: status,
          headers: (response.headers ?? {}) as Record<string, string>,
          body: response.body ?? '',
        });
      } else {
        await repository.abandonIdempotent(pending.scope, pending.key);
      }
    },
    onError: async (request) => {
      // Nothing was done (or it was undone): let the client retry with the same key.
      const pending = internalOf(request)?.idempotency;
      if (pending) await repository.abandonIdempotent(pending.scope, pending.key).catch(() => undefined);
    },
  };
}

export { problemResponse };
