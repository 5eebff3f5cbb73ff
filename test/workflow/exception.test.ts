// When a step keeps failing: the order shows the exception (step, error, readable cause) with a
// `workflow_exception` event, the operator is emailed, and repeats add nothing. Also: which errors
// Step Functions retries, how a step parses its input, and the notices' occurrence keys.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { workflowStep } from '../../functions/workflow/step.ts';
import { VoicePlatformError } from '../../shared/adapters/http/voice-platform.ts';
import {
  CarrierUnreachable,
  InvalidStepInput,
  NotifyInput,
  TransientError,
  causeText,
  notify,
  recordException,
  toWorkflowError,
} from '../../shared/app/use-cases/workflow.ts';
import { ConcurrentModificationError, InvalidTransitionError } from '../../shared/rules/errors.ts';
import { OPERATOR_EMAIL, carrierEvent, completedOrder, createHarness, eventsOf, newAccount, newCarrier, submittedOrder, type Harness } from './harness.ts';

let h: Harness;
let accountId: string;
let carrierId: string;
let n = 0;

beforeAll(async () => {
  h = await createHarness();
  accountId = await newAccount(h, 'AU');
  carrierId = await newCarrier(h, { portingEmail: 'porting@carrier.test' });
});
afterAll(() => h.close());
beforeEach(() => {
  h.setNow('2026-03-02T00:00:00Z');
});

const newOrder = () => submittedOrder(h, 'AU', accountId, carrierId, { number: `+617321205${String(++n).padStart(2, '0')}` });
const toSubmitter = (orderId: string) => h.mailer.to('submitter@customer.test').filter((e) => e.subject.includes(`[PD-${orderId}]`)).length;
const operatorEmailsAbout = (orderId: string) => h.mailer.to(OPERATOR_EMAIL).filter((e) => e.subject.includes(`[PD-${orderId}]`));

/** A Catch's Cause for an error thrown by a Lambda function, as Step Functions writes it. */
const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at handler (index.mjs:1:1)'] });

describe('RecordException', () => {
  it('shows the failed step on the order with a workflow_exception event and emails the operator, once', async () => {
    const orderId = await newOrder();
    const failure = { SubmitToCarrier: { Error: 'CarrierUnreachable', Cause: lambdaCause('CarrierUnreachable', 'Carrier car_x has neither a porting email nor a webhook URL') } };

    const result = await recordException(h.deps, { orderId, failure });
    expect(result).toEqual({ orderId, step: 'SubmitToCarrier', error: 'CarrierUnreachable', recorded: true });
    const order = (await h.deps.repository.getOrder(orderId))!;
    expect(order.status).toBe('submitted');
    expect(order.exception).toEqual({
      step: 'SubmitToCarrier',
      error: 'CarrierUnreachable',
      cause: 'Carrier car_x has neither a porting email nor a webhook URL',
      at: '2026-03-02T00:00:00.000Z',
    });

    await recordException(h.deps, { orderId, failure }); // RecordException retried
    const events = (await eventsOf(h, orderId)).filter((e) => e.type === 'workflow_exception');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: { kind: 'system', id: 'workflow' }, data: { step: 'SubmitToCarrier', error: 'CarrierUnreachable' } });
    expect(operatorEmailsAbout(orderId)).toHaveLength(1);
  });

  it('records an unexpected turn of the order the same way', async () => {
    const orderId = await newOrder();
    const failure = { UnexpectedStatus: { Error: 'UnexpectedStatus', Cause: 'The order became expired, which the workflow does not expect while it waits.' } };
    await recordException(h.deps, { orderId, failure });
    expect((await h.deps.repository.getOrder(orderId))!.exception).toMatchObject({
      step: 'UnexpectedStatus',
      error: 'UnexpectedStatus',
      cause: 'The order became expired, which the workflow does not expect while it waits.',
    });
  });

  it('tells the operator even about a step after completion (the order itself is final)', async () => {
    const orderId = await newOrder();
    await completedOrder(h, orderId);
    await recordException(h.deps, { orderId, failure: { PlaceTestCall: { Error: 'TransientError', Cause: lambdaCause('TransientError', 'VoicePlatformError: HTTP 503') } } });
    expect((await h.deps.repository.getOrder(orderId))!.status).toBe('completed');
    expect(operatorEmailsAbout(orderId)).toHaveLength(1);
  });

  it('keeps a readable cause: a Lambda error message, or Step Functions\' own text, at most 1,000 characters', () => {
    expect(causeText(lambdaCause('X', 'what went wrong'))).toBe('what went wrong');
    expect(causeText('The cause could not be determined because Lambda did not return an error type.')).toMatch(/^The cause could not/);
    expect(causeText('x'.repeat(5000))).toHaveLength(1000);
    expect(causeText(undefined)).toBe('');
  });
});

