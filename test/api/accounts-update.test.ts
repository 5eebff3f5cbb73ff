// PATCH /v1/accounts/{id}: operators change any field, a customer only its own account's
// administrator email and port-out PIN; the PIN is kept hashed and never shown; a new termination
// date starts the warning afresh and moves the account's next deadline, until the numbers are released.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import type { DueItem, Repository } from '../../shared/app/ports.ts';
import { createAccount, updateAccount } from '../../shared/app/use-cases/accounts.ts';
import { ConcurrentModificationError } from '../../shared/rules/errors.ts';
import { statusOf } from '../../shared/http/problem.ts';
import { accountBody, startTestApi, type TestApi } from '../support/api.ts';
import { createHarness, OPERATOR } from '../schedule/support.ts';

const NOW = '2026-09-01T00:00:00.000Z';
const END_OF_TIME = new Date('2099-12-31T00:00:00Z');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let api: TestApi;
let repository: DynamoRepository;
let carrier: { id: string; apiKey: string };
let other: { id: string; apiKey: string };

beforeAll(async () => {
  api = await startTestApi();
  await api.setClock(NOW);
  // The API's own table, read directly for what the API does not show (the stored hash, the due index).
  repository = new DynamoRepository(createDocumentClient({ endpoint: process.env.DYNAMODB_ENDPOINT!, region: 'ap-southeast-2' }), process.env.TABLE_NAME!);
  carrier = (await api.call('POST', '/v1/carriers', { body: { name: 'Carrier' } })).body;
  other = (await api.call('POST', '/v1/accounts', { body: accountBody('AU') })).body;
});
afterAll(async () => {
  await api.setClock(null);
  await api.close();
});

async function newAccount(extra: Record<string, unknown> = {}): Promise<{ id: string; apiKey: string; version: number }> {
  const created = await api.call('POST', '/v1/accounts', { body: accountBody('AU', extra) });
  expect(created.status).toBe(201);
  return created.body;
}

const patch = (id: string, body: unknown, key?: string, headers?: Record<string, string>) =>
  api.call('PATCH', `/v1/accounts/${id}`, { body, ...(key ? { key } : {}), ...(headers ? { headers } : {}) });

async function stored(id: string) {
  const account = await repository.getAccount(id);
  if (!account) throw new Error(`account ${id} missing`);
  return account;
}

async function dueOf(id: string): Promise<string[]> {
  const items: DueItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await repository.listDue('deadline', END_OF_TIME, { cursor, limit: 500 });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items.filter((item) => item.kind === 'account' && item.id === id).map((item) => item.dueAt);
}

describe('operators change any field', () => {
  it('name, adminEmail and plan; the answer is the account with a new version and its ETag', async () => {
    const account = await newAccount();
    const plan = {
      active: true,
      portingEnabled: false,
      monthlyFee: { currency: 'AUD', amountMinor: 4500 },
      portBackFee: { currency: 'AUD', amountMinor: 1500 },
      seats: 3,
    };
    const answer = await patch(account.id, { name: 'Renamed Pty Ltd', adminEmail: 'new-admin@example.test', plan });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: account.id, name: 'Renamed Pty Ltd', adminEmail: 'new-admin@example.test', plan, market: 'AU', version: account.version + 1 });
    expect(answer.headers.get('etag')).toBe(`W/"${account.version + 1}"`);
    expect((await api.call('GET', `/v1/accounts/${account.id}`)).body).toEqual(answer.body);
    expect(await stored(account.id)).toMatchObject({ name: 'Renamed Pty Ltd', adminEmail: 'new-admin@example.test', plan, version: account.version + 1 });
  });

  it('a plan priced in another currency is refused (422 currency_mismatch, one issue per price) and nothing changes', async () => {
    const account = await newAccount();
    const before = await stored(account.id);
    const answer = await patch(account.id, {
      name: 'Never Stored',
      plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'GBP', amountMinor: 3000 }, portBackFee: { currency: 'EUR', amountMinor: 100 } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('currency_mismatch');
    expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(['plan.monthlyFee', 'plan.portBackFee']);
    expect(await stored(account.id)).toEqual(before);
  });

  it('losingCarrierAccountNumber: set, then cleared with null', async () => {
    const account = await newAccount({ losingCarrierAccountNumber: 'ACC-1' });
    expect((await patch(account.id, { losingCarrierAccountNumber: 'ACC-2' })).body.losingCarrierAccountNumber).toBe('ACC-2');
    const cleared = await patch(account.id, { losingCarrierAccountNumber: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.losingCarrierAccountNumber).toBeNull();
    expect((await stored(account.id)).losingCarrierAccountNumber).toBeNull();
  });

  it('fields that never change (market) and unknown fields are refused by the schema (400)', async () => {
    const account = await newAccount();
    for (const body of [{ market: 'GB' }, { activeNumberCount: 9 }, { portOutPinHash: 'x' }]) {
      const answer = await patch(account.id, body);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('invalid_request');
    }
    expect((await stored(account.id)).market).toBe('AU');
  });

  it('an empty patch is 422 empty_patch', async () => {
    const account = await newAccount();
    const answer = await patch(account.id, {});
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('empty_patch');
    expect((await stored(account.id)).version).toBe(account.version);
  });

  it('an unknown account is 404', async () => {
    expect((await patch('acc_doesnotexist', { name: 'X' })).status).toBe(404);
  });
});

