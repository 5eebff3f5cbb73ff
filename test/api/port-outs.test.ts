// Port-outs over HTTP (rulebook "Port-out"): a gaining carrier asks us to release numbers; every
// rejection code, the number locks shared with port-ins, the administrator's email, the refused
// cancel, completion (inventory, charges, port-back), withdrawal and who sees what.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountBody, portInBody, startTestApi, type TestApi } from '../support/api.ts';
import { createDocumentClient } from '../../shared/adapters/dynamo/client.ts';
import { DynamoRepository } from '../../shared/adapters/dynamo/repository.ts';
import { PORT_OUT_NOT_CANCELLABLE_MESSAGE } from '../../shared/rules/port-out/lifecycle.ts';
import { MAX_NUMBERS_PER_PORT_OUT } from '../../shared/rules/port-out/evaluate.ts';
import type { Caller, Repository } from '../../shared/app/ports.ts';
import { addInventoryNumbers, createAccount } from '../../shared/app/use-cases/accounts.ts';
import { createCarrier } from '../../shared/app/use-cases/carriers.ts';
import { recordPortOutCarrierEvent, requestPortOut, type PortOutChannel } from '../../shared/app/use-cases/port-outs.ts';
import { addNumbers, createHarness, draftOrder, newAccount as harnessAccount, newCarrier, OPERATOR, type Harness } from '../schedule/support.ts';

let api: TestApi;
let repository: DynamoRepository;
let gaining: { id: string; apiKey: string };
let otherGaining: { id: string; apiKey: string };
let losing: { id: string; apiKey: string };

const NOW = '2026-05-04T00:00:00Z'; // Monday 10:00 in Brisbane, 01:00 in London
const TODAY = '2026-05-04';

beforeAll(async () => {
  api = await startTestApi();
  repository = new DynamoRepository(createDocumentClient({ endpoint: inject('dynamoEndpoint'), region: 'ap-southeast-2' }), process.env.TABLE_NAME!);
  await api.setClock(NOW);
  gaining = (await api.call('POST', '/v1/carriers', { body: { name: 'Gaining Telco' } })).body;
  otherGaining = (await api.call('POST', '/v1/carriers', { body: { name: 'Other Telco' } })).body;
  losing = (await api.call('POST', '/v1/carriers', { body: { name: 'Losing Telco' } })).body;
});
afterAll(async () => {
  await api.setClock(null);
  await api.close();
});

// Every test takes numbers of its own (the inventory is shared by the whole file).
let nextAu = 1000;
const auNumber = () => `+6173212${String(nextAu++).padStart(4, '0')}`;
let nextGb = 10;
const gbNumber = () => `+4420794600${String(nextGb++).padStart(2, '0')}`;

const ACCOUNT_NUMBER = 'AC-555 001';
const PIN = '4321';

async function newAccount(
  market: 'AU' | 'GB',
  numbers: { number: string; origin: 'provisioned' | 'ported_in' }[],
  extra: Record<string, unknown> = {},
): Promise<{ id: string; apiKey: string }> {
  const currency = market === 'AU' ? 'AUD' : 'GBP';
  const base = accountBody(market);
  const created = await api.call('POST', '/v1/accounts', {
    body: {
      ...base,
      plan: { ...base.plan, portBackFee: { currency, amountMinor: 2500 } },
      losingCarrierAccountNumber: ACCOUNT_NUMBER,
      portOutPin: PIN,
      ...extra,
    },
  });
  expect(created.status).toBe(201);
  if (numbers.length > 0) expect((await api.call('POST', `/v1/accounts/${created.body.id}/numbers`, { body: { numbers } })).status).toBe(201);
  return created.body;
}

const request = (numbers: string[], extra: Record<string, unknown> = {}) => ({
  numbers,
  accountNumber: ACCOUNT_NUMBER,
  pin: PIN,
  authorizedName: 'Sam Taylor',
  requestedDate: '2026-05-11',
  ...extra,
});

