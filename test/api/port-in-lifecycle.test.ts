// The README walkthrough as a test: accounts, carriers, checks and port-in orders through every
// status, over HTTP, on DynamoDB Local, with the service clock frozen at chosen instants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountBody, portInBody, SAMPLE, startTestApi, type TestApi } from '../support/api.ts';

let api: TestApi;
let carrier: { id: string; apiKey: string };

beforeAll(async () => {
  api = await startTestApi();
  carrier = (await api.call('POST', '/v1/carriers', { body: { name: 'Losing Telco', emailDomains: ['losing.example'] } })).body;
});
afterAll(async () => {
  await api.setClock(null);
  await api.close();
});

async function newAccount(market: 'AU' | 'GB' | 'FR', extra: Record<string, unknown> = {}) {
  const answer = await api.call('POST', '/v1/accounts', { body: accountBody(market, extra) });
  expect(answer.status).toBe(201);
  return answer.body as { id: string; apiKey: string };
}

describe('AU port-in from draft to completion', () => {
  it('walks through every step with fees, dates and inventory', async () => {
    await api.setClock('2026-03-02T00:00:00Z'); // Monday 10:00 in Brisbane
    const account = await newAccount('AU');
    const asCustomer = { key: account.apiKey };

    const check = await api.call('POST', '/v1/portability-checks', { ...asCustomer, body: { numbers: ['07 3212 3456', 'nonsense', '+442079460000'] } });
    expect(check.status).toBe(200);
    expect(check.body.results).toEqual([
      expect.objectContaining({ input: '07 3212 3456', e164: SAMPLE.AU.number, valid: true, portable: true, numberType: 'fixed_line', reasons: [] }),
      expect.objectContaining({ input: 'nonsense', valid: false, portable: false, reasons: ['number_invalid'] }),
      expect.objectContaining({ input: '+442079460000', valid: true, portable: false, reasons: ['number_wrong_country'] }),
    ]);

    // A draft with a PO Box address is created, with the problem listed but not blocking the draft.
    const created = await api.call('POST', '/v1/port-ins', {
      ...asCustomer,
      body: portInBody('AU', carrier.id, { serviceAddress: { line1: 'PO Box 12', locality: 'Brisbane', postcode: '4000', country: 'AU' } }),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.get('location')).toBe(`/v1/port-ins/${id}`);
    expect(created.body).toMatchObject({ status: 'draft', category: 'standard', market: 'AU', numberCount: 1 });
    expect(created.body.issues.errors).toEqual([expect.objectContaining({ code: 'service_address_not_physical', path: 'serviceAddress.line1' })]);
    expect(created.body.quote.total).toEqual({ currency: 'AUD', amountMinor: 4000 });
    expect(created.body.quote.taxIncluded).toEqual({ currency: 'AUD', amountMinor: 364 });

    const refused = await api.call('POST', `/v1/port-ins/${id}/submit`, asCustomer);
    expect(refused.status).toBe(422);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ code: 'order_invalid', status: 422, errors: [expect.objectContaining({ code: 'service_address_not_physical' })] });

    const patched = await api.call('PATCH', `/v1/port-ins/${id}`, {
      ...asCustomer,
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': created.headers.get('etag')! },
      body: { serviceAddress: { line1: '12 Queen Street' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.serviceAddress).toMatchObject({ line1: '12 Queen Street', locality: 'Brisbane' });
    expect(patched.body.issues.errors).toEqual([]);

    const submitted = await api.call('POST', `/v1/port-ins/${id}/submit`, asCustomer);
    expect(submitted.status).toBe(200);
    expect(submitted.body.status).toBe('awaiting_signature');
    // No submitter email on the order: the account's administrator is asked to sign.
    expect(submitted.body.signature).toBeNull();
    expect(submitted.body.signingRequests).toEqual([expect.objectContaining({ state: 'pending', signerEmail: 'admin@example.test' })]);
    expect(submitted.body.charges).toEqual([expect.objectContaining({ kind: 'porting_fee', amount: { currency: 'AUD', amountMinor: 4000 } })]);

    const signed = await api.call('POST', `/v1/port-ins/${id}/signature`, { ...asCustomer, body: { signerName: 'Alex Martin', agreed: true } });
    expect(signed.status).toBe(200);
    expect(signed.body).toMatchObject({ status: 'submitted', commencementDate: '2026-03-02', dueDate: '2026-04-01', overdue: false });

    await api.setClock('2026-03-04T00:00:00Z');
    const dated = await api.call('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'transfer_date', transferDate: '2026-03-10' } });
    expect(dated.status).toBe(200);
    expect(dated.body).toMatchObject({ status: 'scheduled', transferDate: '2026-03-10', transferDateConfirmed: false });

    await api.setClock('2026-03-10T02:00:00Z'); // transfer date in Brisbane: confirmed, no more changes
    const moved = await api.call('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'transfer_date', transferDate: '2026-03-12' } });
    expect(moved.status).toBe(409);
    expect(moved.body.code).toBe('transfer_date_confirmed');

    const done = await api.call('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'completed', completedOn: '2026-03-10' } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', completedOn: '2026-03-10' });

    const inventory = await api.call('GET', `/v1/accounts/${account.id}/numbers`, asCustomer);
    expect(inventory.body.items).toEqual([expect.objectContaining({ e164: SAMPLE.AU.number, origin: 'ported_in', status: 'active' })]);
    const recheck = await api.call('POST', '/v1/portability-checks', { ...asCustomer, body: { numbers: [SAMPLE.AU.number] } });
    expect(recheck.body.results[0]).toMatchObject({ portable: false, reasons: ['number_already_active'] });

    const events = await api.call('GET', `/v1/port-ins/${id}/events`, asCustomer);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
      'created',
      'updated',
      'submitted',
      'signature_requested',
      'charged',
      'signed',
      'sent_to_carrier',
      'transfer_date_set',
      'completed',
    ]);
    expect(events.body.items.at(-1).actor).toEqual({ kind: 'carrier', id: carrier.id });

    const cancel = await api.call('POST', `/v1/port-ins/${id}/cancel`, asCustomer);
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('not_cancellable');
  });
});

describe('AU rejection, resubmission, second rejection', () => {
  it('charges A$20 per number per rejection and withdraws on the second', async () => {
    await api.setClock('2026-04-01T00:00:00Z'); // Wednesday in Brisbane
    const account = await newAccount('AU');
    const key = account.apiKey;
    const body = portInBody('AU', carrier.id, {
      numbers: [
        { number: '+61732120001', lineType: 'pstn' },
        { number: '+61732120002', lineType: 'pstn', services: ['line_hunt'], acknowledgedServiceLoss: true },
      ],
    });
    const id = (await api.call('POST', '/v1/port-ins', { key, body })).body.id;
    await api.call('POST', `/v1/port-ins/${id}/submit`, { key });
    const signed = await api.call('POST', `/v1/port-ins/${id}/signature`, { key, body: { signerName: 'Alex Martin', agreed: true } });
    expect(signed.body).toMatchObject({ status: 'submitted', category: 'complex', dueDate: '2026-07-30' });

    await api.setClock('2026-04-02T00:00:00Z'); // Thursday before Easter
    const rejected = await api.call('POST', `/v1/port-ins/${id}/carrier-events`, {
      key: carrier.apiKey,
      body: { type: 'rejected', reasonCode: 'ACCOUNT_MISMATCH', reason: 'Account number does not match our records' },
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectionCount: 1, resubmitBy: '2026-04-13T14:00:00.000Z' });
    expect(rejected.body.charges.at(-1)).toMatchObject({ kind: 'rejection_fee', amount: { currency: 'AUD', amountMinor: 4000 } });

    const firstRequestId = signed.body.signature.requestId as string;
    expect(signed.body.signingRequests).toEqual([expect.objectContaining({ id: firstRequestId, state: 'signed' })]);

    // Editing the rejected order voids the signature: the new LOA must be signed before resubmitting.
    const fixed = await api.call('PATCH', `/v1/port-ins/${id}`, { key, body: { losingCarrierAccountNumber: 'ACC-2002' } });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ status: 'rejected', signature: null });
    expect(fixed.body.signingRequests).toEqual([
      expect.objectContaining({ id: firstRequestId, state: 'voided', voidedBecause: 'order_edited' }),
      expect.objectContaining({ state: 'pending', signerEmail: 'admin@example.test', voidedBecause: null }),
    ]);
    const newRequestId = fixed.body.signingRequests[1].id as string;
    expect(newRequestId).not.toBe(firstRequestId);

    const unsigned = await api.call('POST', `/v1/port-ins/${id}/resubmit`, { key });
    expect(unsigned.status).toBe(422);
    expect(unsigned.body).toMatchObject({ code: 'signature_required', errors: [expect.objectContaining({ code: 'signature_required', path: 'signature' })] });
    expect((await api.call('GET', `/v1/port-ins/${id}`, { key })).body).toMatchObject({ status: 'rejected', signature: null });

    const resigned = await api.call('POST', `/v1/port-ins/${id}/signature`, { key, body: { signerName: 'Alex Martin', agreed: true } });
    expect(resigned.status).toBe(200);
    expect(resigned.body).toMatchObject({ status: 'rejected', signature: { signerName: 'Alex Martin', channel: 'api', requestId: newRequestId } });
    expect(resigned.body.signingRequests.map((r: { state: string }) => r.state)).toEqual(['voided', 'signed']);

    const resubmitted = await api.call('POST', `/v1/port-ins/${id}/resubmit`, { key });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body).toMatchObject({ status: 'submitted', commencementDate: '2026-04-02', resubmitBy: null });

    // Both LOAs are kept: each request's unsigned one and the signature made on it.
    const documents = await api.call('GET', `/v1/port-ins/${id}/documents`, { key });
    expect(documents.status).toBe(200);
    expect(documents.body.items.map((d: { kind: string }) => d.kind).sort()).toEqual(['loa_signed', 'loa_signed', 'loa_unsigned', 'loa_unsigned']);
    expect(documents.body.items.map((d: { id: string }) => d.id)).toEqual(
      expect.arrayContaining([signed.body.signature.signedDocumentId, resigned.body.signature.signedDocumentId]),
    );

    const timeline = await api.call('GET', `/v1/port-ins/${id}/events`, { key });
    expect(timeline.body.items.map((e: { type: string }) => e.type).slice(-6)).toEqual([
      'updated',
      'signature_voided',
      'signature_requested',
      'signed',
      'resubmitted',
      'sent_to_carrier',
    ]);

    const again = await api.call('POST', `/v1/port-ins/${id}/carrier-events`, {
      key: carrier.apiKey,
      body: { type: 'rejected', reasonCode: 'ACCOUNT_MISMATCH', reason: 'Still wrong' },
    });
    expect(again.body).toMatchObject({ status: 'withdrawn', rejectionCount: 2 });
    expect(again.body.charges.filter((c: { kind: string }) => c.kind === 'rejection_fee')).toHaveLength(2);

    // Withdrawn orders release their numbers: a new order for them is accepted.
    const fresh = await api.call('POST', '/v1/port-ins', { key, body });
    expect(fresh.status).toBe(201);
  });
});

