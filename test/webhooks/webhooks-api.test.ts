// The webhooks API over HTTP, on the real handlers and DynamoDB Local: create (secret shown once),
// list, read, delete, deliveries; roles, other accounts (404), the https rule and the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import type { OutboxItem } from '../../shared/app/ports.ts';
import { accountBody, startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let repository: DynamoRepository;
let accountA: { id: string; apiKey: string };
let accountB: { id: string; apiKey: string };
let carrier: { id: string; apiKey: string };

const hook = (n: number, extra: Record<string, unknown> = {}) => ({ url: `https://hooks.example.test/portdesk/${n}`, ...extra });

beforeAll(async () => {
  delete process.env.PORTDESK_ALLOW_HTTP_WEBHOOKS; // as in AWS: https only
  api = await startTestApi();
  repository = new DynamoRepository(createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'ap-southeast-2' }), process.env.TABLE_NAME!);
  accountA = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
  accountB = (await api.call('POST', '/v1/accounts', { body: accountBody('GB') })).body;
  carrier = (await api.call('POST', '/v1/carriers', { body: { name: 'Carrier' } })).body;
});
afterAll(async () => {
  await api.close();
});

describe('create, read, list, delete', () => {
  it('creates a webhook for the caller\'s account and shows its secret in that answer only', async () => {
    const created = await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: hook(1, { description: 'Order updates' }) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      accountId: accountA.id,
      url: 'https://hooks.example.test/portdesk/1',
      description: 'Order updates',
      eventTypes: ['PortIn.StatusChanged'],
    });
    expect(created.body.id).toMatch(/^whk_[a-z2-7]{16}$/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(created.body.createdAt)).not.toBeNaN();
    expect(created.headers.get('location')).toBe(`/v1/webhooks/${created.body.id}`);

    const read = await api.call('GET', `/v1/webhooks/${created.body.id}`, { key: accountA.apiKey });
    expect(read.status).toBe(200);
    const { secret, ...withoutSecret } = created.body;
    expect(read.body).toEqual(withoutSecret);
    expect(JSON.stringify(read.body)).not.toContain(secret);

    const list = await api.call('GET', '/v1/webhooks', { key: accountA.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(withoutSecret);
    expect(JSON.stringify(list.body)).not.toContain(secret);

    const byOperator = await api.call('GET', `/v1/webhooks/${created.body.id}`);
    expect(byOperator.body).toEqual(withoutSecret);
  });

  it('defaults description to null and every event type; explicit types are kept', async () => {
    const created = await api.call('POST', '/v1/webhooks', { key: accountB.apiKey, body: { ...hook(2), eventTypes: ['PortIn.StatusChanged', 'PortIn.StatusChanged'] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ description: null, eventTypes: ['PortIn.StatusChanged'] });
    await api.call('DELETE', `/v1/webhooks/${created.body.id}`, { key: accountB.apiKey });
  });

  it('deletes with 204; then it is gone (404) and deleting again is 404', async () => {
    const created = (await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: hook(3) })).body;
    const deleted = await api.call('DELETE', `/v1/webhooks/${created.id}`, { key: accountA.apiKey });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect((await api.call('GET', `/v1/webhooks/${created.id}`, { key: accountA.apiKey })).status).toBe(404);
    const again = await api.call('DELETE', `/v1/webhooks/${created.id}`, { key: accountA.apiKey });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('not_found');
    const list = await api.call('GET', '/v1/webhooks', { key: accountA.apiKey });
    expect(list.body.items.map((w: { id: string }) => w.id)).not.toContain(created.id);
  });

  it('replays a create with the same Idempotency-Key instead of making a second webhook', async () => {
    const first = await api.call('POST', '/v1/webhooks', { key: accountB.apiKey, body: hook(4), headers: { 'idempotency-key': 'create-hook-4' } });
    const second = await api.call('POST', '/v1/webhooks', { key: accountB.apiKey, body: hook(4), headers: { 'idempotency-key': 'create-hook-4' } });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const list = await api.call('GET', '/v1/webhooks', { key: accountB.apiKey });
    expect(list.body.items.filter((w: { url: string }) => w.url === hook(4).url)).toHaveLength(1);
    await api.call('DELETE', `/v1/webhooks/${first.body.id}`, { key: accountB.apiKey });
  });
});