const askPortOut = (numbers: string[], extra: Record<string, unknown> = {}, key = gaining.apiKey) =>
  api.call('POST', '/v1/port-outs', { key, body: request(numbers, extra) });

async function emailsAbout(subjectId: string) {
  const page = await repository.listOutbox({ subjectId }, { cursor: null, limit: 100 });
  return page.items.map((item) => {
    if (item.message.kind !== 'email') throw new Error(`unexpected ${item.message.kind} item ${item.id}`);
    return { id: item.id, purpose: item.purpose, ...item.message.email };
  });
}

async function inventory(accountId: string) {
  const answer = await api.call('GET', `/v1/accounts/${accountId}/numbers`);
  expect(answer.status).toBe(200);
  return new Map<string, any>(answer.body.items.map((n: { e164: string }) => [n.e164, n]));
}

describe('a request is checked and answered at once', () => {
  it('accepts a request that names the account, its number and its PIN, and holds the numbers', async () => {
    const [a, b] = [auNumber(), auNumber()];
    const account = await newAccount('AU', [
      { number: a, origin: 'provisioned' },
      { number: b, origin: 'ported_in' },
    ]);
    // The account number is compared without case, spaces or dashes; the PIN only by its hash.
    const answer = await askPortOut([a, b], { accountNumber: 'ac555001' });
    expect(answer.status).toBe(201);
    const id = answer.body.id as string;
    expect(id).toMatch(/^pout_[a-z2-7]{16}$/);
    expect(answer.headers.get('location')).toBe(`/v1/port-outs/${id}`);
    expect(answer.body).toMatchObject({
      status: 'accepted',
      carrierId: gaining.id,
      accountId: account.id,
      market: 'AU',
      channel: 'api',
      numberCount: 2,
      portedInNumbers: [b],
      cancellable: false,
      rejection: null,
      pinGiven: true,
      authorizedName: 'Sam Taylor',
      requestedDate: '2026-05-11',
    });
    expect(answer.body.lines).toEqual([
      { e164: a, origin: 'provisioned' },
      { e164: b, origin: 'ported_in' },
    ]);
    expect(JSON.stringify(answer.body)).not.toContain(PIN);

    const events = await api.call('GET', `/v1/port-outs/${id}/events`, { key: gaining.apiKey });
    expect(events.body.items).toEqual([expect.objectContaining({ type: 'accepted', actor: { kind: 'carrier', id: gaining.id }, data: { numbers: 2 } })]);
  });

  it('normalises spaced E.164 numbers and drops repeats', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const spaced = `${a.slice(0, 3)} ${a.slice(3, 4)} ${a.slice(4, 8)} ${a.slice(8)}`;
    const answer = await askPortOut([spaced, a]);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'accepted', numberCount: 1, lines: [{ e164: a }] });
  });

  it('refuses numbers that are not E.164 with one issue each, storing nothing', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const before = (await api.call('GET', '/v1/port-outs?limit=100', { key: gaining.apiKey })).body.items.length;
    const answer = await askPortOut([a, '07 3212 3456', 'call me', '+61 7 0000']);
    expect(answer.status).toBe(422);
    expect(answer.body.code).toBe('numbers_invalid');
    expect(answer.body.errors.map((e: { path: string; code: string }) => [e.path, e.code])).toEqual([
      ['numbers[1]', 'number_invalid'],
      ['numbers[2]', 'number_invalid'],
      ['numbers[3]', 'number_invalid'],
    ]);
    expect((await api.call('GET', '/v1/port-outs?limit=100', { key: gaining.apiKey })).body.items).toHaveLength(before);
    // The valid number was not locked by the refused request.
    expect((await askPortOut([a])).body.status).toBe('accepted');
  });

  it('rejects a number we do not hold, or no longer hold, with number_not_found', async () => {
    const unknown = auNumber();
    const answer = await askPortOut([unknown]);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      status: 'rejected',
      accountId: null,
      rejection: { code: 'number_not_found', numbers: [unknown], conflictingOrderId: null },
    });
    expect(answer.body.rejection.message).toContain(unknown);
    const events = await api.call('GET', `/v1/port-outs/${answer.body.id}/events`, { key: gaining.apiKey });
    expect(events.body.items).toEqual([expect.objectContaining({ type: 'rejected', data: expect.objectContaining({ code: 'number_not_found' }) })]);
    expect(await emailsAbout(answer.body.id)).toEqual([]);
    // A rejected request is final: it cannot complete, and there is nothing to cancel.
    const complete = await api.call('POST', `/v1/port-outs/${answer.body.id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: TODAY } });
    expect(complete.status).toBe(409);
    expect(complete.body.code).toBe('port_out_not_accepted');
    const withdraw = await api.call('POST', `/v1/port-outs/${answer.body.id}/carrier-events`, { key: gaining.apiKey, body: { type: 'withdrawn' } });
    expect(withdraw.status).toBe(409);
    expect(withdraw.body.code).toBe('port_out_not_accepted');
    const cancel = await api.call('POST', `/v1/port-outs/${answer.body.id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('port_out_final');
  });

  it('rejects numbers on two accounts, or a wrong or missing account number, with account_mismatch', async () => {
    const [a, b] = [auNumber(), auNumber()];
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    await newAccount('AU', [{ number: b, origin: 'provisioned' }]);
    const split = await askPortOut([a, b]);
    expect(split.body).toMatchObject({ status: 'rejected', accountId: null, rejection: { code: 'account_mismatch', numbers: [a, b] } });

    const wrong = await askPortOut([a], { accountNumber: 'AC-555 002' });
    expect(wrong.body).toMatchObject({ status: 'rejected', rejection: { code: 'account_mismatch', numbers: [] } });
    const missing = await askPortOut([a], { accountNumber: undefined });
    expect(missing.body).toMatchObject({ status: 'rejected', rejection: { code: 'account_mismatch' } });
  });

  it('rejects a wrong or missing PIN with pin_mismatch, and the rejection holds nothing', async () => {
    const a = auNumber();
    const account = await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const wrong = await askPortOut([a], { pin: '9999' });
    expect(wrong.body).toMatchObject({ status: 'rejected', accountId: account.id, pinGiven: true, rejection: { code: 'pin_mismatch', numbers: [] } });
    const missing = await askPortOut([a], { pin: undefined });
    expect(missing.body).toMatchObject({ status: 'rejected', pinGiven: false, rejection: { code: 'pin_mismatch' } });
    // No administrator email for a rejection, and no lock: the corrected request goes through.
    expect(await emailsAbout(wrong.body.id)).toEqual([]);
    expect((await askPortOut([a])).body.status).toBe('accepted');
  });

  it('checks in a fixed order: an unknown number outranks a wrong PIN', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const answer = await askPortOut([a, auNumber()], { pin: '0000' });
    expect(answer.body.rejection.code).toBe('number_not_found');
  });

  it('rejects a number another accepted port-out holds with number_in_active_order, naming it', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const first = await askPortOut([a]);
    expect(first.body.status).toBe('accepted');
    const second = await askPortOut([a], {}, otherGaining.apiKey);
    expect(second.body).toMatchObject({
      status: 'rejected',
      carrierId: otherGaining.id,
      rejection: { code: 'number_in_active_order', numbers: [a], conflictingOrderId: first.body.id },
    });
  });

  it('rejects numbers released after the post-termination window with number_released', async () => {
    // AU keeps no window: numbers are released at 00:00 on the termination date.
    const au = auNumber();
    await newAccount('AU', [{ number: au, origin: 'provisioned' }], { terminationDate: '2026-05-01' });
    const released = await askPortOut([au]);
    expect(released.body).toMatchObject({ status: 'rejected', rejection: { code: 'number_released', numbers: [au] } });

    // GB keeps 30 days: inside the window a port-out is accepted, after it the numbers are gone.
    const [inside, after] = [gbNumber(), gbNumber()];
    await newAccount('GB', [{ number: inside, origin: 'provisioned' }], { terminationDate: '2026-04-20' });
    await newAccount('GB', [{ number: after, origin: 'provisioned' }], { terminationDate: '2026-04-01' });
    expect((await askPortOut([inside])).body).toMatchObject({ status: 'accepted', market: 'GB' });
    expect((await askPortOut([after])).body).toMatchObject({ status: 'rejected', rejection: { code: 'number_released', numbers: [after] } });
  });
});