describe('which errors Step Functions retries', () => {
  it.each([
    ['a concurrent write', new ConcurrentModificationError('port-in order', 'pin_x')],
    ['an outside service marked retryable', new VoicePlatformError('The voice platform answered HTTP 503', true)],
    ['a throttled AWS call', Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' })],
    ['a server fault of an AWS service', Object.assign(new Error('Internal error'), { name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries %s (TransientError)', (_what, error) => {
    const thrown = toWorkflowError(error);
    expect(thrown).toBeInstanceOf(TransientError);
    expect(thrown.name).toBe('TransientError');
    expect(thrown.message).toContain(error.name);
  });

  it.each([
    ['the carrier being unreachable', new CarrierUnreachable('no channel')],
    ['a rule refusing the change', new InvalidTransitionError('order_final', 'final', 'completed')],
    ['a refused outside request', new VoicePlatformError('The voice platform answered HTTP 400', false)],
    ['a bug', new TypeError('x is undefined')],
  ])('does not retry %s: it keeps its name', (_what, error) => {
    expect(toWorkflowError(error)).toBe(error);
  });
});

describe('a step handler', () => {
  const step = workflowStep('Example', NotifyInput, async (input) => {
    if (input.orderId === 'pin_conflict') throw new ConcurrentModificationError('port-in order', input.orderId);
    return { ok: input.orderId };
  });

  it('parses its input and returns the use case result', async () => {
    expect(await step({ orderId: 'pin_a', notice: 'completion' })).toEqual({ ok: 'pin_a' });
  });

  it('refuses an input it does not understand (InvalidStepInput)', async () => {
    await expect(step({ orderId: 'pin_a', notice: 'party' })).rejects.toBeInstanceOf(InvalidStepInput);
    await expect(step(null)).rejects.toMatchObject({ name: 'InvalidStepInput' });
  });

  it('throws retryable failures as TransientError', async () => {
    await expect(step({ orderId: 'pin_conflict', notice: 'completion' })).rejects.toMatchObject({ name: 'TransientError' });
  });
});

describe('Notify', () => {
  it('tells the submitter once per rejection, and says what the next wait waits on', async () => {
    const orderId = await newOrder();
    await carrierEvent(h, orderId, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });
    const first = await notify(h.deps, { orderId, notice: 'rejection' });
    expect(first).toEqual({ orderId, notice: 'rejection', key: '1', sent: true, expected: { status: 'rejected', transferDate: null, rejectionCount: 1 } });
    const afterFirst = toSubmitter(orderId);
    expect(afterFirst).toBeGreaterThanOrEqual(1);
    await notify(h.deps, { orderId, notice: 'rejection' }); // retried or re-run
    expect(toSubmitter(orderId)).toBe(afterFirst);
  });

  it('tells each transfer date once, keyed by the date', async () => {
    const orderId = await newOrder();
    await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-16' });
    const before = toSubmitter(orderId);
    expect(await notify(h.deps, { orderId, notice: 'transfer_date' })).toMatchObject({ key: '2026-03-16', sent: true, expected: { status: 'scheduled', transferDate: '2026-03-16' } });
    await notify(h.deps, { orderId, notice: 'transfer_date' });
    expect(toSubmitter(orderId)).toBe(before + 1);
    await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-18' });
    const changed = toSubmitter(orderId);
    expect(await notify(h.deps, { orderId, notice: 'transfer_date' })).toMatchObject({ key: '2026-03-18', sent: true });
    await notify(h.deps, { orderId, notice: 'transfer_date' });
    expect(toSubmitter(orderId)).toBe(changed + 1);
  });

  it('sends nothing about a transfer date the order no longer has; the next wait then resumes at once', async () => {
    const orderId = await newOrder();
    await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-16' });
    await carrierEvent(h, orderId, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });
    const before = toSubmitter(orderId);
    const result = await notify(h.deps, { orderId, notice: 'transfer_date' });
    expect(result).toMatchObject({ sent: false, expected: { status: 'scheduled', transferDate: null } });
    expect(toSubmitter(orderId)).toBe(before);
  });
});