describe('roles and accounts', () => {
  it('operators name the account (422 without it, 404 for an unknown one)', async () => {
    const missing = await api.call('POST', '/v1/webhooks', { body: hook(5) });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('account_id_required');
    expect((await api.call('GET', '/v1/webhooks')).body.code).toBe('account_id_required');
    expect((await api.call('POST', '/v1/webhooks', { body: hook(5, { accountId: 'acc_doesnotexist' }) })).status).toBe(404);

    const created = await api.call('POST', '/v1/webhooks', { body: hook(5, { accountId: accountB.id }) });
    expect(created.status).toBe(201);
    expect(created.body.accountId).toBe(accountB.id);
    const list = await api.call('GET', `/v1/webhooks?accountId=${accountB.id}`);
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(created.body.id);
    expect((await api.call('DELETE', `/v1/webhooks/${created.body.id}`)).status).toBe(204);
  });

  it('a customer cannot create for, or list, another account', async () => {
    // A customer's own account always applies: accountId in the body is not an escape hatch.
    const created = await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: hook(6, { accountId: accountB.id }) });
    expect(created.body.accountId).toBe(accountA.id);
    const listB = await api.call('GET', `/v1/webhooks?accountId=${accountB.id}`, { key: accountA.apiKey });
    expect(listB.body.items.every((w: { accountId: string }) => w.accountId === accountA.id)).toBe(true);
    await api.call('DELETE', `/v1/webhooks/${created.body.id}`, { key: accountA.apiKey });
  });

  it("another account's webhook is a 404 for reads, deletes and deliveries, and stays", async () => {
    const created = (await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: hook(7) })).body;
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${created.id}`],
      ['DELETE', `/v1/webhooks/${created.id}`],
      ['GET', `/v1/webhooks/${created.id}/deliveries`],
    ] as const) {
      const answer = await api.call(method, path, { key: accountB.apiKey });
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('not_found');
    }
    expect((await api.call('GET', `/v1/webhooks/${created.id}`, { key: accountA.apiKey })).status).toBe(200);
    await api.call('DELETE', `/v1/webhooks/${created.id}`, { key: accountA.apiKey });
  });

  it('carriers may not use webhooks (403)', async () => {
    for (const [method, path] of [
      ['POST', '/v1/webhooks'],
      ['GET', '/v1/webhooks'],
      ['GET', '/v1/webhooks/whk_x'],
      ['DELETE', '/v1/webhooks/whk_x'],
      ['GET', '/v1/webhooks/whk_x/deliveries'],
    ] as const) {
      const answer = await api.call(method, path, { key: carrier.apiKey, body: method === 'POST' ? hook(8) : undefined });
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('forbidden');
    }
  });
});

describe('input rules', () => {
  it('refuses http URLs (422; the local runtime alone allows them) and URLs with credentials', async () => {
    const http = await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: { url: 'http://hooks.example.test/x' } });
    expect(http.status).toBe(422);
    expect(http.body).toMatchObject({ code: 'webhook_url_not_https', errors: [{ path: 'url', code: 'webhook_url_not_https' }] });
    const credentials = await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: { url: 'https://user:pw@hooks.example.test/x' } });
    expect(credentials.status).toBe(422);
    expect(credentials.body.code).toBe('webhook_url_has_credentials');
  });

  it('refuses malformed requests with 400 and the fields to fix', async () => {
    for (const body of [
      {},
      { url: 'not a url' },
      { url: 'ftp://hooks.example.test/x' },
      { url: `https://hooks.example.test/${'a'.repeat(2100)}` },
      { url: 'https://hooks.example.test/x', eventTypes: ['PortIn.Teleported'] },
      { url: 'https://hooks.example.test/x', eventTypes: [] },
      { url: 'https://hooks.example.test/x', description: '' },
    ]) {
      const answer = await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body });
      expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(answer.body.code).toBe('invalid_request');
      expect(answer.body.errors.length).toBeGreaterThan(0);
    }
    expect((await api.call('GET', '/v1/webhooks?cursor=bogus', { key: accountA.apiKey })).body.code).toBe('invalid_cursor');
  });
});

