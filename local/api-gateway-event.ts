// Local runtime only: turns a Node HTTP request into the events API Gateway HTTP API (payload format
// 2.0) builds, so the same handler modules run unchanged on a laptop. Pure functions: no I/O, no
// clock reads (the caller passes the request time and ids).
import type { IncomingHttpHeaders } from 'node:http';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import type { HttpMethod, RouteSpec } from '../shared/http/routes.ts';

// ---------------------------------------------------------------------------------------------
// Route matching

export type RouteMatch =
  | { kind: 'matched'; route: RouteSpec; pathParameters: Record<string, string> }
  /** No route's path template matches the path. */
  | { kind: 'not_found' }
  /** A path template matches, but not with this method (API Gateway answers 404 all the same). */
  | { kind: 'method_not_allowed'; allowedMethods: HttpMethod[] };

interface CompiledRoute {
  route: RouteSpec;
  /** Literal segments as strings, `{name}` segments as { param: name }. */
  segments: (string | { param: string })[];
  literalCount: number;
}

export interface RouteMatcher {
  match(method: string, rawPath: string): RouteMatch;
}

const PARAM_SEGMENT = /^\{([A-Za-z0-9_]+)\}$/;

/** Compiles API Gateway path templates (`/v1/port-ins/{id}`) into a matcher. */
export function createRouteMatcher(routes: readonly RouteSpec[]): RouteMatcher {
  const compiled: CompiledRoute[] = routes.map((route) => {
    if (!route.path.startsWith('/')) throw new Error(`Route ${route.id}: path must start with "/"`);
    const segments = route.path
      .slice(1)
      .split('/')
      .map((segment) => {
        const param = PARAM_SEGMENT.exec(segment);
        if (param) return { param: param[1] as string };
        if (segment.includes('{') || segment.includes('}')) {
          throw new Error(`Route ${route.id}: unsupported path segment ${segment} (only whole-segment {name})`);
        }
        return segment;
      });
    return { route, segments, literalCount: segments.filter((s) => typeof s === 'string').length };
  });
  // Most specific first: a literal segment beats a parameter (as API Gateway's route selection does).
  compiled.sort((a, b) => b.literalCount - a.literalCount);

  return {
    match(method, rawPath) {
      const requestSegments = rawPath.slice(1).split('/');
      const allowed = new Set<HttpMethod>();
      for (const candidate of compiled) {
        const params = matchSegments(candidate.segments, requestSegments);
        if (!params) continue;
        if (candidate.route.method === method.toUpperCase()) {
          return { kind: 'matched', route: candidate.route, pathParameters: params };
        }
        allowed.add(candidate.route.method);
      }
      return allowed.size > 0 ? { kind: 'method_not_allowed', allowedMethods: [...allowed] } : { kind: 'not_found' };
    },
  };
}

function matchSegments(
  template: CompiledRoute['segments'],
  request: string[],
): Record<string, string> | null {
  if (template.length !== request.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const expected = template[i] as CompiledRoute['segments'][number];
    const actual = request[i] as string;
    if (typeof expected === 'string') {
      if (expected !== actual) return null;
    } else {
      if (actual === '') return null;
      params[expected.param] = safeDecode(actual);
    }
  }
  return params;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Request parsing helpers

/** Splits a request target into the raw path and the raw query string (without `?`). */
export function splitUrl(url: string): { rawPath: string; rawQueryString: string } {
  const hashAt = url.indexOf('#');
  const target = hashAt === -1 ? url : url.slice(0, hashAt);
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  return { rawPath: rawPath === '' ? '/' : rawPath, rawQueryString: q === -1 ? '' : target.slice(q + 1) };
}

/**
 * Headers as API Gateway passes them: names lowercased, repeated headers joined with commas.
 * `rawHeaders` is Node's flat [name, value, name, value, ...] list, which keeps every repeat.
 * The Cookie header is moved to `cookies` (payload 2.0 does not repeat it under headers).
 */
export function collectHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    if (name === 'cookie') {
      for (const part of value.split(';')) {
        const cookie = part.trim();
        if (cookie !== '') cookies.push(cookie);
      }
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Query parameters as API Gateway passes them: decoded, repeated keys joined with commas. */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    result[key] = key in result ? `${result[key]},${value}` : value;
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

/**
 * HTTP API hands the body over as UTF-8 text only for these content types; everything else
 * (including a missing Content-Type and application/x-www-form-urlencoded) arrives base64-encoded.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript'
  );
}

export function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  return isTextContentType(contentType)
    ? { body: body.toString('utf8'), isBase64Encoded: false }
    : { body: body.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestContext.time` format: `12/Mar/2020:19:03:58 +0000`. */
export function formatRequestTime(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()}:` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())} +0000`
  );
}

// ---------------------------------------------------------------------------------------------
// Events

