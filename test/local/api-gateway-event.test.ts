import { describe, expect, it } from 'vitest';
import {
  buildAuthorizerEvent,
  buildProxyEvent,
  collectHeaders,
  createRouteMatcher,
  formatRequestTime,
  isTextContentType,
  parseQueryString,
  splitUrl,
  type EventInput,
  type IncomingRequestLike,
} from '../../local/api-gateway-event.ts';
import { ROUTES, type RouteSpec } from '../../shared/http/routes.ts';

const matcher = createRouteMatcher(ROUTES);

function route(id: string): RouteSpec {
  const found = ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`no route ${id}`);
  return found;
}

function request(method: string, url: string, rawHeaders: string[] = []): IncomingRequestLike {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[(rawHeaders[i] as string).toLowerCase()] = rawHeaders[i + 1] as string;
  return { method, url, httpVersion: '1.1', rawHeaders, headers, socket: { remoteAddress: '::ffff:127.0.0.1', localPort: 3000 } };
}

function input(req: IncomingRequestLike, body: Buffer, routeSpec: RouteSpec, pathParameters: Record<string, string> = {}): EventInput {
  return {
    req,
    body,
    route: routeSpec,
    pathParameters,
    requestId: '6f1c1b7e-8f7a-4d3b-9a51-5a2f0c1d2e3f',
    receivedAt: new Date('2026-03-02T09:05:07.123Z'),
  };
}

describe('route matching', () => {
  it('matches literal routes and path templates', () => {
    const list = matcher.match('GET', '/v1/accounts');
    expect(list).toMatchObject({ kind: 'matched', route: { id: 'listAccounts' }, pathParameters: {} });
    const get = matcher.match('GET', '/v1/port-ins/po_123');
    expect(get).toMatchObject({ kind: 'matched', route: { id: 'getPortIn' }, pathParameters: { id: 'po_123' } });
    const submit = matcher.match('post', '/v1/port-ins/po_123/submit');
    expect(submit).toMatchObject({ kind: 'matched', route: { id: 'submitPortIn' }, pathParameters: { id: 'po_123' } });
  });

  it('answers not_found when no path template matches', () => {
    expect(matcher.match('GET', '/v1/nothing')).toEqual({ kind: 'not_found' });
    expect(matcher.match('GET', '/v1/port-ins/po_1/unknown')).toEqual({ kind: 'not_found' });
    expect(matcher.match('GET', '/v1/accounts/')).toEqual({ kind: 'not_found' }); // empty {id}
    expect(matcher.match('GET', '/')).toEqual({ kind: 'not_found' });
  });

  it('answers method_not_allowed when the path matches with another method', () => {
    const result = matcher.match('DELETE', '/v1/port-ins/po_1');
    expect(result.kind).toBe('method_not_allowed');
    if (result.kind === 'method_not_allowed') expect(result.allowedMethods.sort()).toEqual(['GET', 'PATCH']);
    expect(matcher.match('PUT', '/health')).toEqual({ kind: 'method_not_allowed', allowedMethods: ['GET'] });
  });

  it('URL-decodes path parameters', () => {
    const result = matcher.match('GET', '/v1/accounts/acc%20one%2F2/numbers');
    expect(result).toMatchObject({ kind: 'matched', route: { id: 'listAccountNumbers' }, pathParameters: { id: 'acc one/2' } });
    // A malformed escape is passed through as is rather than failing.
    expect(matcher.match('GET', '/v1/accounts/%E0%A4%A')).toMatchObject({ pathParameters: { id: '%E0%A4%A' } });
  });

  it('prefers literal segments over parameters', () => {
    const routes: RouteSpec[] = [
      { ...route('getPortIn'), id: 'byId', path: '/v1/things/{id}', method: 'GET' },
      { ...route('getPortIn'), id: 'mine', path: '/v1/things/mine', method: 'GET' },
    ];
    expect(createRouteMatcher(routes).match('GET', '/v1/things/mine')).toMatchObject({ route: { id: 'mine' } });
  });

  it('rejects templates it cannot serve', () => {
    expect(() => createRouteMatcher([{ ...route('getPortIn'), path: '/v1/x-{id}' }])).toThrow(/unsupported path segment/);
    expect(() => createRouteMatcher([{ ...route('getPortIn'), path: 'v1/x' }])).toThrow(/must start/);
  });
});