describe('the port-out PIN: stored as its SHA-256, never shown', () => {
  it('set by the customer, replaced by the operator, cleared with null', async () => {
    const account = await newAccount();
    const set = await patch(account.id, { portOutPin: 'Pin4321' }, account.apiKey);
    expect(set.status).toBe(200);
    expect(set.body.portOutPinSet).toBe(true);
    expect((await stored(account.id)).portOutPinHash).toBe(sha256('Pin4321'));
    const read = await api.call('GET', `/v1/accounts/${account.id}`, { key: account.apiKey });
    for (const answer of [set, read]) {
      expect(answer.body).not.toHaveProperty('portOutPinHash');
      expect(answer.body).not.toHaveProperty('portOutPin');
      expect(JSON.stringify(answer.body)).not.toContain(sha256('Pin4321'));
      expect(JSON.stringify(answer.body)).not.toContain('Pin4321');
    }

    const replaced = await patch(account.id, { portOutPin: '9876' });
    expect(replaced.body.portOutPinSet).toBe(true);
    expect((await stored(account.id)).portOutPinHash).toBe(sha256('9876'));

    const cleared = await patch(account.id, { portOutPin: null }, account.apiKey);
    expect(cleared.status).toBe(200);
    expect(cleared.body.portOutPinSet).toBe(false);
    expect((await stored(account.id)).portOutPinHash).toBeNull();
  });

  it('the same hash as a PIN given at creation', async () => {
    const account = await newAccount({ portOutPin: 'Abcd1234' });
    const created = await stored(account.id);
    await patch(account.id, { portOutPin: null });
    await patch(account.id, { portOutPin: 'Abcd1234' });
    expect((await stored(account.id)).portOutPinHash).toBe(created.portOutPinHash);
    expect(created.portOutPinHash).toBe(sha256('Abcd1234'));
  });

  it('a PIN of the wrong shape is refused by the schema', async () => {
    const account = await newAccount();
    for (const portOutPin of ['12', 'has space', '1234567890123']) {
      const answer = await patch(account.id, { portOutPin }, account.apiKey);
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].path).toBe('portOutPin');
    }
  });
});

describe('customers change only their own adminEmail and portOutPin', () => {
  it('both at once', async () => {
    const account = await newAccount();
    const answer = await patch(account.id, { adminEmail: 'it@customer.test', portOutPin: '2468' }, account.apiKey);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ adminEmail: 'it@customer.test', portOutPinSet: true });
  });

  it('any other field is 422 field_not_allowed, one issue per field, and nothing changes', async () => {
    const account = await newAccount();
    const before = await stored(account.id);
    const answer = await patch(
      account.id,
      {
        adminEmail: 'sneaky@customer.test',
        name: 'Mine Now',
        plan: accountBody('AU').plan,
        losingCarrierAccountNumber: null,
        terminationDate: '2027-01-01',
      },
      account.apiKey,
    );
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('field_not_allowed');
    expect(answer.body.errors).toEqual([
      { path: 'name', code: 'field_not_allowed', message: 'Only operators change name.' },
      { path: 'plan', code: 'field_not_allowed', message: 'Only operators change plan.' },
      { path: 'losingCarrierAccountNumber', code: 'field_not_allowed', message: 'Only operators change losingCarrierAccountNumber.' },
      { path: 'terminationDate', code: 'field_not_allowed', message: 'Only operators change terminationDate.' },
    ]);
    expect(await stored(account.id)).toEqual(before);
  });

  it("another account is 404; a carrier key is 403", async () => {
    const account = await newAccount();
    const answer = await patch(other.id, { adminEmail: 'x@customer.test' }, account.apiKey);
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('not_found');
    expect((await stored(other.id)).adminEmail).toBe('admin@example.test');
    const byCarrier = await patch(account.id, { adminEmail: 'x@carrier.test' }, carrier.apiKey);
    expect(byCarrier.status).toBe(403);
  });
});