/** What the event builders need from a Node IncomingMessage (a real one satisfies it). */
export interface IncomingRequestLike {
  method?: string | undefined;
  url?: string | undefined;
  httpVersion: string;
  rawHeaders: string[];
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string | undefined; localPort?: number | undefined };
}

export interface GatewaySettings {
  /** 12-digit account id put in requestContext and ARNs. */
  accountId: string;
  apiId: string;
  region: string;
  stage: string;
}

export const LOCAL_GATEWAY: GatewaySettings = {
  accountId: '000000000000',
  apiId: 'local',
  region: 'ap-southeast-2',
  stage: '$default',
};

export interface EventInput {
  req: IncomingRequestLike;
  body: Buffer;
  /** The matched route. */
  route: RouteSpec;
  pathParameters: Record<string, string>;
  requestId: string;
  /** When the request arrived (real time: API Gateway's clock, not the service clock). */
  receivedAt: Date;
  gateway?: GatewaySettings;
}

export function routeKeyOf(route: RouteSpec): string {
  return `${route.method} ${route.path}`;
}

function sourceIpOf(req: IncomingRequestLike): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Everything the proxy event and the authorizer event share. */
function buildCommon(input: EventInput) {
  const gateway = input.gateway ?? LOCAL_GATEWAY;
  const { rawPath, rawQueryString } = splitUrl(input.req.url ?? '/');
  const { headers, cookies } = collectHeaders(input.req.rawHeaders);
  const sourceIp = sourceIpOf(input.req);
  // API Gateway adds these before the request reaches the integration.
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-port'] ??= String(input.req.socket.localPort ?? '');
  headers['x-forwarded-proto'] ??= 'http';
  headers['x-amzn-trace-id'] ??= traceIdOf(input.requestId, input.receivedAt);
  const domainName = headers['host'] ?? 'localhost';
  const routeKey = routeKeyOf(input.route);
  const requestContext: APIGatewayEventRequestContextV2 = {
    accountId: gateway.accountId,
    apiId: gateway.apiId,
    domainName,
    domainPrefix: domainName.split('.')[0]?.split(':')[0] ?? domainName,
    http: {
      method: (input.req.method ?? 'GET').toUpperCase(),
      path: rawPath,
      protocol: `HTTP/${input.req.httpVersion}`,
      sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId: input.requestId,
    routeKey,
    stage: gateway.stage,
    time: formatRequestTime(input.receivedAt),
    timeEpoch: input.receivedAt.getTime(),
  };
  const pathParameters = Object.keys(input.pathParameters).length > 0 ? { ...input.pathParameters } : undefined;
  const queryStringParameters = parseQueryString(rawQueryString);
  return { gateway, rawPath, rawQueryString, headers, cookies, requestContext, pathParameters, queryStringParameters, routeKey };
}

function traceIdOf(requestId: string, at: Date): string {
  const hex = requestId.replace(/-/g, '').padEnd(24, '0').slice(0, 24);
  return `Root=1-${Math.floor(at.getTime() / 1000).toString(16).padStart(8, '0')}-${hex}`;
}

/** The integration event (payload format 2.0) a route's Lambda receives; add the authorizer after. */
export function buildProxyEvent(input: EventInput): APIGatewayProxyEventV2 {
  const common = buildCommon(input);
  const encoded = encodeBody(input.body, common.headers['content-type']);
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: common.routeKey,
    rawPath: common.rawPath,
    rawQueryString: common.rawQueryString,
    headers: common.headers,
    requestContext: common.requestContext,
    isBase64Encoded: encoded.isBase64Encoded,
  };
  if (common.cookies.length > 0) event.cookies = common.cookies;
  if (common.queryStringParameters) event.queryStringParameters = common.queryStringParameters;
  if (common.pathParameters) event.pathParameters = common.pathParameters;
  if (encoded.body !== undefined) event.body = encoded.body;
  return event;
}

/** The REQUEST event an HTTP API Lambda authorizer (identity source: the Authorization header) receives. */
export function buildAuthorizerEvent(input: EventInput): APIGatewayRequestAuthorizerEventV2 {
  const common = buildCommon(input);
  const g = common.gateway;
  const routeArn =
    `arn:aws:execute-api:${g.region}:${g.accountId}:${g.apiId}/${g.stage}/` +
    `${common.requestContext.http.method}${common.rawPath}`;
  const event: APIGatewayRequestAuthorizerEventV2 = {
    version: '2.0',
    type: 'REQUEST',
    routeArn,
    identitySource: common.headers['authorization'] !== undefined ? [common.headers['authorization']] : [],
    routeKey: common.routeKey,
    rawPath: common.rawPath,
    rawQueryString: common.rawQueryString,
    cookies: common.cookies,
    headers: common.headers,
    requestContext: common.requestContext,
  };
  if (common.queryStringParameters) event.queryStringParameters = common.queryStringParameters;
  if (common.pathParameters) event.pathParameters = common.pathParameters;
  return event;
}