describe('GB: prerequisite hold, then late transfer compensation', () => {
  it('holds until calls both ways, then accrues compensation after a confirmed date', async () => {
    await api.setClock('2026-12-01T10:00:00Z');
    const account = await newAccount('GB');
    const key = account.apiKey;
    const id = (await api.call('POST', '/v1/port-ins', { key, body: portInBody('GB', carrier.id) })).body.id;
    const submitted = await api.call('POST', `/v1/port-ins/${id}/submit`, { key });
    expect(submitted.body.issues.warnings).toEqual([expect.objectContaining({ code: 'keep_existing_service_active' })]);
    const held = await api.call('POST', `/v1/port-ins/${id}/signature`, { key, body: { signerName: 'Alex Martin', agreed: true } });
    expect(held.body).toMatchObject({ status: 'on_hold', holdReason: 'activation_prerequisites', commencementDate: null });

    const first = await api.call('POST', `/v1/accounts/${account.id}/call-activity`, { body: { direction: 'outbound', at: '2026-12-01T11:00:00Z' } });
    expect(first.body.releasedOrders).toEqual([]);
    const second = await api.call('POST', `/v1/accounts/${account.id}/call-activity`, { body: { direction: 'inbound', at: '2026-12-01T12:00:00Z' } });
    expect(second.body.releasedOrders).toEqual([id]);
    const order = await api.call('GET', `/v1/port-ins/${id}`, { key });
    expect(order.body).toMatchObject({ status: 'submitted', commencementDate: '2026-12-01', dueDate: '2026-12-31' });

    await api.call('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'transfer_date', transferDate: '2026-12-23' } });
    await api.setClock('2026-12-30T12:00:00Z');
    const pending = await api.call('GET', `/v1/port-ins/${id}`, { key });
    expect(pending.body.compensation).toEqual({ eligible: true, daysLate: 2, accruesFrom: '2026-12-29', amount: { currency: 'GBP', amountMinor: 197 } });

    await api.setClock('2027-01-04T12:00:00Z');
    const late = await api.call('GET', `/v1/port-ins/${id}`, { key });
    expect(late.body.overdue).toBe(true);
    const done = await api.call('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'completed', completedOn: '2027-01-04' } });
    // 29 Dec to 4 Jan inclusive = 7 days: 3000 x 12 x 7 / 365 = 690.41 -> 690 pence.
    expect(done.body.compensation).toMatchObject({ eligible: true, daysLate: 7, amount: { currency: 'GBP', amountMinor: 690 } });
    expect(done.body.overdue).toBe(false);
  });
});

describe('FR: free porting, monthly charge change, French checks', () => {
  it('quotes the monthly change and blocks DSL until separated', async () => {
    await api.setClock('2026-06-01T08:00:00Z');
    const account = await newAccount('FR', { plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'EUR', amountMinor: 2000 }, seats: 1 } });
    const key = account.apiKey;
    const created = await api.call('POST', '/v1/port-ins', {
      key,
      body: portInBody('FR', carrier.id, {
        numbers: [
          { number: '01 42 68 53 00', lineType: 'pstn', services: ['dsl'] },
          { number: '04 78 00 00 00', lineType: 'pstn' },
        ],
        primaryNumber: '01 42 68 53 00',
      }),
    });
    expect(created.status).toBe(201);
    expect(created.body.quote).toMatchObject({ total: { currency: 'EUR', amountMinor: 0 }, monthlyChargeChange: { currency: 'EUR', amountMinor: 995 } });
    expect(created.body.issues.errors.map((e: { code: string }) => e.code)).toEqual(['dsl_not_separated']);
    expect(created.body.issues.warnings.map((e: { code: string }) => e.code).sort()).toEqual(['keep_existing_service_active', 'outside_paris_area']);

    const cancelled = await api.call('POST', `/v1/port-ins/${created.body.id}/cancel`, { key });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancellationFee: { currency: 'EUR', amountMinor: 0 } });
  });
});

describe('AU cancellation on the transfer date costs 150 %', () => {
  it('charges 150 % of the porting fees in Brisbane time', async () => {
    await api.setClock('2026-05-04T23:00:00Z'); // Tue 5 May 09:00 Brisbane
    const account = await newAccount('AU');
    const key = account.apiKey;
    const id = (await api.call('POST', '/v1/port-ins', { key, body: portInBody('AU', carrier.id, { numbers: [{ number: '+61732129999', lineType: 'isdn' }] }) })).body.id;
    await api.call('POST', `/v1/port-ins/${id}/submit`, { key });
    await api.call('POST', `/v1/port-ins/${id}/signature`, { key, body: { signerName: 'Alex Martin', agreed: true } });
    await api.call('POST', `/v1/port-ins/${id}/carrier-events`, { key: carrier.apiKey, body: { type: 'transfer_date', transferDate: '2026-05-08' } });
    await api.setClock('2026-05-07T14:30:00Z'); // 00:30 on 8 May in Brisbane
    const cancelled = await api.call('POST', `/v1/port-ins/${id}/cancel`, { key });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancellationFee: { currency: 'AUD', amountMinor: 13500 } });
  });
});
