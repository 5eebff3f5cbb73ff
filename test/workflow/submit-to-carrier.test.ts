// SubmitToCarrier: by email to the carrier's porting desk (once per submission, through the outbox)
// and/or a POST to its webhook; a webhook's 5xx or silence is retried (TransientError), a 4xx is the
// carrier refusing it (CarrierRejectedSubmission), a carrier with no channel is CarrierUnreachable.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '../../shared/adapters/http/webhook-sender.ts';
import {
  CarrierRejectedSubmission,
  CarrierUnreachable,
  TransientError,
  submitToCarrier,
} from '../../shared/app/use-cases/workflow.ts';
import { cancelPortIn, resubmitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import type { UseCaseDeps } from '../../shared/app/context.ts';
import { OPERATOR, PUBLIC_BASE_URL, carrierEvent, createHarness, newAccount, newCarrier, submittedOrder, type Harness } from './harness.ts';

let h: Harness;
let accountId: string;
let n = 0;
const PORTING_DESK = 'porting@carrier.test';

beforeAll(async () => {
  h = await createHarness();
  accountId = await newAccount(h, 'AU');
});
afterAll(() => h.close());
beforeEach(() => {
  h.receiver.requests.length = 0;
  h.receiver.status = 202;
  h.setNow('2026-03-02T00:00:00Z');
});

const orderWith = async (channels: { portingEmail?: string; webhookUrl?: string }) => {
  const carrierId = await newCarrier(h, channels);
  const orderId = await submittedOrder(h, 'AU', accountId, carrierId, { number: `+617321203${String(++n).padStart(2, '0')}` });
  return { carrierId, orderId };
};
const submissionsTo = (orderId: string) => h.mailer.to(PORTING_DESK).filter((e) => e.subject.includes(`[PD-${orderId}]`));

describe('by email', () => {
  it('emails the porting desk with the order reference in the subject, once per submission', async () => {
    const { orderId } = await orderWith({ portingEmail: PORTING_DESK });
    const result = await submitToCarrier(h.deps, orderId);
    expect(result).toEqual({ orderId, submitted: true, channels: ['email'], expected: { status: 'submitted', transferDate: null, rejectionCount: 0 } });
    expect(submissionsTo(orderId)).toHaveLength(1);
    expect(submissionsTo(orderId)[0]!.subject).toContain(`[PD-${orderId}]`);

    await submitToCarrier(h.deps, orderId); // retried or re-run: nothing is sent twice
    expect(submissionsTo(orderId)).toHaveLength(1);
  });

  it('sends the resubmission after a rejection as a new submission', async () => {
    const { orderId } = await orderWith({ portingEmail: PORTING_DESK });
    await submitToCarrier(h.deps, orderId);
    await carrierEvent(h, orderId, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });
    await resubmitPortIn(h.deps, OPERATOR, orderId);
    const result = await submitToCarrier(h.deps, orderId);
    expect(result.expected).toEqual({ status: 'submitted', transferDate: null, rejectionCount: 1 });
    expect(submissionsTo(orderId)).toHaveLength(2);
  });

  it('sends nothing for an order no longer submitted (cancelled meanwhile): the next wait sees it', async () => {
    const { orderId } = await orderWith({ portingEmail: PORTING_DESK });
    await cancelPortIn(h.deps, OPERATOR, orderId);
    const before = h.mailer.sent.length;
    expect(await submitToCarrier(h.deps, orderId)).toMatchObject({ submitted: false, channels: [], expected: { status: 'submitted' } });
    expect(h.mailer.sent.length).toBe(before);
  });
});

describe('by webhook', () => {
  it('POSTs the order as JSON with its reference and a per-submission idempotency key', async () => {
    const carrierId = await newCarrier(h, { webhookUrl: `${h.receiver.url}/porting/orders` });
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120399' });

    const result = await submitToCarrier(h.deps, id);
    expect(result.channels).toEqual(['webhook']);
    expect(h.receiver.requests).toHaveLength(1);
    const [request] = h.receiver.requests;
    expect(request!.path).toBe('/porting/orders');
    expect(request!.headers['content-type']).toMatch(/application\/json/);
    expect(request!.headers['idempotency-key']).toBe(`${id}.carrier_submission.0`);
    expect(request!.headers['x-portdesk-reference']).toBe(`PD-${id}`);
    expect(JSON.parse(request!.body)).toMatchObject({
      type: 'port_in_submission',
      reference: `PD-${id}`,
      orderId: id,
      submission: 1,
      market: 'AU',
      commencementDate: '2026-03-02',
      losingCarrierAccountNumber: 'ACC-1001',
      numbers: [{ number: '+61732120399', lineType: 'pstn', services: [] }],
      letterOfAuthority: { signedBy: 'Alex Martin' },
      answerTo: `${PUBLIC_BASE_URL}/v1/port-ins/${id}/carrier-events`,
    });
  });

  it('uses both channels when the carrier has both', async () => {
    const { orderId } = await orderWith({ portingEmail: PORTING_DESK, webhookUrl: `${h.receiver.url}/both` });
    expect((await submitToCarrier(h.deps, orderId)).channels).toEqual(['email', 'webhook']);
    expect(submissionsTo(orderId)).toHaveLength(1);
    expect(h.receiver.requests).toHaveLength(1);
  });

  it.each([500, 503, 429, 408])('retries an HTTP %i answer (TransientError)', async (status) => {
    const { orderId } = await orderWith({ webhookUrl: `${h.receiver.url}/flaky` });
    h.receiver.status = status;
    const error = await submitToCarrier(h.deps, orderId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe('TransientError');
  });

  it.each([400, 404, 422])('takes an HTTP %i answer as the carrier refusing the order (not retried)', async (status) => {
    const { orderId } = await orderWith({ webhookUrl: `${h.receiver.url}/refuses` });
    h.receiver.status = status;
    const error = await submitToCarrier(h.deps, orderId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CarrierRejectedSubmission);
    expect((error as Error).name).toBe('CarrierRejectedSubmission');
    expect((error as Error).message).toContain(`HTTP ${status}`);
  });

  it('retries when nothing answers at the webhook address', async () => {
    const { orderId } = await orderWith({ webhookUrl: 'http://127.0.0.1:9/closed-port' });
    await expect(submitToCarrier(h.deps, orderId)).rejects.toBeInstanceOf(TransientError);
  });

  it('takes a webhook on an internal address as unreachable, not as something to retry', async () => {
    const { orderId } = await orderWith({ webhookUrl: `${h.receiver.url}/internal` });
    const strict = { ...h.deps, services: { ...h.deps.services, webhooks: new HttpWebhookSender() } } as UseCaseDeps;
    await expect(submitToCarrier(strict, orderId)).rejects.toBeInstanceOf(CarrierUnreachable);
    expect(h.receiver.requests).toHaveLength(0);
  });
});

describe('without a way to reach the carrier', () => {
  it('is CarrierUnreachable with an explanation when the carrier has neither email nor webhook', async () => {
    const { carrierId, orderId } = await orderWith({});
    const error = await submitToCarrier(h.deps, orderId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CarrierUnreachable);
    expect((error as Error).name).toBe('CarrierUnreachable');
    expect((error as Error).message).toContain(carrierId);
    expect((error as Error).message).toMatch(/neither a porting email nor a webhook/);
  });
});