describe('number locks are shared with port-ins', () => {
  it('a port-in draft holding a number makes a port-out of it rejected, naming the draft', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const other = await newAccount('AU', []);
    const draft = await api.call('POST', '/v1/port-ins', {
      key: other.apiKey,
      body: portInBody('AU', losing.id, { numbers: [{ number: a, lineType: 'pstn' }] }),
    });
    expect(draft.status).toBe(201);
    const answer = await askPortOut([a]);
    expect(answer.body).toMatchObject({
      status: 'rejected',
      rejection: { code: 'number_in_active_order', numbers: [a], conflictingOrderId: draft.body.id },
    });
    expect(answer.body.rejection.message).toContain(draft.body.id);
  });

  it('an accepted port-out makes a port-in of its number fail with 409, naming the port-out', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const portOut = await askPortOut([a]);
    expect(portOut.body.status).toBe('accepted');
    const other = await newAccount('AU', []);
    const portIn = await api.call('POST', '/v1/port-ins', {
      key: other.apiKey,
      body: portInBody('AU', losing.id, { numbers: [{ number: a, lineType: 'pstn' }] }),
    });
    expect(portIn.status).toBe(409);
    expect(portIn.body).toMatchObject({ code: 'number_in_active_order', number: a, conflictingOrderId: portOut.body.id });
  });
});

