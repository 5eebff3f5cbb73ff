// The middy pipeline of a page route (HTML for people, e.g. the signing page): log context -> HTML
// error pages -> form parsing -> handler. The page's path holds a secret (the signing link's token),
// so nothing here logs the path, its parameters or the event: route, status, code and timing only.
import middy, { type MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { logger } from '../app/logger.ts';
import { DomainError } from '../rules/errors.ts';
import { HTML_HEADERS, PAGE_HEADERS, renderErrorPage } from '../pages/layout.ts';
import { HttpError, statusOf } from './problem.ts';
import { ROUTES, type RouteSpec } from './routes.ts';

export type PageEvent = APIGatewayProxyEventV2;
export type PageResponse = APIGatewayProxyStructuredResultV2;

export interface PageRequest {
  params: Record<string, string>;
  /** The `application/x-www-form-urlencoded` body; empty without one. */
  form: URLSearchParams;
  sourceIp: string | null;
  userAgent: string | null;
}

/** A rendered page (`html`), or a redirect (no html, a `location` header). */
export interface PageResult {
  status: number;
  html?: string;
  headers?: Record<string, string>;
}

/** The route's own page for a domain error (e.g. the form again with the refusal, or the state page). */
export type ErrorPage = (error: DomainError, request: PageRequest) => Promise<PageResult>;

/** A form of a person's typing is far below this; anything above is refused unread. */
export const MAX_FORM_BYTES = 16 * 1024;

interface Internal extends Record<string, unknown> {
  request: PageRequest | null;
}

type Request = middy.Request<PageEvent, PageResponse, Error, Context, Internal>;

/** Build the Lambda handler of one page route. Without `errorPage`, domain errors get the generic page with their status. */
export function pageHandler(routeId: string, handle: (request: PageRequest) => Promise<PageResult>, errorPage?: ErrorPage) {
  const route = ROUTES.find((r) => r.id === routeId);
  if (!route) throw new Error(`Unknown route ${routeId}`);
  if (route.kind !== 'page') throw new Error(`Route ${routeId} is not a page route`);
  return middy<PageEvent, PageResponse, Error, Context, Internal>()
    // logEvent false whatever POWERTOOLS_LOGGER_LOG_EVENT says: the event holds the token.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use(errorPages(route, errorPage))
    .use(parseForm())
    .handler(async (_event, context) => {
      const request = (context as unknown as { internal: Internal }).internal.request;
      if (!request) throw new Error('The page request was not parsed');
      return toResponse(await handle(request));
    });
}

/** A redirect: 303 after a form post (the browser then GETs, so a refresh never posts again), 302 otherwise. */
export const redirect = (status: 302 | 303, location: string): PageResult => ({ status, headers: { location } });

function toResponse(result: PageResult): PageResponse {
  return {
    statusCode: result.status,
    headers: { ...(result.html === undefined ? PAGE_HEADERS : HTML_HEADERS), ...result.headers },
    body: result.html ?? '',
  };
}

function internalOf(request: Request): Internal {
  return (request.context as unknown as { internal: Internal }).internal;
}

function errorPages(route: RouteSpec, errorPage: ErrorPage | undefined): MiddlewareObj<PageEvent, PageResponse, Error, Context, Internal> {
  const started = new WeakMap<object, number>();
  const logOutcome = (request: Request, status: number, code?: string) => {
    const ms = Date.now() - (started.get(request.context) ?? Date.now());
    logger.info('request', { route: route.id, status, code, ms });
  };
  const logCrash = (request: Request, error: unknown) => {
    const secrets = Object.values(request.event.pathParameters ?? {}).filter((v): v is string => typeof v === 'string' && v !== '');
    logger.error('unhandled error', { route: route.id, error: redactedError(error, secrets) });
  };
  return {
    before: (request) => {
      (request.context as unknown as { internal: Internal }).internal = { request: null };
      started.set(request.context, Date.now());
    },
    after: (request) => {
      logOutcome(request, request.response?.statusCode ?? 200);
    },
    onError: async (request) => {
      const error = request.error;
      const pageRequest = internalOf(request)?.request ?? null;
      let result: PageResult;
      let code: string | undefined;
      if (!(error instanceof DomainError)) {
        logCrash(request, error);
        result = renderErrorPage(500);
        code = 'internal_error';
      } else if (error instanceof HttpError || !errorPage || !pageRequest) {
        // The edge's own refusals (size, media type) come before the route knows anything to show.
        result = renderErrorPage(statusOf(error));
        code = error.code;
      } else {
        code = error.code;
        try {
          result = await errorPage(error, pageRequest);
        } catch (failure) {
          logCrash(request, failure);
          result = renderErrorPage(500);
          code = 'internal_error';
        }
      }
      request.response = toResponse(result);
      logOutcome(request, result.status, code);
    },
  };
}

function parseForm(): MiddlewareObj<PageEvent, PageResponse, Error, Context, Internal> {
  return {
    before: (request) => {
      const event = request.event;
      const raw = event.body ? Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
      if (raw.byteLength > MAX_FORM_BYTES) throw new HttpError(413, 'body_too_large', `A form may carry at most ${MAX_FORM_BYTES} bytes.`);
      const type = event.headers?.['content-type'] ?? '';
      if (raw.byteLength > 0 && !/^application\/x-www-form-urlencoded\b/i.test(type)) {
        throw new HttpError(415, 'unsupported_media_type', 'Send the form as application/x-www-form-urlencoded.');
      }
      const http = event.requestContext?.http;
      internalOf(request).request = {
        params: Object.fromEntries(Object.entries(event.pathParameters ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
        form: new URLSearchParams(raw.toString('utf8')),
        sourceIp: http?.sourceIp || null,
        userAgent: http?.userAgent || event.headers?.['user-agent'] || null,
      };
    },
  };
}

/** The error for the log with every secret (and its URL-encoded form) replaced: messages may quote an id or a path. */
function redactedError(error: unknown, secrets: string[]): { name: string; message: string; stack?: string } {
  const forms = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s)]))].sort((a, b) => b.length - a.length);
  const redact = (text: string) => forms.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  if (error instanceof Error) {
    return { name: error.name, message: redact(error.message), ...(error.stack ? { stack: redact(error.stack) } : {}) };
  }
  return { name: 'NonError', message: redact(String(error)) };
}