describe('optimistic locking', () => {
  it('If-Match with the version read: a stale one is 412, the current one (or *) applies', async () => {
    const account = await newAccount();
    const first = await patch(account.id, { name: 'First' }, undefined, { 'if-match': `W/"${account.version}"` });
    expect(first.status).toBe(200);
    const stale = await patch(account.id, { name: 'Stale' }, undefined, { 'if-match': `W/"${account.version}"` });
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('precondition_failed');
    expect((await stored(account.id)).name).toBe('First');
    expect((await patch(account.id, { name: 'Second' }, undefined, { 'if-match': first.headers.get('etag')! })).status).toBe(200);
    expect((await patch(account.id, { name: 'Third' }, undefined, { 'if-match': '*' })).status).toBe(200);
  });

  it('a write that lost a race with another writer is a ConcurrentModificationError (409) and is not applied', async () => {
    const h = await createHarness();
    const created = await createAccount(h.deps, accountBody('AU') as Parameters<typeof createAccount>[1]);
    const real = h.deps.repository;
    // Another request changes the account between our read and our write.
    const racing: Repository = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'getAccount') {
          return async (id: string) => {
            const read = await target.getAccount(id);
            if (read) await target.updateAccount({ ...read, name: 'Other Writer', version: read.version + 1 }, read.version);
            return read;
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const error = await updateAccount({ ...h.deps, repository: racing }, OPERATOR, created.id, { name: 'Lost' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrentModificationError);
    expect(statusOf(error as ConcurrentModificationError)).toBe(409);
    expect(await real.getAccount(created.id)).toMatchObject({ name: 'Other Writer', version: created.version + 1 });
  });
});

describe('terminationDate', () => {
  // AU (Brisbane, UTC+10, no DST). Now: 1 Sep 2026 10:00 Brisbane.
  it('set: the account is due when its warning period starts (00:00 Brisbane, 2 months before)', async () => {
    const account = await newAccount();
    expect(await dueOf(account.id)).toEqual([]);
    const answer = await patch(account.id, { terminationDate: '2027-01-31' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ terminationDate: '2027-01-31', terminationWarnedAt: null, numbersReleasedAt: null });
    expect(await dueOf(account.id)).toEqual(['2026-11-29T14:00:00.000Z']); // 00:00 Brisbane on 30 Nov
  });

  it('moved after the warning was sent: the warning is reset and the next deadline follows the new date', async () => {
    const account = await newAccount({ terminationDate: '2026-10-15' });
    // The scheduled check warned and now waits for the release at 00:00 Brisbane on the termination date (AU: no window).
    await repository.setAccountDue(account.id, '2026-10-14T14:00:00.000Z', { terminationWarnedAt: NOW });
    expect(await stored(account.id)).toMatchObject({ terminationWarnedAt: NOW });

    const moved = await patch(account.id, { terminationDate: '2026-12-20' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ terminationDate: '2026-12-20', terminationWarnedAt: null });
    expect(await stored(account.id)).toMatchObject({ terminationDate: '2026-12-20', terminationWarnedAt: null });
    expect(await dueOf(account.id)).toEqual(['2026-10-19T14:00:00.000Z']);

    // Inside the new warning period already, with numbers: due at once (the next run warns).
    expect((await api.call('POST', `/v1/accounts/${account.id}/numbers`, { body: { numbers: [{ number: '+61732129901', origin: 'provisioned' }] } })).status).toBe(201);
    await repository.setAccountDue(account.id, '2026-10-19T14:00:00.000Z', { terminationWarnedAt: NOW });
    const sooner = await patch(account.id, { terminationDate: '2026-10-20' });
    expect(sooner.status).toBe(200);
    expect(sooner.body.terminationWarnedAt).toBeNull();
    expect(await dueOf(account.id)).toEqual([NOW]);
    // Without numbers the period is looked at daily: due at 00:00 Brisbane tomorrow.
    const empty = await newAccount();
    await patch(empty.id, { terminationDate: '2026-10-20' });
    expect(await dueOf(empty.id)).toEqual(['2026-09-01T14:00:00.000Z']);
  });

  it('the same date again is no change: the warning stays recorded', async () => {
    const account = await newAccount({ terminationDate: '2026-10-15' });
    await repository.setAccountDue(account.id, '2026-10-14T14:00:00.000Z', { terminationWarnedAt: NOW });
    const answer = await patch(account.id, { terminationDate: '2026-10-15', name: 'Same Date' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ terminationDate: '2026-10-15', terminationWarnedAt: NOW, name: 'Same Date' });
    expect(await dueOf(account.id)).toEqual(['2026-10-14T14:00:00.000Z']);
  });

  it('cleared with null: nothing is due any more', async () => {
    const account = await newAccount({ terminationDate: '2026-12-31' });
    expect(await dueOf(account.id)).toEqual(['2026-10-30T14:00:00.000Z']);
    const answer = await patch(account.id, { terminationDate: null });
    expect(answer.status).toBe(200);
    expect(answer.body.terminationDate).toBeNull();
    expect(await dueOf(account.id)).toEqual([]);
  });

  it('once the numbers were released it cannot change (409 numbers_released); other fields still can', async () => {
    const account = await newAccount({ terminationDate: '2026-08-01' });
    await repository.setAccountDue(account.id, null, { terminationWarnedAt: '2026-06-01T00:00:00.000Z', numbersReleasedAt: '2026-07-31T14:00:00.000Z' });
    const before = await stored(account.id);
    for (const terminationDate of ['2026-12-01', null]) {
      const answer = await patch(account.id, { terminationDate });
      expect(answer.status).toBe(409);
      expect(answer.body.code).toBe('numbers_released');
    }
    expect(await stored(account.id)).toEqual(before);
    expect(await dueOf(account.id)).toEqual([]);
    const renamed = await patch(account.id, { name: 'Closed Pty Ltd' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Closed Pty Ltd', terminationDate: '2026-08-01', numbersReleasedAt: '2026-07-31T14:00:00.000Z' });
  });
});
