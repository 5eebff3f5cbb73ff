// The porting lifecycle end to end, locally: the API, the state machine CDK synthesizes (run by the
// local Step Functions runner), the outbox, SES -> MailDev, EventBridge and the scheduler, on
// DynamoDB Local. Every path of the issue: rejection -> resubmission -> completion, second
// rejection, resubmission deadline, transfer-date change, cancellation from each waiting step,
// and a task that keeps failing -> exception.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_EMAIL, startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { accountBody, portInBody } from '../support/api.ts';

let t: TestRuntime;
let carrier: { id: string; apiKey: string };
let failingCarrier: { id: string; apiKey: string };
let account: { id: string; apiKey: string };
let receiver: Server;
let receiverCalls = 0;
let serial = 0;

const SUBMITTER = 'submitter@customer.example.test';
const CARRIER_DESK = 'porting@losing-carrier.example.test';

beforeAll(async () => {
  t = await startTestRuntime();
  await t.setClock('2026-03-02T00:00:00Z'); // Monday 2 March, 10:00 in Brisbane
  // A carrier endpoint that is down: every submission POST answers 503.
  receiver = createServer((req, res) => {
    receiverCalls += 1;
    req.resume();
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  carrier = await t.ok('POST', '/v1/carriers', { body: { name: 'Losing Carrier', portingEmail: CARRIER_DESK, emailDomains: ['losing-carrier.example.test'] } });
  failingCarrier = await t.ok('POST', '/v1/carriers', {
    body: { name: 'Carrier With A Broken API', webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/porting` },
  });
  account = await t.ok('POST', '/v1/accounts', { body: accountBody('AU') });
}, 120_000);

afterAll(async () => {
  await t?.close();
  receiver?.close();
});

/** A signed AU order for a fresh number: the workflow has started and waits for the carrier. */
async function signedOrder(carrierId = carrier.id): Promise<string> {
  serial += 1;
  const number = `+617321${String(serial).padStart(5, '0')}`;
  const order = await t.ok('POST', '/v1/port-ins', {
    key: account.apiKey,
    body: portInBody('AU', carrierId, { numbers: [{ number, lineType: 'pstn' }], submitterEmail: SUBMITTER }),
  });
  await t.ok('POST', `/v1/port-ins/${order.id}/submit`, { key: account.apiKey });
  await t.ok('POST', `/v1/port-ins/${order.id}/signature`, { key: account.apiKey, body: { signerName: 'Alex Martin', agreed: true } });
  await t.settle();
  return order.id;
}

const carrierEvent = async (orderId: string, body: unknown) => {
  await t.ok('POST', `/v1/port-ins/${orderId}/carrier-events`, { key: carrier.apiKey, body });
  await t.settle();
};

const mailAbout = async (orderId: string) => (await t.outbox()).filter((m) => m.subject.includes(`[PD-${orderId}]`));

/** Submitting emails the submitter the LOA to sign (signedOrder signs it through the API). */
const SIGNING_SUBJECT = 'Please sign the Letter of Authority for your port-in order';

/** The subjects of the emails the submitter got about the order, without the reference, sorted. */
const submitterSubjects = async (orderId: string) =>
  (await mailAbout(orderId))
    .filter((m) => m.to.includes(SUBMITTER))
    .map((m) => m.subject.replace(` [PD-${orderId}]`, '').replace(/:.*$/, ''))
    .sort();

describe('the order workflow', () => {
  it('runs rejection -> resubmission -> transfer date -> completion, telling everyone at each step', async () => {
    const id = await signedOrder();
    let run = await t.execution(id);
    expect(run.status).toBe('RUNNING');
    expect(run.states).toEqual(['SubmitToCarrier', 'WaitForCarrierAnswer']);
    const submission = (await mailAbout(id)).filter((m) => m.to.includes(CARRIER_DESK));
    expect(submission).toHaveLength(1);
    expect(submission[0]!.text).toContain(`+617321${String(serial).padStart(5, '0')}`); // the order's number
    const signing = (await mailAbout(id)).filter((m) => m.to.includes(SUBMITTER));
    expect(signing.map((m) => m.subject)).toEqual([`${SIGNING_SUBJECT} [PD-${id}]`]);
    expect(signing[0]!.text).toMatch(new RegExp(`/sign/${id}\\.[A-Za-z0-9_-]{43}`)); // the link to the signing page

    await carrierEvent(id, { type: 'rejected', reasonCode: 'account_number_mismatch', reason: 'Account number does not match our records' });
    expect(await submitterSubjects(id)).toEqual([SIGNING_SUBJECT, 'Port-in order rejected'].sort());
    const rejection = (await mailAbout(id)).filter((m) => m.to.includes(SUBMITTER) && m.subject.startsWith('Port-in order rejected'));
    expect(rejection).toHaveLength(1);
    expect(rejection[0]!.text).toContain('account_number_mismatch');
    expect(rejection[0]!.text).toMatch(/A\$20\.00/); // AU rejection fee, one number

    await t.ok('POST', `/v1/port-ins/${id}/resubmit`, { key: account.apiKey });
    await t.settle();
    expect((await mailAbout(id)).filter((m) => m.to.includes(CARRIER_DESK))).toHaveLength(2);

    await carrierEvent(id, { type: 'transfer_date', transferDate: '2026-03-12' });
    await t.setClock('2026-03-12T01:00:00Z');
    await carrierEvent(id, { type: 'completed', completedOn: '2026-03-12' });

    run = await t.execution(id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual([
      'SubmitToCarrier', 'WaitForCarrierAnswer', 'RouteOrderChange', 'NotifyRejection', 'WaitForResubmission', 'RouteOrderChange',
      'SubmitToCarrier', 'WaitForCarrierAnswer', 'RouteOrderChange', 'NotifyTransferDate', 'WaitForCompletion', 'RouteOrderChange',
      'ActivateNumbers', 'FrenchOrder', 'NotifyCompletion', 'Completed',
    ]);
    // Resubmitting without an edit keeps the signature: no second signing email.
    expect(await submitterSubjects(id)).toEqual([SIGNING_SUBJECT, 'Port-in complete', 'Port-in order rejected', 'Transfer date'].sort());
    const toCustomer = (await mailAbout(id)).filter((m) => m.to.includes(SUBMITTER));
    const completion = toCustomer.find((m) => m.subject.startsWith('Port-in complete'));
    expect(completion?.text).toMatch(/cancel/i); // the reminder: cancel the old service only now

    const numbers = await t.ok('GET', `/v1/accounts/${account.id}/numbers?limit=100`);
    expect(numbers.items.map((n: { e164: string }) => n.e164)).toEqual(expect.arrayContaining([expect.stringMatching(/^\+617321/)]));
    const published = t.runtime.events().filter((e) => (e.detail as { orderId?: string }).orderId === id);
    expect(published.map((e) => (e.detail as { to: string }).to)).toEqual(
      expect.arrayContaining(['awaiting_signature', 'submitted', 'rejected', 'scheduled', 'completed']),
    );
    await t.setClock('2026-03-02T00:00:00Z');
  }, 60_000);

  it('withdraws an order rejected a second time and tells the submitter', async () => {
    const id = await signedOrder();
    await carrierEvent(id, { type: 'rejected', reasonCode: 'name_mismatch', reason: 'Name differs' });
    await t.ok('POST', `/v1/port-ins/${id}/resubmit`, { key: account.apiKey });
    await t.settle();
    await carrierEvent(id, { type: 'rejected', reasonCode: 'name_mismatch', reason: 'Still differs' });
    const run = await t.execution(id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(-2)).toEqual(['NotifyWithdrawal', 'Withdrawn']);
    expect((await t.ok('GET', `/v1/port-ins/${id}`)).status).toBe('withdrawn');
    // The signing request, the first rejection, then the withdrawal.
    expect(await submitterSubjects(id)).toEqual([SIGNING_SUBJECT, 'Port-in order rejected', 'Port-in order withdrawn'].sort());
  }, 60_000);

  it('withdraws a rejected order when the resubmission deadline passes (scheduled check)', async () => {
    const id = await signedOrder();
    await carrierEvent(id, { type: 'rejected', reasonCode: 'pin_invalid', reason: 'PIN wrong' });
    const { resubmitBy } = await t.ok('GET', `/v1/port-ins/${id}`);
    await t.setClock(new Date(Date.parse(resubmitBy) - 1).toISOString());
    await t.ok('POST', '/_local/scheduler/run');
    await t.settle();
    expect((await t.ok('GET', `/v1/port-ins/${id}`)).status).toBe('rejected');

    await t.setClock(resubmitBy);
    const report = await t.ok('POST', '/_local/scheduler/run');
    expect(report.deadlineCheck.changed).toBeGreaterThanOrEqual(1);
    await t.settle();
    expect((await t.ok('GET', `/v1/port-ins/${id}`)).status).toBe('withdrawn');
    const run = await t.execution(id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(-3)).toEqual(['RouteOrderChange', 'NotifyWithdrawal', 'Withdrawn']);
    await t.setClock('2026-03-02T00:00:00Z');
  }, 60_000);

  it('tells the customer again when the carrier changes the transfer date, then completes', async () => {
    const id = await signedOrder();
    await carrierEvent(id, { type: 'transfer_date', transferDate: '2026-03-16' });
    await carrierEvent(id, { type: 'transfer_date', transferDate: '2026-03-18' });
    expect(await submitterSubjects(id)).toEqual([SIGNING_SUBJECT, 'Transfer date', 'Transfer date changed'].sort());
    const dates = (await mailAbout(id)).filter((m) => m.to.includes(SUBMITTER) && m.subject.startsWith('Transfer date'));
    expect(dates).toHaveLength(2);
    const changed = dates.find((m) => m.subject.startsWith('Transfer date changed'));
    expect(changed?.text).toContain('18 March 2026');
    await t.setClock('2026-03-18T02:00:00Z');
    await carrierEvent(id, { type: 'completed', completedOn: '2026-03-18' });
    const run = await t.execution(id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.filter((s) => s === 'NotifyTransferDate')).toHaveLength(2);
    await t.setClock('2026-03-02T00:00:00Z');
  }, 60_000);

  it.each([
    ['waiting for the carrier', async (_id: string) => undefined, 'WaitForCarrierAnswer'],
    ['waiting for a resubmission', (id: string) => carrierEvent(id, { type: 'rejected', reasonCode: 'address_mismatch', reason: 'Wrong address' }), 'WaitForResubmission'],
    ['waiting for completion', (id: string) => carrierEvent(id, { type: 'transfer_date', transferDate: '2026-03-20' }), 'WaitForCompletion'],
  ])('ends the execution when the customer cancels while %s', async (_label, reach, waitingStep) => {
    const id = await signedOrder();
    await reach(id);
    expect((await t.execution(id)).states.at(-1)).toBe(waitingStep);
    await t.ok('POST', `/v1/port-ins/${id}/cancel`, { key: account.apiKey, body: {} });
    await t.settle();
    const run = await t.execution(id);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(-2)).toEqual(['NotifyCancellation', 'Cancelled']);
    const cancellations = (await mailAbout(id)).filter((m) => m.to.includes(SUBMITTER) && m.subject.startsWith('Port-in order cancelled'));
    expect(cancellations).toHaveLength(1);
  }, 60_000);

  it('tells the customer about a cancellation before the order reached the carrier (no workflow runs yet)', async () => {
    serial += 1;
    const order = await t.ok('POST', '/v1/port-ins', {
      key: account.apiKey,
      body: portInBody('AU', carrier.id, { numbers: [{ number: `+617321${String(serial).padStart(5, '0')}`, lineType: 'pstn' }], submitterEmail: SUBMITTER }),
    });
    await t.ok('POST', `/v1/port-ins/${order.id}/submit`, { key: account.apiKey });
    await t.ok('POST', `/v1/port-ins/${order.id}/cancel`, { key: account.apiKey, body: {} });
    await t.settle();
    await expect(t.execution(order.id)).rejects.toThrow(/does not exist/i);
    const cancellations = (await mailAbout(order.id)).filter((m) => m.subject.startsWith('Port-in order cancelled'));
    expect(cancellations).toHaveLength(1);
    expect(cancellations[0]!.to).toEqual([SUBMITTER]);
    expect(cancellations[0]!.text).toContain('A$20.00'); // 50 % of the A$40 porting fee: submitted to us, not yet to the carrier
  }, 60_000);

  it('lands the order in an operator-visible exception when a step keeps failing after its retries', async () => {
    const before = receiverCalls;
    const id = await signedOrder(failingCarrier.id);
    const run = await t.execution(id);
    expect(run.status).toBe('FAILED');
    expect(run.states).toEqual(['SubmitToCarrier', 'RecordException', 'OrderException']);
    expect(receiverCalls - before).toBe(6); // the first try and 5 retries (backoff with jitter, scaled down here)
    const order = await t.ok('GET', `/v1/port-ins/${id}`);
    expect(order.exception).toMatchObject({ step: 'SubmitToCarrier', error: 'TransientError' });
    // The operator's work list: orders whose workflow failed, and only those.
    const worklist = await t.ok('GET', '/v1/port-ins?exception=true&limit=100');
    expect(worklist.items.map((o: { id: string }) => o.id)).toEqual([id]);
    const healthy = await t.ok('GET', '/v1/port-ins?exception=false&limit=100');
    expect(healthy.items.map((o: { id: string }) => o.id)).not.toContain(id);
    expect(healthy.items.length).toBeGreaterThan(0);
    const toOperator = (await mailAbout(id)).filter((m) => m.to.includes(OPERATOR_EMAIL));
    expect(toOperator).toHaveLength(1);
    expect(toOperator[0]!.text).toContain('SubmitToCarrier');
  }, 60_000);
});
