// A port-out end to end on the local runtime (API, outbox, SES -> MailDev, DynamoDB Local): the
// gaining carrier asks, the administrator gets the warning email in their mailbox, the customer's
// cancel is refused, the carrier completes, the numbers leave the inventory and the administrator is
// told; a later port-in of one of them is a port-back with its fee.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { accountBody, portInBody } from '../support/api.ts';

let t: TestRuntime;
let gaining: { id: string; apiKey: string };

const ADMIN = 'it-admin@harbour-dental.example.test';
const PROVISIONED = '+61732127001';
const PORTED_IN = '+61732127002';
const KEPT = '+61732127003';

beforeAll(async () => {
  t = await startTestRuntime();
  await t.setClock('2026-05-04T00:00:00Z'); // Monday 4 May, 10:00 in Brisbane
  gaining = await t.ok('POST', '/v1/carriers', { body: { name: 'Gaining Telco', emailDomains: ['gaining.example.test'] } });
}, 120_000);

afterAll(async () => {
  await t?.close();
});

const mailAbout = async (id: string) => (await t.outbox()).filter((m) => m.subject.includes(`[PD-${id}]`));

describe('a port-out on the local runtime', () => {
  it('warns the administrator by email, refuses the cancel, and releases the numbers on completion', async () => {
    const base = accountBody('AU');
    const account = await t.ok('POST', '/v1/accounts', {
      body: {
        ...base,
        name: 'Harbour Dental',
        adminEmail: ADMIN,
        plan: { ...base.plan, portBackFee: { currency: 'AUD', amountMinor: 2500 } },
        losingCarrierAccountNumber: 'HD-1001',
        portOutPin: '8642',
      },
    });
    await t.ok('POST', `/v1/accounts/${account.id}/numbers`, {
      body: {
        numbers: [
          { number: PROVISIONED, origin: 'provisioned' },
          { number: PORTED_IN, origin: 'ported_in' },
          { number: KEPT, origin: 'provisioned' },
        ],
      },
    });

    const created = await t.call('POST', '/v1/port-outs', {
      key: gaining.apiKey,
      body: { numbers: [PROVISIONED, PORTED_IN], accountNumber: 'HD-1001', pin: '8642', authorizedName: 'Sam Taylor', requestedDate: '2026-05-11' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'accepted', accountId: account.id, numberCount: 2, portedInNumbers: [PORTED_IN], cancellable: false });
    const id = created.body.id as string;
    await t.settle();

    // The warning reached the administrator's mailbox (MailDev), with every number and the risks.
    const warning = (await mailAbout(id)).filter((m) => m.to.includes(ADMIN));
    expect(warning).toHaveLength(1);
    expect(warning[0]!.subject).toMatch(/^Warning: 2 numbers being ported out to Gaining Telco/);
    expect(warning[0]!.text).toContain(PROVISIONED);
    expect(warning[0]!.text).toContain(PORTED_IN);
    expect(warning[0]!.text).not.toContain(KEPT);
    expect(warning[0]!.text).toMatch(/inbound calls and faxes stop/);
    expect(warning[0]!.text).toMatch(/cannot be cancelled/i);
    expect(warning[0]!.text).toContain('A$25.00');

    const cancel = await t.call('POST', `/v1/port-outs/${id}/cancel`, { key: account.apiKey });
    expect(cancel.status).toBe(409);
    expect(cancel.body.code).toBe('port_out_not_cancellable');
    expect(cancel.body.detail).toContain('ask the gaining carrier to withdraw');

    // While it is accepted the numbers are held: a port-in of one of them is refused.
    const blocked = await t.call('POST', '/v1/port-ins', { key: account.apiKey, body: portInBody('AU', gaining.id, { numbers: [{ number: PROVISIONED, lineType: 'pstn' }] }) });
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'number_in_active_order', conflictingOrderId: id });

    await t.setClock('2026-05-05T00:00:00Z');
    const done = await t.call('POST', `/v1/port-outs/${id}/carrier-events`, { key: gaining.apiKey, body: { type: 'completed', completedOn: '2026-05-05' } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', completedOn: '2026-05-05' });
    await t.settle();

    const inventory = await t.ok('GET', `/v1/accounts/${account.id}/numbers`, { key: account.apiKey });
    const byNumber = new Map(inventory.items.map((n: { e164: string }) => [n.e164, n]));
    expect(byNumber.get(PROVISIONED)).toMatchObject({ status: 'ported_out', portOutId: id, chargesStopOn: '2026-05-05' });
    expect(byNumber.get(PORTED_IN)).toMatchObject({ status: 'ported_out', portOutId: id, chargesStopOn: '2026-05-05' });
    expect(byNumber.get(KEPT)).toMatchObject({ status: 'active' });
    expect((await t.ok('GET', `/v1/accounts/${account.id}`, { key: account.apiKey })).activeNumberCount).toBe(1);

    const told = (await mailAbout(id)).filter((m) => m.to.includes(ADMIN));
    expect(told).toHaveLength(2);
    const completion = told.find((m) => m.subject.startsWith('Port-out complete: 2 numbers left for Gaining Telco'));
    expect(completion).toBeDefined();
    expect(completion!.text).toContain(PROVISIONED);
    expect(completion!.text).toContain(PORTED_IN);

    // Porting one back is a new port-in with the port-back fee in its quote.
    const back = await t.call('POST', '/v1/port-ins', { key: account.apiKey, body: portInBody('AU', gaining.id, { numbers: [{ number: PROVISIONED, lineType: 'pstn' }] }) });
    expect(back.status).toBe(201);
    expect(back.body.quote.lines.find((l: { kind: string }) => l.kind === 'port_back_fee')).toMatchObject({ unitPrice: { currency: 'AUD', amountMinor: 2500 } });
  });
});
