// The middy pipeline on its own, with a fake repository for idempotency records: the edge cases
// that are hard to provoke through a real server (a request still in flight, a crash, limits).
import { describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { apiHandler, type ApiEvent } from '../../shared/http/handler.ts';
import type { IdempotencyRecord, Repository } from '../../shared/app/ports.ts';
import { RuleViolationError } from '../../shared/rules/errors.ts';

function fakeRepository(existing: IdempotencyRecord | null = null) {
  const calls: string[] = [];
  const repository = {
    beginIdempotent: async () => {
      calls.push('begin');
      return existing;
    },
    completeIdempotent: async () => void calls.push('complete'),
    abandonIdempotent: async () => void calls.push('abandon'),
  } as unknown as Repository;
  return { repository, calls };
}

function event({ headers, ...overrides }: Partial<ApiEvent> & { body?: string; headers?: Record<string, string> } = {}): ApiEvent {
  return {
    version: '2.0',
    routeKey: 'POST /v1/carriers',
    rawPath: '/v1/carriers',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(headers ?? {}) },
    requestContext: {
      authorizer: { lambda: { role: 'operator', principalId: 'op1', accountId: '', carrierId: '' } },
    } as ApiEvent['requestContext'],
    isBase64Encoded: false,
    ...overrides,
  } as ApiEvent;
}

const context = { awsRequestId: 'req-1', functionName: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

describe('problem details for every failure', () => {
  it('a crash is a 500 that reveals nothing', async () => {
    const { repository } = fakeRepository();
    const handler = apiHandler('createCarrier', { repository }, async () => {
      throw new Error('secret table name portdesk-prod and a stack');
    });
    const answer = await handler(event({ body: JSON.stringify({ name: 'X' }) }), context);
    expect(answer.statusCode).toBe(500);
    const body = JSON.parse(answer.body!);
    expect(body).toMatchObject({ status: 500, code: 'internal_error', title: 'Internal Server Error' });
    expect(answer.body).not.toContain('secret');
  });
  it('a rule violation is a 422 with its issues', async () => {
    const { repository } = fakeRepository();
    const handler = apiHandler('createCarrier', { repository }, async () => {
      throw new RuleViolationError('account_id_required', 'Say which account.', [{ path: 'accountId', code: 'account_id_required', message: 'Give it.' }]);
    });
    const answer = await handler(event({ body: '{"name":"X"}' }), context);
    expect(answer.statusCode).toBe(422);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(answer.body!).errors).toEqual([{ path: 'accountId', code: 'account_id_required', message: 'Give it.' }]);
  });
  it('a body that is not JSON content is a 415', async () => {
    const { repository } = fakeRepository();
    const handler = apiHandler('createCarrier', { repository }, async () => ({ status: 201 }));
    const answer = await handler(event({ body: 'name=X', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), context);
    expect(answer.statusCode).toBe(415);
    expect(JSON.parse(answer.body!).code).toBe('unsupported_media_type');
  });
  it('a body over 1 MB is a 413', async () => {
    const { repository } = fakeRepository();
    const handler = apiHandler('createCarrier', { repository }, async () => ({ status: 201 }));
    const answer = await handler(event({ body: JSON.stringify({ name: 'x'.repeat(1_100_000) }) }), context);
    expect(answer.statusCode).toBe(413);
    expect(JSON.parse(answer.body!).code).toBe('body_too_large');
  });
  it('a base64-encoded JSON body (as API Gateway sends merge-patch+json) is decoded', async () => {
    const { repository } = fakeRepository();
    const handler = apiHandler('createCarrier', { repository }, async ({ body }) => ({ status: 201, body }));
    const answer = await handler(event({ body: Buffer.from('{"name":"Encoded"}').toString('base64'), isBase64Encoded: true }), context);
    expect(answer.statusCode).toBe(201);
    expect(JSON.parse(answer.body!)).toMatchObject({ name: 'Encoded' });
  });
  it('no authorizer context is a 401 (never reached behind API Gateway, but never trusted either)', async () => {
    const { repository } = fakeRepository();
    const handler = apiHandler('createCarrier', { repository }, async () => ({ status: 201 }));
    const answer = await handler(event({ requestContext: {} as ApiEvent['requestContext'], body: '{"name":"X"}' }), context);
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body!).code).toBe('unauthenticated');
  });
});

describe('idempotency records', () => {
  it('a request still in flight with the same key is a 409', async () => {
    const body = '{"name":"X"}';
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(`createCarrier\n/v1/carriers\n${body}`).digest('hex');
    const { repository } = fakeRepository({ requestHash: hash, state: 'in_progress', response: null });
    let ran = false;
    const handler = apiHandler('createCarrier', { repository }, async () => {
      ran = true;
      return { status: 201 };
    });
    const answer = await handler(event({ body, headers: { 'idempotency-key': 'k1' } }), context);
    expect(answer.statusCode).toBe(409);
    expect(JSON.parse(answer.body!).code).toBe('idempotency_in_progress');
    expect(ran).toBe(false);
  });
  it('a success is stored; a failure releases the key for a retry', async () => {
    const ok = fakeRepository();
    await apiHandler('createCarrier', { repository: ok.repository }, async () => ({ status: 201, body: {} }))(
      event({ body: '{"name":"X"}', headers: { 'idempotency-key': 'k2' } }),
      context,
    );
    expect(ok.calls).toEqual(['begin', 'complete']);
    const failing = fakeRepository();
    await apiHandler('createCarrier', { repository: failing.repository }, async () => {
      throw new RuleViolationError('x', 'no');
    })(event({ body: '{"name":"X"}', headers: { 'idempotency-key': 'k3' } }), context);
    expect(failing.calls).toEqual(['begin', 'abandon']);
  });
  it('a POST that writes nothing (a portability check) records nothing: its Lambda has no right to write', async () => {
    const { repository, calls } = fakeRepository();
    const answer = await apiHandler('checkPortability', { repository }, async () => ({ status: 200, body: { results: [] } }))(
      event({ routeKey: 'POST /v1/portability-checks', rawPath: '/v1/portability-checks', body: '{"numbers":["+61731234567"]}', headers: { 'idempotency-key': 'k4' } }),
      context,
    );
    expect(answer.statusCode).toBe(200);
    expect(calls).toEqual([]);
  });
  it('without the header nothing is recorded', async () => {
    const { repository, calls } = fakeRepository();
    await apiHandler('createCarrier', { repository }, async () => ({ status: 201 }))(event({ body: '{"name":"X"}' }), context);
    expect(calls).toEqual([]);
  });
});