describe('the administrator is told at once, and cannot cancel', () => {
  it('emails every number, warns about the ported-in ones, says it cannot be cancelled and what porting back costs', async () => {
    const [a, b, c] = [auNumber(), auNumber(), auNumber()];
    const account = await newAccount('AU', [
      { number: a, origin: 'provisioned' },
      { number: b, origin: 'ported_in' },
      { number: c, origin: 'provisioned' },
    ], { adminEmail: 'it-admin@customer.test', name: 'Harbour Dental' });
    const answer = await askPortOut([a, b, c]);
    expect(answer.body.status).toBe('accepted');
    const id = answer.body.id as string;

    const emails = await emailsAbout(id);
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email).toMatchObject({ id: `${id}.accepted`, purpose: 'port_out_accepted', to: ['it-admin@customer.test'], reference: `PD-${id}` });
    expect(email!.subject).toContain(`[PD-${id}]`);
    expect(email!.subject).toContain('Gaining Telco');
    for (const n of [a, b, c]) expect(email!.text).toContain(n);
    expect(email!.text).toContain('Harbour Dental');
    expect(email!.text).toContain('came to us by port-in');
    expect(email!.text).toMatch(/inbound calls and faxes stop/);
    expect(email!.text).toMatch(/cannot be cancelled/i);
    expect(email!.text).toContain('A$25.00');
    expect(email!.text).toContain(`/v1/port-outs/${id}`);
    expect(email!.html).toContain(b);
  });

  it('refuses the customer\'s cancel with 409 and the explanation; other accounts get 404', async () => {
    const a = auNumber();
    const account = await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const accepted = await askPortOut([a]);
    const cancel = await api.call('POST', `/v1/port-outs/${accepted.body.id}/cancel`, { key: account.apiKey });
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ code: 'port_out_not_cancellable', detail: PORT_OUT_NOT_CANCELLABLE_MESSAGE });
    expect(cancel.body.detail).toContain('ask the gaining carrier to withdraw');
    expect(cancel.body.detail).toContain('port-back fee');
    expect((await api.call('GET', `/v1/port-outs/${accepted.body.id}`, { key: account.apiKey })).body.status).toBe('accepted');

    const stranger = await newAccount('AU', []);
    expect((await api.call('POST', `/v1/port-outs/${accepted.body.id}/cancel`, { key: stranger.apiKey })).status).toBe(404);
    expect((await api.call('POST', `/v1/port-outs/${accepted.body.id}/cancel`, { key: gaining.apiKey })).status).toBe(403);

    const rejected = await askPortOut([a], { pin: '0000' });
    const final = await api.call('POST', `/v1/port-outs/${rejected.body.id}/cancel`, { key: account.apiKey });
    expect(final.status).toBe(409);
    expect(final.body.code).toBe('port_out_final');
  });
});