describe('request parsing', () => {
  it('splits the path from the query string', () => {
    expect(splitUrl('/v1/port-ins?status=draft&limit=5')).toEqual({ rawPath: '/v1/port-ins', rawQueryString: 'status=draft&limit=5' });
    expect(splitUrl('/health')).toEqual({ rawPath: '/health', rawQueryString: '' });
  });

  it('lowercases header names, joins repeats with commas and moves cookies out', () => {
    const { headers, cookies } = collectHeaders([
      'Accept', 'application/json',
      'X-Custom', 'a',
      'x-custom', 'b',
      'Cookie', 'session=abc; theme=dark',
      'cookie', 'lang=en',
    ]);
    expect(headers).toEqual({ accept: 'application/json', 'x-custom': 'a,b' });
    expect(cookies).toEqual(['session=abc', 'theme=dark', 'lang=en']);
  });

  it('decodes query parameters and joins repeated keys with commas', () => {
    expect(parseQueryString('status=draft&status=submitted&q=a%20b&empty=&flag')).toEqual({
      status: 'draft,submitted',
      q: 'a b',
      empty: '',
      flag: '',
    });
    expect(parseQueryString('')).toBeUndefined();
  });

  it('treats only text/*, JSON, XML and JavaScript as text bodies', () => {
    expect(isTextContentType('application/json; charset=utf-8')).toBe(true);
    expect(isTextContentType('text/plain')).toBe(true);
    expect(isTextContentType('application/xml')).toBe(true);
    expect(isTextContentType('application/javascript')).toBe(true);
    expect(isTextContentType('application/octet-stream')).toBe(false);
    expect(isTextContentType('application/x-www-form-urlencoded')).toBe(false);
    expect(isTextContentType('application/merge-patch+json')).toBe(false);
    expect(isTextContentType(undefined)).toBe(false);
  });

  it("formats requestContext.time like API Gateway", () => {
    expect(formatRequestTime(new Date('2026-03-02T09:05:07.123Z'))).toBe('02/Mar/2026:09:05:07 +0000');
  });
});

describe('proxy event (payload format 2.0)', () => {
  it('builds the event API Gateway hands to a route handler', () => {
    const req = request('GET', '/v1/port-ins/po%2042?status=draft&status=rejected&limit=5', [
      'Host', '127.0.0.1:3000',
      'User-Agent', 'curl/8.5.0',
      'Authorization', 'Bearer pd_op_secret',
      'X-Trace', 'one',
      'X-Trace', 'two',
      'Cookie', 'a=1; b=2',
    ]);
    const match = matcher.match('GET', '/v1/port-ins/po%2042');
    if (match.kind !== 'matched') throw new Error('expected a match');
    const event = buildProxyEvent(input(req, Buffer.alloc(0), match.route, match.pathParameters));

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v1/port-ins/{id}',
      rawPath: '/v1/port-ins/po%2042',
      rawQueryString: 'status=draft&status=rejected&limit=5',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { status: 'draft,rejected', limit: '5' },
      pathParameters: { id: 'po 42' },
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: '127.0.0.1:3000',
        http: {
          method: 'GET',
          path: '/v1/port-ins/po%2042',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8.5.0',
        },
        requestId: '6f1c1b7e-8f7a-4d3b-9a51-5a2f0c1d2e3f',
        routeKey: 'GET /v1/port-ins/{id}',
        stage: '$default',
        time: '02/Mar/2026:09:05:07 +0000',
        timeEpoch: Date.parse('2026-03-02T09:05:07.123Z'),
      },
    });
    expect(event.body).toBeUndefined();
    expect(event.headers['x-trace']).toBe('one,two');
    expect(event.headers['authorization']).toBe('Bearer pd_op_secret');
    expect(event.headers['cookie']).toBeUndefined();
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(event.headers['x-forwarded-proto']).toBe('http');
    expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });

  it('leaves out optional parts that are absent', () => {
    const event = buildProxyEvent(input(request('GET', '/health'), Buffer.alloc(0), route('health')));
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.pathParameters).toBeUndefined();
    expect(event.cookies).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes JSON bodies as UTF-8 text', () => {
    const body = Buffer.from(JSON.stringify({ name: 'Zoë' }), 'utf8');
    const event = buildProxyEvent(
      input(request('POST', '/v1/accounts', ['Content-Type', 'application/json']), body, route('createAccount')),
    );
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe('{"name":"Zoë"}');
  });

  it('base64-encodes binary bodies and bodies without a text content type', () => {
    const binary = Buffer.from([0, 255, 1, 254, 10]);
    const event = buildProxyEvent(
      input(request('POST', '/v1/accounts', ['Content-Type', 'application/octet-stream']), binary, route('createAccount')),
    );
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body as string, 'base64')).toEqual(binary);

    const form = buildProxyEvent(input(request('POST', '/v1/accounts'), Buffer.from('{"a":1}'), route('createAccount')));
    expect(form.isBase64Encoded).toBe(true);
    expect(Buffer.from(form.body as string, 'base64').toString('utf8')).toBe('{"a":1}');
  });
});

describe('authorizer event (REQUEST, payload 2.0)', () => {
  it('carries the Authorization header as the identity source and the route ARN', () => {
    const req = request('POST', '/v1/port-ins/po_1/submit?x=1', ['Authorization', 'Bearer k', 'Host', 'localhost:3000']);
    const event = buildAuthorizerEvent(input(req, Buffer.from('{}'), route('submitPortIn'), { id: 'po_1' }));
    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:ap-southeast-2:000000000000:local/$default/POST/v1/port-ins/po_1/submit',
      identitySource: ['Bearer k'],
      routeKey: 'POST /v1/port-ins/{id}/submit',
      rawPath: '/v1/port-ins/po_1/submit',
      rawQueryString: 'x=1',
      queryStringParameters: { x: '1' },
      pathParameters: { id: 'po_1' },
      requestContext: { routeKey: 'POST /v1/port-ins/{id}/submit', stage: '$default' },
    });
    expect(event.headers?.['authorization']).toBe('Bearer k');
    expect(event).not.toHaveProperty('body');
  });
});
