// The local API Gateway stand-in with fake handler modules: routing answers, the Lambda authorizer's
// 401/403/500 behaviour and cache, handler failures, result mapping, the body limit, the local clock.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalServer, type LambdaHandler, type LocalServerOptions, type LogLine } from '../../local/http-server.ts';
import { freezeServiceClock, isServiceClockFrozen, serviceClock } from '../../shared/app/clock.ts';
import type { RouteSpec } from '../../shared/http/routes.ts';

const routes: RouteSpec[] = [
  { id: 'health', method: 'GET', path: '/health', handler: 'health', access: 'public', writes: false, summary: '' },
  { id: 'getThing', method: 'GET', path: '/v1/things/{id}', handler: 'get-thing', access: ['operator'], writes: false, summary: '' },
  { id: 'postThing', method: 'POST', path: '/v1/things', handler: 'post-thing', access: ['operator'], writes: true, summary: '' },
  { id: 'boom', method: 'GET', path: '/v1/boom', handler: 'boom', access: 'public', writes: false, summary: '' },
  { id: 'plain', method: 'GET', path: '/v1/plain', handler: 'plain', access: 'public', writes: false, summary: '' },
  { id: 'binary', method: 'GET', path: '/v1/binary', handler: 'binary', access: 'public', writes: false, summary: '' },
  { id: 'slow', method: 'GET', path: '/v1/slow', handler: 'slow', access: 'public', writes: false, summary: '' },
  { id: 'bad', method: 'GET', path: '/v1/bad', handler: 'bad', access: 'public', writes: false, summary: '' },
];

interface Recorded {
  authorizerCalls: unknown[];
  events: Record<string, unknown>[];
  contexts: Record<string, unknown>[];
  loads: string[];
}

let recorded: Recorded;
let authorizerMode: 'allow' | 'deny' | 'throw' | 'invalid' = 'allow';

const echo: LambdaHandler = async (event, context) => {
  recorded.events.push(event as Record<string, unknown>);
  recorded.contexts.push({ functionName: context.functionName, remaining: context.getRemainingTimeInMillis(), awsRequestId: context.awsRequestId });
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'x-multi': 'a' },
    cookies: ['s=1; HttpOnly', 't=2'],
    body: JSON.stringify({ ok: true }),
  };
};

const modules: Record<string, LambdaHandler> = {
  authorizer: async (event) => {
    recorded.authorizerCalls.push(event);
    if (authorizerMode === 'throw') throw new Error('authorizer exploded');
    if (authorizerMode === 'invalid') return { statusCode: 501 };
    if (authorizerMode === 'deny') return { isAuthorized: false };
    return { isAuthorized: true, context: { role: 'operator', principalId: 'p1', accountId: '', carrierId: '' } };
  },
  health: async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}' }),
  'get-thing': echo,
  'post-thing': echo,
  boom: async () => {
    throw new Error('handler exploded');
  },
  plain: async () => ({ hello: 'world' }),
  binary: async () => ({ statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([1, 2, 3, 250]).toString('base64'), isBase64Encoded: true }),
  slow: () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: 'late' }), 500)),
  bad: async () => ({ statusCode: 'two hundred' }),
};

const logs: LogLine[] = [];
const errors: LogLine[] = [];