describe('completion releases the numbers and stops their charges', () => {
  it('marks the numbers ported_out, lowers the count, tells the administrator, and a port-in brings one back with its fee', async () => {
    const [a, b, kept] = [auNumber(), auNumber(), auNumber()];
    const account = await newAccount('AU', [
      { number: a, origin: 'provisioned' },
      { number: b, origin: 'ported_in' },
      { number: kept, origin: 'provisioned' },
    ]);
    expect((await api.call('GET', `/v1/accounts/${account.id}`)).body.activeNumberCount).toBe(3);
    const id = (await askPortOut([a, b])).body.id as string;

    await api.setClock('2026-05-06T00:00:00Z');
    const early = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: '2026-05-03' } });
    expect(early.status).toBe(422);
    expect(early.body).toMatchObject({ code: 'completion_date_invalid', errors: [expect.objectContaining({ path: 'completedOn' })] });
    const future = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: '2026-05-07' } });
    expect(future.status).toBe(422);
    expect((await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: otherGaining.apiKey, body: { type: 'completed', completedOn: '2026-05-06' } })).status).toBe(404);

    const done = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: '2026-05-05' } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', completedOn: '2026-05-05', monthlyChargeChange: null, version: 2 });

    const numbers = await inventory(account.id);
    for (const n of [a, b]) expect(numbers.get(n)).toMatchObject({ status: 'ported_out', portOutId: id, chargesStopOn: '2026-05-05', portedOutAt: '2026-05-06T00:00:00.000Z' });
    expect(numbers.get(kept)).toMatchObject({ status: 'active', chargesStopOn: null });
    expect((await api.call('GET', `/v1/accounts/${account.id}`)).body.activeNumberCount).toBe(1);

    const completed = (await emailsAbout(id)).find((e) => e.purpose === 'port_out_completed');
    expect(completed).toMatchObject({ id: `${id}.completed`, to: ['admin@example.test'] });
    expect(completed!.text).toContain(a);
    expect(completed!.text).toContain(b);
    expect(completed!.subject).toContain(`[PD-${id}]`);

    // Carriers retry: the same completion answers the same port-out; another date is refused.
    const again = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: '2026-05-05' } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'completed', version: 2 });
    const other = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: '2026-05-06' } });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('port_out_not_accepted');
    expect((await emailsAbout(id)).filter((e) => e.purpose === 'port_out_completed')).toHaveLength(1);

    const events = await api.call('GET', `/v1/port-outs/${id}/events`, { key: account.apiKey });
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual(['accepted', 'completed']);
    expect(events.body.items[1]).toMatchObject({ actor: { kind: 'carrier', id: gaining.id }, data: expect.objectContaining({ completedOn: '2026-05-05' }) });

    // The locks went with the port-out: porting a number back is a new port-in, with the port-back fee.
    const back = await api.call('POST', '/v1/port-ins', { key: account.apiKey, body: portInBody('AU', gaining.id, { numbers: [{ number: a, lineType: 'pstn' }] }) });
    expect(back.status).toBe(201);
    expect(back.body.quote.lines.find((l: { kind: string }) => l.kind === 'port_back_fee')).toMatchObject({
      quantity: 1,
      unitPrice: { currency: 'AUD', amountMinor: 2500 },
      amount: { currency: 'AUD', amountMinor: 2500 },
    });
    // A number that left us is not ours to port out again.
    expect((await askPortOut([b])).body.rejection.code).toBe('number_not_found');
    await api.setClock(NOW);
  });
});

