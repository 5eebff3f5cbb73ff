// Who may call what (every role on every route), who may see what (404 for other accounts'
// orders), and how the edge answers bad input, retries and races.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/http/routes.ts';
import type { Role } from '../../shared/app/ports.ts';
import { accountBody, portInBody, SAMPLE, startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let carrierA: { id: string; apiKey: string };
let carrierB: { id: string; apiKey: string };
let accountA: { id: string; apiKey: string };
let accountB: { id: string; apiKey: string };
let orderA: string;

beforeAll(async () => {
  api = await startTestApi();
  await api.setClock('2026-09-01T00:00:00Z');
  carrierA = (await api.call('POST', '/v1/carriers', { body: { name: 'Carrier A' } })).body;
  carrierB = (await api.call('POST', '/v1/carriers', { body: { name: 'Carrier B' } })).body;
  accountA = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
  accountB = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
  orderA = (await api.call('POST', '/v1/port-ins', { key: accountA.apiKey, body: portInBody('AU', carrierA.id) })).body.id;
});
afterAll(async () => {
  await api.setClock(null);
  await api.close();
});

describe('role matrix: every role on every protected route', () => {
  const keyOf = (role: Role) => (role === 'operator' ? api.operatorKey : role === 'customer' ? accountA.apiKey : carrierA.apiKey);
  // Orders: an id that does not exist, so allowed calls cannot change state (they answer 404, not 403).
  const pathOf = (path: string) => path.replace('{id}', path.startsWith('/v1/accounts') ? accountA.id : 'pin_doesnotexist');
  const cases = ROUTES.filter((r) => r.access !== 'public').flatMap((route) =>
    (['operator', 'customer', 'carrier'] as Role[]).map((role) => [route.method, route.path, role, (route.access as readonly Role[]).includes(role)] as const),
  );
  it.each(cases)('%s %s as %s (allowed: %s)', async (method, path, role, allowed) => {
    const answer = await api.call(method, pathOf(path), { key: keyOf(role), body: method === 'GET' ? undefined : {} });
    if (allowed) {
      expect(answer.body?.code).not.toBe('forbidden');
      expect(answer.status).not.toBe(403);
      expect(answer.status).toBeLessThan(500);
    } else {
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'forbidden', status: 403 });
    }
  });

  it('public routes need no key', async () => {
    expect((await api.call('GET', '/health', { key: null })).status).toBe(200);
    const doc = await api.call('GET', '/openapi.json', { key: null });
    expect(doc.body.openapi).toBe('3.1.0');
    for (const route of ROUTES.filter((r) => r.kind !== 'page')) expect(doc.body.paths[route.path][route.method.toLowerCase()].operationId).toBe(route.id);
    // The signing page's routes answer HTML to people: not part of the JSON API.
    for (const route of ROUTES.filter((r) => r.kind === 'page')) expect(doc.body.paths[route.path]).toBeUndefined();
    expect(doc.body.paths['/v1/port-ins'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreatePortIn' });
    expect(doc.body.components.schemas.CreatePortIn.properties.numbers.maxItems).toBe(5000);
    expect(doc.body.components.schemas.CreateAccount.properties.plan).toEqual({ $ref: '#/components/schemas/Plan' });
  });
  it('no key is 401 and an unknown key 403, as API Gateway answers', async () => {
    expect((await api.call('GET', '/v1/port-ins', { key: null })).status).toBe(401);
    expect((await api.call('GET', '/v1/port-ins', { key: 'pd_cu_not-a-real-key' })).status).toBe(403);
  });
});

describe('visibility', () => {
  it("another account's order is a 404, for reads and for commands", async () => {
    for (const [method, path] of [['GET', `/v1/port-ins/${orderA}`], ['GET', `/v1/port-ins/${orderA}/events`], ['POST', `/v1/port-ins/${orderA}/cancel`]] as const) {
      const answer = await api.call(method, path, { key: accountB.apiKey });
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('not_found');
    }
    expect((await api.call('GET', `/v1/accounts/${accountA.id}`, { key: accountB.apiKey })).status).toBe(404);
  });
  it('a carrier sees only orders it is the losing carrier of', async () => {
    expect((await api.call('GET', `/v1/port-ins/${orderA}`, { key: carrierA.apiKey })).status).toBe(200);
    expect((await api.call('GET', `/v1/port-ins/${orderA}`, { key: carrierB.apiKey })).status).toBe(404);
    const listB = await api.call('GET', '/v1/port-ins', { key: carrierB.apiKey });
    expect(listB.body.items).toEqual([]);
    const event = await api.call('POST', `/v1/port-ins/${orderA}/carrier-events`, { key: carrierB.apiKey, body: { type: 'completed', completedOn: '2026-09-01' } });
    expect(event.status).toBe(404);
  });
  it('customers list only their own orders; the PIN is never echoed', async () => {
    const withPin = await api.call('POST', '/v1/port-ins', { key: accountB.apiKey, body: portInBody('AU', carrierA.id, { numbers: [{ number: '+61732125555', lineType: 'pstn' }], pin: '4321' }) });
    expect(withPin.body.pinProvided).toBe(true);
    expect(JSON.stringify(withPin.body)).not.toContain('4321');
    const list = await api.call('GET', '/v1/port-ins', { key: accountB.apiKey });
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual([withPin.body.id]);
  });
  it('customers see carriers by id and name only', async () => {
    const list = await api.call('GET', '/v1/carriers', { key: accountA.apiKey });
    expect(Object.keys(list.body.items[0]).sort()).toEqual(['id', 'name']);
  });
});

describe('bad input gets a clear 4xx with a machine code', () => {
  it('invalid JSON', async () => {
    const answer = await api.call('POST', '/v1/port-ins', { key: accountA.apiKey, rawBody: '{"numbers": [', headers: { 'content-type': 'application/json' } });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'invalid_json', title: 'Bad Request' });
  });
  it('schema violations list each field', async () => {
    const answer = await api.call('POST', '/v1/accounts', { body: { name: '', market: 'US', adminEmail: 'nope', plan: {} } });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_request');
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['name', 'market', 'adminEmail', 'plan.active', 'plan.monthlyFee']));
  });
  it('prices in the wrong currency', async () => {
    const answer = await api.call('POST', '/v1/accounts', { body: accountBody('GB', { plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'AUD', amountMinor: 100 } } }) });
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([expect.objectContaining({ path: 'plan.monthlyFee', code: 'currency_mismatch' })]);
  });
  it('signing without agreeing', async () => {
    const answer = await api.call('POST', `/v1/port-ins/${orderA}/signature`, { key: accountA.apiKey, body: { signerName: 'A', agreed: false } });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('agreed');
  });
  it('a carrier event of an unknown type', async () => {
    const answer = await api.call('POST', `/v1/port-ins/${orderA}/carrier-events`, { body: { type: 'exploded' } });
    expect(answer.status).toBe(400);
  });
  it('a number in another active order is a conflict naming that order', async () => {
    const answer = await api.call('POST', '/v1/port-ins', { key: accountB.apiKey, body: portInBody('AU', carrierA.id) });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ code: 'number_in_active_order', conflictingOrderId: orderA, number: SAMPLE.AU.number });
  });
  it('a malformed cursor', async () => {
    const answer = await api.call('GET', '/v1/port-ins?cursor=garbage', { key: accountA.apiKey });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_cursor');
  });
  it('a stale If-Match', async () => {
    const answer = await api.call('PATCH', `/v1/port-ins/${orderA}`, { key: accountA.apiKey, headers: { 'if-match': 'W/"999"' }, body: { pin: '1111' } });
    expect(answer.status).toBe(412);
    expect(answer.body.code).toBe('precondition_failed');
  });
  it('unknown routes are 404', async () => {
    expect((await api.call('GET', '/v1/nothing-here')).status).toBe(404);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body, refuses another body', async () => {
    const headers = { 'idempotency-key': 'carrier-create-0001' };
    const first = await api.call('POST', '/v1/carriers', { headers, body: { name: 'Once Only' } });
    const again = await api.call('POST', '/v1/carriers', { headers, body: { name: 'Once Only' } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const list = await api.call('GET', '/v1/carriers?limit=100');
    expect(list.body.items.filter((c: { name: string }) => c.name === 'Once Only')).toHaveLength(1);

    const other = await api.call('POST', '/v1/carriers', { headers, body: { name: 'Something Else' } });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });
  it('keys are scoped to the caller', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await api.call('POST', '/v1/portability-checks', { key: accountA.apiKey, headers, body: { numbers: ['+61732120000'] } });
    const b = await api.call('POST', '/v1/portability-checks', { key: accountB.apiKey, headers, body: { numbers: ['+61732120000'] } });
    expect(a.headers.get('idempotent-replayed')).toBeNull();
    expect(b.headers.get('idempotent-replayed')).toBeNull();
  });
  it('a failed request is not stored: the same key can be retried', async () => {
    const headers = { 'idempotency-key': 'retry-after-422' };
    const bad = await api.call('POST', '/v1/accounts', { headers, body: accountBody('GB', { plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'EUR', amountMinor: 1 } } }) });
    expect(bad.status).toBe(422);
    const again = await api.call('POST', '/v1/accounts', { headers, body: accountBody('GB', { plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'EUR', amountMinor: 1 } } }) });
    expect(again.status).toBe(422);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });
  it('a malformed key', async () => {
    const answer = await api.call('POST', '/v1/carriers', { headers: { 'idempotency-key': 'has spaces in it' }, body: { name: 'X' } });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('invalid_idempotency_key');
  });
});