async function startServer(extra: Partial<LocalServerOptions> = {}): Promise<{ server: Server; base: string }> {
  const server = createLocalServer({
    routes,
    authorizerHandler: 'authorizer',
    loadHandler: async (module) => {
      recorded.loads.push(module);
      const handler = modules[module];
      if (!handler) throw new Error(`no module ${module}`);
      return handler;
    },
    authorizerCacheTtlSeconds: 0,
    integrationTimeoutMs: 200,
    maxBodyBytes: 1024,
    log: (line) => logs.push(line),
    logError: (line) => errors.push(line),
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let server: Server;
let base: string;

beforeAll(async () => {
  ({ server, base } = await startServer());
});
afterAll(() => stop(server));
beforeEach(() => {
  recorded = { authorizerCalls: [], events: [], contexts: [], loads: [] };
  authorizerMode = 'allow';
  logs.length = 0;
  errors.length = 0;
});
afterEach(() => freezeServiceClock(null));

describe('routing like API Gateway', () => {
  it('serves public routes without calling the authorizer', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('apigw-requestid')).toMatch(/[0-9a-f-]{36}/);
    expect(recorded.authorizerCalls).toHaveLength(0);
  });

  it('answers 404 Not Found for unknown paths and for a known path with another method', async () => {
    for (const [method, path] of [['GET', '/nope'], ['DELETE', '/health'], ['POST', '/v1/things/1']] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    }
  });
});

describe('Lambda authorizer', () => {
  it('answers 401 without calling the authorizer when Authorization is missing', async () => {
    const res = await fetch(`${base}/v1/things/1`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
    expect(recorded.authorizerCalls).toHaveLength(0);
  });

  it('answers 403 when the authorizer says no', async () => {
    authorizerMode = 'deny';
    const res = await fetch(`${base}/v1/things/1`, { headers: { authorization: 'wrong' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
    expect(recorded.events).toHaveLength(0);
  });

  it('answers 500 when the authorizer throws or returns something that is not a simple response', async () => {
    for (const mode of ['throw', 'invalid'] as const) {
      authorizerMode = mode;
      const res = await fetch(`${base}/v1/things/1`, { headers: { authorization: 'k' } });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    }
    expect(errors.map((e) => e.msg)).toEqual(['authorizer failed', 'authorizer failed']);
  });

  it('passes the authorizer context at requestContext.authorizer.lambda', async () => {
    const res = await fetch(`${base}/v1/things/th%201?x=1`, { headers: { authorization: 'Bearer good' } });
    expect(res.status).toBe(200);
    const authEvent = recorded.authorizerCalls[0] as Record<string, unknown>;
    expect(authEvent).toMatchObject({ type: 'REQUEST', identitySource: ['Bearer good'], routeKey: 'GET /v1/things/{id}' });
    const event = recorded.events[0] as { requestContext: Record<string, unknown>; pathParameters: unknown };
    expect(event.requestContext['authorizer']).toEqual({
      lambda: { role: 'operator', principalId: 'p1', accountId: '', carrierId: '' },
    });
    expect(event.pathParameters).toEqual({ id: 'th 1' });
  });

  it('caches decisions per Authorization value for the TTL', async () => {
    const cached = await startServer({ authorizerCacheTtlSeconds: 300 });
    try {
      for (let i = 0; i < 3; i++) await fetch(`${cached.base}/v1/things/1`, { headers: { authorization: 'k1' } });
      await fetch(`${cached.base}/v1/things/1`, { headers: { authorization: 'k2' } });
      expect(recorded.authorizerCalls).toHaveLength(2);
      authorizerMode = 'deny'; // a cached allow still holds for k1
      expect((await fetch(`${cached.base}/v1/things/1`, { headers: { authorization: 'k1' } })).status).toBe(200);
    } finally {
      await stop(cached.server);
    }
  });

  it('does not cache with a TTL of 0', async () => {
    await fetch(`${base}/v1/things/1`, { headers: { authorization: 'k1' } });
    await fetch(`${base}/v1/things/1`, { headers: { authorization: 'k1' } });
    expect(recorded.authorizerCalls).toHaveLength(2);
  });
});

describe('handlers', () => {
  it('imports each handler module once', async () => {
    await fetch(`${base}/v1/things/1`, { headers: { authorization: 'k' } });
    await fetch(`${base}/v1/things/2`, { headers: { authorization: 'k' } });
    await fetch(`${base}/v1/things`, { method: 'POST', headers: { authorization: 'k' } });
    // beforeAll's server may have loaded them already; what matters is no repeat within this test.
    expect(new Set(recorded.loads).size).toBe(recorded.loads.length);
  });

  it('gives a Lambda-like context', async () => {
    await fetch(`${base}/v1/things/1`, { headers: { authorization: 'k' } });
    const context = recorded.contexts[0] as { functionName: string; remaining: number; awsRequestId: string };
    expect(context.functionName).toBe('getThing');
    expect(context.remaining).toBeGreaterThan(28_000);
    expect(context.remaining).toBeLessThanOrEqual(29_000);
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes headers, cookies and the body of a structured result', async () => {
    const res = await fetch(`${base}/v1/things/1`, { headers: { authorization: 'k' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.getSetCookie()).toEqual(['s=1; HttpOnly', 't=2']);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('decodes base64 result bodies', async () => {
    const res = await fetch(`${base}/v1/binary`);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(Buffer.from([1, 2, 3, 250]));
  });

  it('treats a result without statusCode as a 200 JSON body', async () => {
    const res = await fetch(`${base}/v1/plain`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  it('answers 500 Internal Server Error when a handler throws or returns garbage, and logs it', async () => {
    for (const path of ['/v1/boom', '/v1/bad']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ message: 'Internal Server Error' });
    }
    expect(errors.map((e) => e.msg)).toEqual(['handler failed', 'handler returned an invalid response']);
  });

  it('answers 503 when the integration times out', async () => {
    const res = await fetch(`${base}/v1/slow`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ message: 'Service Unavailable' });
  });

  it('answers 500 when a handler module cannot be loaded', async () => {
    const broken = await startServer({ routes: [{ ...routes[0]!, handler: 'missing' }] });
    try {
      const res = await fetch(`${broken.base}/health`);
      expect(res.status).toBe(500);
    } finally {
      await stop(broken.server);
    }
  });

  it('logs one line per request without bodies, query strings or credentials', async () => {
    await fetch(`${base}/v1/things/1?number=%2B61412345678`, {
      headers: { authorization: 'Bearer secret-key' },
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ msg: 'request', method: 'GET', route: 'GET /v1/things/{id}', status: 200 });
    expect(JSON.stringify(logs)).not.toMatch(/secret-key|61412345678/);
  });
});

describe('request body limit', () => {
  it('answers 413 above the limit (declared or streamed) and accepts a body at the limit', async () => {
    const tooBig = await fetch(`${base}/v1/things`, { method: 'POST', headers: { authorization: 'k' }, body: 'x'.repeat(1025) });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ message: 'Request Entity Too Large' });

    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(400)));
        controller.close();
      },
    });
    const streamed = await fetch(`${base}/v1/things`, { method: 'POST', headers: { authorization: 'k' }, body: chunks, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);

    const atLimit = await fetch(`${base}/v1/things`, {
      method: 'POST',
      headers: { authorization: 'k', 'content-type': 'text/plain' },
      body: 'z'.repeat(1024),
    });
    expect(atLimit.status).toBe(200);
    expect((recorded.events.at(-1) as { body: string }).body).toHaveLength(1024);
  });
});

describe('local clock routes', () => {
  it('reads the clock', async () => {
    const res = await fetch(`${base}/_local/clock`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { now: string; frozen: boolean };
    expect(body.frozen).toBe(false);
    expect(Math.abs(Date.parse(body.now) - Date.now())).toBeLessThan(5_000);
  });

  it('freezes at an instant given with an offset and unfreezes with null', async () => {
    const frozen = await fetch(`${base}/_local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ now: '2026-03-02T09:30:00+10:00' }),
    });
    expect(frozen.status).toBe(200);
    expect(await frozen.json()).toEqual({ now: '2026-03-01T23:30:00.000Z', frozen: true });
    expect(isServiceClockFrozen()).toBe(true);
    expect(serviceClock.now().toISOString()).toBe('2026-03-01T23:30:00.000Z');
    expect(await (await fetch(`${base}/_local/clock`)).json()).toEqual({ now: '2026-03-01T23:30:00.000Z', frozen: true });

    const thawed = await fetch(`${base}/_local/clock`, { method: 'POST', body: '{"now":null}' });
    expect(thawed.status).toBe(200);
    expect(((await thawed.json()) as { frozen: boolean }).frozen).toBe(false);
    expect(isServiceClockFrozen()).toBe(false);
  });

  it.each([
    ['{}', 'required'],
    ['{"now":"2026-03-02T09:30:00"}', 'invalid_datetime'], // no offset
    ['{"now":"2026-02-30T09:30:00Z"}', 'invalid_datetime'],
    ['{"now":"yesterday"}', 'invalid_datetime'],
    ['{"now":12345}', 'invalid_datetime'],
    ['not json', 'invalid_json'],
    ['[]', 'invalid_type'],
  ])('rejects %s with a 400 problem', async (body, code) => {
    const res = await fetch(`${base}/_local/clock`, { method: 'POST', body });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, code: 'invalid_request' });
    expect(typeof problem['detail']).toBe('string');
    expect((problem['errors'] as { code: string }[])[0]?.code).toBe(code);
    expect(isServiceClockFrozen()).toBe(false);
  });

  it('needs no authorization and exists only when enabled', async () => {
    expect((await fetch(`${base}/_local/nothing`)).status).toBe(404);
    const plain = await startServer({ localRoutes: false });
    try {
      expect((await fetch(`${plain.base}/_local/clock`)).status).toBe(404);
    } finally {
      await stop(plain.server);
    }
  });
});
