// The waiting steps: store the task token beside the order, then read the order; an order that moved
// on before the wait was stored resumes the step at once (no lost wake-up). Together with the command
// side (store the order, then read the wait), whichever comes second resumes the step.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awaitOrderChange, followUp, type OrderSnapshot } from '../../shared/app/use-cases/workflow.ts';
import { resubmitPortIn } from '../../shared/app/use-cases/port-ins.ts';
import { OPERATOR, carrierEvent, createHarness, newAccount, newCarrier, submittedOrder, type Harness } from './harness.ts';

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
  h.engine.resumes.length = 0;
  h.setNow('2026-03-02T00:00:00Z');
});

const newOrder = () => submittedOrder(h, 'AU', accountId, carrierId, { number: `+617321202${String(++n).padStart(2, '0')}` });
const AS_SUBMITTED: OrderSnapshot = { status: 'submitted', transferDate: null, rejectionCount: 0 };

describe('awaitOrderChange', () => {
  it('stores the wait and keeps waiting while the order is what the step waits on', async () => {
    const orderId = await newOrder();
    const result = await awaitOrderChange(h.deps, { orderId, taskToken: 'tok-1', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED });
    expect(result).toEqual({ orderId, step: 'WaitForCarrierAnswer', waiting: true });
    expect(h.engine.resumes).toEqual([]);
    expect(await h.deps.repository.getWorkflowWait(orderId)).toEqual({
      orderId,
      taskToken: 'tok-1',
      status: 'submitted',
      transferDate: null,
      step: 'WaitForCarrierAnswer',
      since: '2026-03-02T00:00:00.000Z',
    });
  });

  it('resumes itself at once when the order moved on before the wait was stored', async () => {
    const orderId = await newOrder();
    // The carrier answered while the workflow was still submitting: no wait existed to resume.
    await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-16' });
    expect(h.engine.resumes).toEqual([]);

    const result = await awaitOrderChange(h.deps, { orderId, taskToken: 'tok-2', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED });
    expect(result.waiting).toBe(false);
    expect(h.engine.resumes).toEqual([{ taskToken: 'tok-2', output: { orderId, status: 'scheduled', transferDate: '2026-03-16', market: 'AU' } }]);
    expect(await h.deps.repository.getWorkflowWait(orderId)).toBeNull();
  });

  it('resumes at once when the transfer date changed since the customer was told', async () => {
    const orderId = await newOrder();
    await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-16' });
    await carrierEvent(h, orderId, { type: 'transfer_date', transferDate: '2026-03-18' });
    await awaitOrderChange(h.deps, {
      orderId,
      taskToken: 'tok-3',
      step: 'WaitForCompletion',
      expected: { status: 'scheduled', transferDate: '2026-03-16', rejectionCount: 0 },
    });
    expect(h.engine.resumes.map((r) => r.output)).toEqual([{ orderId, status: 'scheduled', transferDate: '2026-03-18', market: 'AU' }]);
  });

  it('resumes at once when the order was rejected and resubmitted before the wait (same status, next submission)', async () => {
    const orderId = await newOrder();
    await carrierEvent(h, orderId, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });
    await resubmitPortIn(h.deps, OPERATOR, orderId);
    await awaitOrderChange(h.deps, { orderId, taskToken: 'tok-4', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED });
    expect(h.engine.resumes.map((r) => r.output.status)).toEqual(['submitted']);
  });

  it('is resumed by the command when the wait was stored first', async () => {
    const orderId = await newOrder();
    await awaitOrderChange(h.deps, { orderId, taskToken: 'tok-5', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED });
    const before = (await h.deps.repository.getOrder(orderId))!;
    await carrierEvent(h, orderId, { type: 'completed', completedOn: '2026-03-02' });
    const after = (await h.deps.repository.getOrder(orderId))!;
    await followUp(h.deps, before, after);
    expect(h.engine.resumes).toContainEqual({ taskToken: 'tok-5', output: { orderId, status: 'completed', transferDate: null, market: 'AU' } });
    expect(await h.deps.repository.getWorkflowWait(orderId)).toBeNull();
  });

  it('a later wait replaces an earlier one of the same order', async () => {
    const orderId = await newOrder();
    await awaitOrderChange(h.deps, { orderId, taskToken: 'old', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED });
    await awaitOrderChange(h.deps, { orderId, taskToken: 'new', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED });
    expect((await h.deps.repository.getWorkflowWait(orderId))?.taskToken).toBe('new');
    // Clearing with a token that no longer holds leaves the current wait.
    await h.deps.repository.clearWorkflowWait(orderId, 'old');
    expect((await h.deps.repository.getWorkflowWait(orderId))?.taskToken).toBe('new');
  });

  it('needs a workflow engine', async () => {
    const apiOnly = await createHarness({ workflow: false });
    try {
      await expect(awaitOrderChange(apiOnly.deps, { orderId: 'pin_x', taskToken: 't', step: 'WaitForCarrierAnswer', expected: AS_SUBMITTED })).rejects.toThrow(
        /No workflow engine/,
      );
    } finally {
      await apiOnly.close();
    }
  });
});