describe('withdrawal', () => {
  it('frees the numbers: they stay ours and a new port-out is accepted again', async () => {
    const a = auNumber();
    const account = await newAccount('AU', [{ number: a, origin: 'ported_in' }]);
    const id = (await askPortOut([a])).body.id as string;
    const withdrawn = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'withdrawn', reason: 'Subscriber changed their mind' } });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawnReason: 'Subscriber changed their mind' });
    // The same withdrawal again is a retry; completing a withdrawn port-out is refused.
    const again = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'withdrawn', reason: 'Subscriber changed their mind' } });
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(withdrawn.body.version);
    const complete = await api.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: TODAY } });
    expect(complete.status).toBe(409);

    expect((await inventory(account.id)).get(a)).toMatchObject({ status: 'active' });
    const email = (await emailsAbout(id)).find((e) => e.purpose === 'port_out_withdrawn');
    expect(email).toMatchObject({ id: `${id}.withdrawn`, to: ['admin@example.test'] });
    expect(email!.text).toContain(a);

    expect((await askPortOut([a], {}, otherGaining.apiKey)).body.status).toBe('accepted');
  });
});

describe('who may ask, and who sees what', () => {
  it('an operator asks for a named carrier; without one it is told to name it', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const unnamed = await api.call('POST', '/v1/port-outs', { body: request([a]) });
    expect(unnamed.status).toBe(422);
    expect(unnamed.body).toMatchObject({ code: 'carrier_id_required', errors: [expect.objectContaining({ path: 'carrierId' })] });
    const unknown = await api.call('POST', '/v1/port-outs', { body: request([a], { carrierId: 'car_doesnotexist00' }) });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('carrier_not_found');
    const named = await api.call('POST', '/v1/port-outs', { body: request([a], { carrierId: otherGaining.id }) });
    expect(named.status).toBe(201);
    expect(named.body).toMatchObject({ status: 'accepted', carrierId: otherGaining.id });
    const events = await api.call('GET', `/v1/port-outs/${named.body.id}/events`);
    expect(events.body.items[0].actor.kind).toBe('operator');
    // A carrier asks only for itself.
    const impersonating = await askPortOut([auNumber()], { carrierId: otherGaining.id });
    expect(impersonating.status).toBe(403);
  });

  it('takes at most MAX_NUMBERS_PER_PORT_OUT numbers a request, as the API document says', async () => {
    const doc = await api.call('GET', '/openapi.json', { key: null });
    expect(doc.body.components.schemas.CreatePortOut.properties.numbers.maxItems).toBe(MAX_NUMBERS_PER_PORT_OUT);
    const numbers = Array.from({ length: MAX_NUMBERS_PER_PORT_OUT + 1 }, (_, i) => `+6173213${String(i).padStart(4, '0')}`);
    const tooMany = await askPortOut(numbers);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ path: 'numbers', code: 'too_big' })]);
  });

  it('replays a create sent again with the same Idempotency-Key', async () => {
    const a = auNumber();
    await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const headers = { 'idempotency-key': `port-out-${a}` };
    const first = await api.call('POST', '/v1/port-outs', { key: gaining.apiKey, body: request([a]), headers });
    const second = await api.call('POST', '/v1/port-outs', { key: gaining.apiKey, body: request([a]), headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.body.status).toBe('accepted');
  });

  it('shows a port-out to the operator, the carrier that asked and the account, and 404 to anyone else; lists filter per role', async () => {
    const asker = (await api.call('POST', '/v1/carriers', { body: { name: 'Asking Telco' } })).body as { id: string; apiKey: string };
    const bystander = (await api.call('POST', '/v1/carriers', { body: { name: 'Bystander Telco' } })).body as { id: string; apiKey: string };
    const [a, b] = [auNumber(), auNumber()];
    const account = await newAccount('AU', [{ number: a, origin: 'provisioned' }]);
    const stranger = await newAccount('AU', [{ number: b, origin: 'provisioned' }]);
    const accepted = (await askPortOut([a], {}, asker.apiKey)).body;
    const rejected = (await askPortOut([a], { pin: '0000' }, asker.apiKey)).body;
    const unknown = (await askPortOut([auNumber()], {}, asker.apiKey)).body;
    const strangers = (await askPortOut([b], {}, bystander.apiKey)).body;

    for (const key of [api.operatorKey, asker.apiKey, account.apiKey]) {
      expect((await api.call('GET', `/v1/port-outs/${accepted.id}`, { key })).status).toBe(200);
      expect((await api.call('GET', `/v1/port-outs/${accepted.id}/events`, { key })).status).toBe(200);
    }
    for (const key of [bystander.apiKey, stranger.apiKey]) {
      const hidden = await api.call('GET', `/v1/port-outs/${accepted.id}`, { key });
      expect(hidden.status).toBe(404);
      expect(hidden.body.code).toBe('not_found');
      expect((await api.call('GET', `/v1/port-outs/${accepted.id}/events`, { key })).status).toBe(404);
    }
    // A request that matched no account of ours is the carrier's and the operator's only.
    expect((await api.call('GET', `/v1/port-outs/${unknown.id}`, { key: account.apiKey })).status).toBe(404);

    const ids = async (key: string, query = '') => (await api.call('GET', `/v1/port-outs${query}`, { key })).body.items.map((p: { id: string }) => p.id).sort();
    expect(await ids(asker.apiKey)).toEqual([accepted.id, rejected.id, unknown.id].sort());
    expect(await ids(asker.apiKey, '?status=rejected')).toEqual([rejected.id, unknown.id].sort());
    expect(await ids(bystander.apiKey)).toEqual([strangers.id]);
    expect(await ids(account.apiKey)).toEqual([accepted.id, rejected.id].sort());
    // A customer cannot widen its list to another account.
    expect(await ids(account.apiKey, `?accountId=${stranger.id}`)).toEqual([accepted.id, rejected.id].sort());
    expect(await ids(api.operatorKey, `?accountId=${stranger.id}`)).toEqual([strangers.id]);
    expect(await ids(api.operatorKey, `?accountId=${account.id}&status=accepted`)).toEqual([accepted.id]);
    const all = await ids(api.operatorKey, '?limit=100');
    expect(all).toEqual(expect.arrayContaining([accepted.id, rejected.id, unknown.id, strangers.id]));

    const list = await api.call('GET', '/v1/port-outs', { key: account.apiKey });
    expect(list.body.items.find((p: { id: string }) => p.id === accepted.id)).toMatchObject({ status: 'accepted', numberCount: 1, cancellable: false });
    expect((await api.call('GET', '/v1/port-outs?status=nonsense', { key: account.apiKey })).status).toBe(400);
  });
});