describe('at most 10 webhooks per account', () => {
  it('refuses the 11th with 422 webhook_limit_reached; deleting one makes room; lists page through all', async () => {
    const account = (await api.call('POST', '/v1/accounts', { body: accountBody('FR') })).body;
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) {
      const created = await api.call('POST', '/v1/webhooks', { key: account.apiKey, body: hook(100 + n) });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    const eleventh = await api.call('POST', '/v1/webhooks', { key: account.apiKey, body: hook(110) });
    expect(eleventh.status).toBe(422);
    expect(eleventh.body.code).toBe('webhook_limit_reached');

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call(
        'GET',
        `/v1/webhooks?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { key: account.apiKey },
      );
      seen.push(...page.body.items.map((w) => w.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(4);
    expect(seen.sort()).toEqual([...ids].sort());

    expect((await api.call('DELETE', `/v1/webhooks/${ids[0]}`, { key: account.apiKey })).status).toBe(204);
    expect((await api.call('POST', '/v1/webhooks', { key: account.apiKey, body: hook(111) })).status).toBe(201);
    expect((await api.call('POST', '/v1/webhooks', { key: account.apiKey, body: hook(112) })).status).toBe(422);
  });

  it('holds under concurrent creates', async () => {
    const account = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
    const answers = await Promise.all(
      Array.from({ length: 14 }, (_, n) => api.call('POST', '/v1/webhooks', { key: account.apiKey, body: hook(200 + n) })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    expect(answers.filter((a) => a.status !== 201).every((a) => a.status === 422 || a.body?.code === 'concurrent_modification')).toBe(true);
    const list = await api.call('GET', '/v1/webhooks?limit=100', { key: account.apiKey });
    expect(list.body.items).toHaveLength(10);
  });
});

describe('deliveries', () => {
  it("lists the webhook's outbox items with every attempt, newest first; none for a new webhook", async () => {
    const created = (await api.call('POST', '/v1/webhooks', { key: accountA.apiKey, body: hook(9) })).body;
    const empty = await api.call('GET', `/v1/webhooks/${created.id}/deliveries`, { key: accountA.apiKey });
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ items: [], nextCursor: null });

    const item = (n: number, createdAt: string): OutboxItem => ({
      id: `pin_x.${n}.0.${created.id}`,
      message: { kind: 'webhook', webhookId: created.id, accountId: accountA.id, url: created.url, eventId: `pin_x.${n}.0`, body: '{}' },
      subjectId: created.id,
      purpose: 'PortIn.StatusChanged',
      status: 'pending',
      attempts: [],
      createdAt,
      nextAttemptAt: new Date(Date.parse(createdAt) + 60_000).toISOString(),
      deliveredAt: null,
    });
    const first = item(2, '2026-03-02T00:00:00.000Z');
    const second = item(3, '2026-03-02T00:05:00.000Z');
    await repository.putOutbox([first, second]);
    await repository.recordDelivery(first, { at: '2026-03-02T00:00:00.000Z', ok: false, outcome: 'HTTP 500', durationMs: 12 }, { status: 'pending', nextAttemptAt: '2026-03-02T00:01:00.000Z', deliveredAt: null });
    const retried = (await repository.getOutbox(first.id))!;
    await repository.recordDelivery(retried, { at: '2026-03-02T00:01:00.000Z', ok: true, outcome: 'HTTP 204', durationMs: 8 }, { status: 'delivered', nextAttemptAt: null, deliveredAt: '2026-03-02T00:01:00.000Z' });

    const answer = await api.call('GET', `/v1/webhooks/${created.id}/deliveries`, { key: accountA.apiKey });
    expect(answer.status).toBe(200);
    expect(answer.body.nextCursor).toBeNull();
    expect(answer.body.items).toEqual([
      {
        id: second.id,
        eventId: 'pin_x.3.0',
        eventType: 'PortIn.StatusChanged',
        status: 'pending',
        createdAt: second.createdAt,
        nextAttemptAt: second.nextAttemptAt,
        deliveredAt: null,
        attempts: [],
      },
      {
        id: first.id,
        eventId: 'pin_x.2.0',
        eventType: 'PortIn.StatusChanged',
        status: 'delivered',
        createdAt: first.createdAt,
        nextAttemptAt: null,
        deliveredAt: '2026-03-02T00:01:00.000Z',
        attempts: [
          { at: '2026-03-02T00:00:00.000Z', ok: false, outcome: 'HTTP 500', durationMs: 12 },
          { at: '2026-03-02T00:01:00.000Z', ok: true, outcome: 'HTTP 204', durationMs: 8 },
        ],
      },
    ]);
    const paged = await api.call('GET', `/v1/webhooks/${created.id}/deliveries?limit=1`);
    expect(paged.body.items.map((d: { id: string }) => d.id)).toEqual([second.id]);
    expect(paged.body.nextCursor).toEqual(expect.any(String));
  });
});