describe('concurrent writes to one order', () => {
  it('exactly one of two simultaneous cancels wins', async () => {
    const id = (await api.call('POST', '/v1/port-ins', { key: accountA.apiKey, body: portInBody('AU', carrierA.id, { numbers: [{ number: '+61732127777', lineType: 'pstn' }] }) })).body.id;
    const answers = await Promise.all([1, 2, 3, 4].map(() => api.call('POST', `/v1/port-ins/${id}/cancel`, { key: accountA.apiKey })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 200)) {
      expect(loser.status).toBe(409);
      expect(['concurrent_modification', 'not_cancellable']).toContain(loser.body.code);
    }
    const events = await api.call('GET', `/v1/port-ins/${id}/events`, { key: accountA.apiKey });
    expect(events.body.items.filter((e: { type: string }) => e.type === 'cancelled')).toHaveLength(1);
  });
});

describe('pagination', () => {
  it('walks every order once with cursors', async () => {
    const account = (await api.call('POST', '/v1/accounts', { body: accountBody('GB') })).body;
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const body = portInBody('GB', carrierA.id, { numbers: [{ number: `+44207946${String(1000 + i)}`, lineType: 'pstn' }] });
      created.push((await api.call('POST', '/v1/port-ins', { key: account.apiKey, body })).body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { items: { id: string; numbers?: unknown; numberCount: number }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/v1/port-ins?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { key: account.apiKey },
      );
      seen.push(...page.body.items.map((o) => o.id));
      expect(page.body.items.every((o) => o.numbers === undefined && o.numberCount === 1 && !('lineCount' in o))).toBe(true);
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual([...created].sort());
    const drafts = await api.call('GET', '/v1/port-ins?status=cancelled', { key: account.apiKey });
    expect(drafts.body.items).toEqual([]);
  });
});

describe('inventory and operator-only inputs', () => {
  it('adding numbers: invalid ones refuse the whole batch, an active one is a conflict', async () => {
    const bad = await api.call('POST', `/v1/accounts/${accountA.id}/numbers`, { body: { numbers: [{ number: '+61732128888', origin: 'provisioned' }, { number: 'zzz', origin: 'provisioned' }] } });
    expect(bad.status).toBe(422);
    expect(bad.body).toMatchObject({ code: 'numbers_invalid', errors: [expect.objectContaining({ path: 'numbers[1].number', code: 'number_invalid' })] });
    const ok = await api.call('POST', `/v1/accounts/${accountA.id}/numbers`, { body: { numbers: [{ number: '07 3212 8888', origin: 'provisioned' }] } });
    expect(ok.status).toBe(201);
    expect(ok.body.added).toEqual(['+61732128888']);
    const twice = await api.call('POST', `/v1/accounts/${accountB.id}/numbers`, { body: { numbers: [{ number: '+61732128888', origin: 'provisioned' }] } });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('number_already_active');
    const account = await api.call('GET', `/v1/accounts/${accountA.id}`, { key: accountA.apiKey });
    expect(account.body.activeNumberCount).toBe(1);
  });
  it('operators must name the account of an order or check', async () => {
    const order = await api.call('POST', '/v1/port-ins', { body: portInBody('AU', carrierA.id, { numbers: [{ number: '+61732126666', lineType: 'pstn' }] }) });
    expect(order.status).toBe(422);
    expect(order.body.code).toBe('account_id_required');
    const check = await api.call('POST', '/v1/portability-checks', { body: { numbers: ['+61732126666'] } });
    expect(check.body.code).toBe('account_id_required');
    const forA = await api.call('POST', '/v1/port-ins', { body: { ...portInBody('AU', carrierA.id, { numbers: [{ number: '+61732126666', lineType: 'pstn' }] }), accountId: accountA.id } });
    expect(forA.status).toBe(201);
    expect(forA.body.accountId).toBe(accountA.id);
  });
  it('a customer may not create an order for another account', async () => {
    const answer = await api.call('POST', '/v1/port-ins', { key: accountA.apiKey, body: { ...portInBody('AU', carrierA.id), accountId: accountB.id } });
    expect(answer.status).toBe(403);
  });
});