// The use case in-process (no HTTP): what the API cannot show, a race with another order and a request by email.
describe('requestPortOut in-process', () => {
  let h: Harness;
  let carrier: Caller;
  const at = '2026-05-04T00:00:00Z';
  beforeAll(async () => {
    h = await createHarness();
    h.setNow(at);
    const created = await createCarrier(h.deps, { name: 'Mail Telco', portingEmail: 'porting@mail-telco.test' });
    carrier = { role: 'carrier', principalId: 'key_mail_telco', accountId: null, carrierId: created.id };
  });
  const input = (numbers: string[]) => ({ numbers, authorizedName: 'Sam Taylor', requestedDate: '2026-05-11' });

  it('decides again when another order locked a number between its read and its write', async () => {
    const account = await harnessAccount(h, 'AU', { at });
    const number = auNumber();
    await addNumbers(h, account.id, at, [number]);
    const draft = await draftOrder(h, 'AU', account.id, await newCarrier(h, at), at, { number });
    // A read that missed the draft's lock: only the write sees it (NumberConflictError).
    const blind = new Proxy(h.deps.repository, {
      get: (target, prop: keyof Repository) => (prop === 'getNumberLocks' ? async () => new Map() : (target[prop] as Function).bind(target)),
    });
    const sentBefore = h.mailer.sent.length;
    const view = await requestPortOut({ ...h.deps, repository: blind }, carrier, input([number]));
    expect(view).toMatchObject({ status: 'rejected', rejection: { code: 'number_in_active_order', numbers: [number], conflictingOrderId: draft } });
    expect(await h.deps.repository.getPortOut(view.id)).toMatchObject({ status: 'rejected' });
    expect((await h.deps.repository.getNumberLocks([number])).get(number)?.orderId).toBe(draft);
    expect(h.mailer.sent.length).toBe(sentBefore);
  });

  it('answers a request that came by email to its sender, once, whatever the retries', async () => {
    const account = await harnessAccount(h, 'AU', { at, adminEmail: 'admin@by-email.test' });
    const number = auNumber();
    await addNumbers(h, account.id, at, [number]);
    const channel: PortOutChannel = {
      channel: 'email',
      id: 'pout_emailchannel00001',
      inboundEmailId: 'ibm_0123456789abcdef0123456789abcdef',
      loaDocumentId: 'doc_loa0000000000001',
      replyTo: 'porting@mail-telco.test',
    };
    const view = await requestPortOut(h.deps, carrier, input([number]), channel);
    expect(view).toMatchObject({ id: channel.id, status: 'accepted', channel: 'email', inboundEmailId: channel.inboundEmailId, loaDocumentId: channel.loaDocumentId });
    const answers = h.mailer.to('porting@mail-telco.test').filter((e) => e.reference === `PD-${channel.id}`);
    expect(answers).toHaveLength(1);
    expect(answers[0]!.text).toContain(number);
    expect(h.mailer.to('admin@by-email.test')).toHaveLength(1);

    // The intake retried: the stored port-out is returned as it is, nothing is sent again.
    const sent = h.mailer.sent.length;
    expect(await requestPortOut(h.deps, carrier, input([number]), channel)).toEqual(view);
    expect(h.mailer.sent.length).toBe(sent);

    // A rejected request by email is answered with its code; the administrator hears nothing.
    const rejected = await requestPortOut(h.deps, carrier, input([auNumber()]), { ...channel, id: 'pout_emailchannel00002' });
    expect(rejected.status).toBe('rejected');
    const rejection = h.mailer.sent.filter((e) => e.reference === 'PD-pout_emailchannel00002');
    expect(rejection).toHaveLength(1);
    expect(rejection[0]!.to).toEqual(['porting@mail-telco.test']);
    expect(rejection[0]!.text).toContain('number_not_found');
  });

  it('FR: porting back is free, and completion lowers the monthly number charges', async () => {
    const created = await createAccount(h.deps, {
      name: 'Cabinet Martin',
      market: 'FR',
      adminEmail: 'admin@cabinet.test',
      plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'EUR', amountMinor: 2000 }, seats: 1 },
    });
    const numbers = ['+33142685301', '+33142685302', '+33142685303'];
    await addInventoryNumbers(h.deps, OPERATOR, created.id, { numbers: numbers.map((number) => ({ number, origin: 'provisioned' as const })) });
    h.setNow('2026-05-04T08:00:00Z');
    const view = await requestPortOut(h.deps, carrier, input(numbers.slice(0, 2)));
    expect(view).toMatchObject({ status: 'accepted', market: 'FR' });
    const accepted = h.mailer.to('admin@cabinet.test');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.text).toContain('Le retour est gratuit');

    const done = await recordPortOutCarrierEvent(h.deps, carrier, view.id, { type: 'completed', completedOn: '2026-05-04' });
    // 3 numbers, 1 seat: 2 billed beyond the seat before, none after.
    expect(done).toMatchObject({ status: 'completed', monthlyChargeChange: { currency: 'EUR', amountMinor: -1990 } });
    expect((await h.deps.repository.getAccount(created.id))?.activeNumberCount).toBe(1);
    expect(h.mailer.to('admin@cabinet.test')).toHaveLength(2);
  });
});
