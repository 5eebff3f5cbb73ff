// Order changes reach the workflow: the first `submitted` starts the execution; a change of status or
// transfer date resumes the waiting step (once, with what the order became) and clears its wait;
// anything else, or no workflow configured, does nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { followUp, signalFor, signalWorkflow } from '../../shared/app/use-cases/workflow.ts';
import { cancelPortIn, updatePortIn } from '../../shared/app/use-cases/port-ins.ts';
import type { WorkflowWait } from '../../shared/app/ports.ts';
import type { PortInOrder } from '../../shared/rules/types.ts';
import { OPERATOR, carrierEvent, createHarness, newAccount, newCarrier, submittedOrder, type Harness } from './harness.ts';

let h: Harness;
let accountId: string;
let carrierId: string;

beforeAll(async () => {
  h = await createHarness();
  accountId = await newAccount(h, 'AU');
  carrierId = await newCarrier(h, { portingEmail: 'porting@carrier.test' });
});
afterAll(() => h.close());
beforeEach(() => {
  h.engine.starts.length = 0;
  h.engine.resumes.length = 0;
  h.setNow('2026-03-02T00:00:00Z');
});

const orderOf = async (id: string): Promise<PortInOrder> => (await h.deps.repository.getOrder(id))!;

async function waitFor(orderId: string, expected: Pick<WorkflowWait, 'status' | 'transferDate'>, token = `token-${orderId}`): Promise<string> {
  await h.deps.repository.putWorkflowWait({ orderId, taskToken: token, step: 'WaitForCarrierAnswer', since: '2026-03-02T00:00:00.000Z', ...expected });
  return token;
}

describe('followUp', () => {
  it('starts the execution when the order first goes to the carrier, and only then', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120101' });
    const order = await orderOf(id);
    h.engine.starts.length = 0;
    const awaiting = { ...order, status: 'awaiting_signature' as const };
    const onHold = { ...order, status: 'on_hold' as const };

    await followUp(h.deps, awaiting, order);
    await followUp(h.deps, onHold, order);
    expect(h.engine.starts).toEqual([id, id]);

    h.engine.starts.length = 0;
    await followUp(h.deps, { ...order, status: 'rejected' }, order); // a resubmission continues the same execution
    await followUp(h.deps, order, { ...order, status: 'scheduled', transferDate: '2026-03-16' });
    await followUp(h.deps, { ...order, status: 'draft' }, { ...order, status: 'awaiting_signature' });
    expect(h.engine.starts).toEqual([]);
  });

  it('resumes the waiting step with what the order became, once, and clears the wait', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120102' });
    const before = await orderOf(id);
    const token = await waitFor(id, { status: 'submitted', transferDate: null });
    const after: PortInOrder = { ...before, status: 'scheduled', transferDate: '2026-03-16', version: before.version + 1 };

    await followUp(h.deps, before, after);
    expect(h.engine.resumes).toEqual([{ taskToken: token, output: { orderId: id, status: 'scheduled', transferDate: '2026-03-16', market: 'AU' } }]);
    expect(await h.deps.repository.getWorkflowWait(id)).toBeNull();

    await followUp(h.deps, before, after); // the same change again: nothing waits any more
    expect(h.engine.resumes).toHaveLength(1);
  });

  it('resumes on a changed transfer date with the new date', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120103' });
    await carrierEvent(h, id, { type: 'transfer_date', transferDate: '2026-03-16' });
    const before = await orderOf(id);
    const token = await waitFor(id, { status: 'scheduled', transferDate: '2026-03-16' });

    await followUp(h.deps, before, { ...before, transferDate: '2026-03-18' });
    expect(h.engine.resumes).toEqual([{ taskToken: token, output: { orderId: id, status: 'scheduled', transferDate: '2026-03-18', market: 'AU' } }]);
  });

  it('does nothing without a change of status or transfer date, and leaves the wait', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120104' });
    const order = await orderOf(id);
    const token = await waitFor(id, { status: 'submitted', transferDate: null });

    await followUp(h.deps, order, { ...order, version: order.version + 1, updatedAt: '2026-03-02T01:00:00.000Z' });
    expect(h.engine.resumes).toEqual([]);
    expect((await h.deps.repository.getWorkflowWait(id))?.taskToken).toBe(token);
  });

  it('does not resume a step that already waits on what the order became', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120105' });
    const order = await orderOf(id);
    // The step stored its wait after the change (it saw `scheduled` itself).
    await waitFor(id, { status: 'scheduled', transferDate: '2026-03-16' });
    expect(await followUp(h.deps, order, { ...order, status: 'scheduled', transferDate: '2026-03-16' })).toBeUndefined();
    expect(h.engine.resumes).toEqual([]);
  });

  it('does nothing when no workflow is configured (API-only)', async () => {
    const apiOnly = await createHarness({ workflow: false });
    try {
      const acc = await newAccount(apiOnly, 'AU');
      const car = await newCarrier(apiOnly, { portingEmail: 'porting@carrier.test' });
      const id = await submittedOrder(apiOnly, 'AU', acc, car);
      const order = (await apiOnly.deps.repository.getOrder(id))!;
      await apiOnly.deps.repository.putWorkflowWait({ orderId: id, taskToken: 't', status: 'submitted', transferDate: null, step: 'WaitForCarrierAnswer', since: order.updatedAt });
      await followUp(apiOnly.deps, { ...order, status: 'awaiting_signature' }, order);
      await followUp(apiOnly.deps, order, { ...order, status: 'cancelled' });
      expect(apiOnly.engine.starts).toEqual([]);
      expect(apiOnly.engine.resumes).toEqual([]);
      expect(await signalWorkflow(apiOnly.deps, { orderId: id, action: 'resume' })).toBe('no_workflow');
    } finally {
      await apiOnly.close();
    }
  });
});

describe('signalWorkflow (what an outbox signal does when delivered)', () => {
  it('without a state, resumes with the order as it is now', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120106' });
    await cancelPortIn(h.deps, OPERATOR, id);
    // A step waits on `submitted` (its wait stored around the cancellation); the signal comes later.
    await waitFor(id, { status: 'submitted', transferDate: null }, 'late-token');
    h.engine.resumes.length = 0;

    expect(await signalWorkflow(h.deps, { orderId: id, action: 'resume' })).toBe('resumed');
    expect(h.engine.resumes).toEqual([{ taskToken: 'late-token', output: { orderId: id, status: 'cancelled', transferDate: null, market: 'AU' } }]);
    expect(await h.deps.repository.getWorkflowWait(id)).toBeNull();
    expect(await signalWorkflow(h.deps, { orderId: id, action: 'resume' })).toBe('not_waiting');
  });

  it('passes a rejection on as a rejection even when the order was resubmitted meanwhile', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120107' });
    const submitted = await orderOf(id);
    await carrierEvent(h, id, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });
    const rejected = await orderOf(id);
    const token = await waitFor(id, { status: 'submitted', transferDate: null });

    const signal = signalFor(submitted, rejected)!;
    expect(signal).toEqual({ orderId: id, action: 'resume', state: { orderId: id, status: 'rejected', transferDate: null, market: 'AU' } });
    expect(await signalWorkflow(h.deps, signal)).toBe('resumed');
    expect(h.engine.resumes).toEqual([{ taskToken: token, output: signal.state }]);
  });

  it('starts the execution', async () => {
    expect(await signalWorkflow(h.deps, { orderId: 'pin_any', action: 'start' })).toBe('started');
    expect(h.engine.starts).toEqual(['pin_any']);
  });
});

describe('commands through the API use cases', () => {
  it('signing starts the order\'s execution once; carrier answers resume the waiting step', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120109' });
    expect(h.engine.starts).toEqual([id]);
    const token = await waitFor(id, { status: 'submitted', transferDate: null });
    await carrierEvent(h, id, { type: 'transfer_date', transferDate: '2026-03-16' });
    expect(h.engine.resumes).toEqual([{ taskToken: token, output: { orderId: id, status: 'scheduled', transferDate: '2026-03-16', market: 'AU' } }]);
    expect(await h.deps.repository.getWorkflowWait(id)).toBeNull();
    expect(h.engine.starts).toEqual([id]);
  });

  it('a cancellation ends the wait of any waiting step', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120110' });
    await carrierEvent(h, id, { type: 'transfer_date', transferDate: '2026-03-16' });
    const token = await waitFor(id, { status: 'scheduled', transferDate: '2026-03-16' });
    await cancelPortIn(h.deps, OPERATOR, id);
    expect(h.engine.resumes.at(-1)).toEqual({ taskToken: token, output: { orderId: id, status: 'cancelled', transferDate: '2026-03-16', market: 'AU' } });
  });

  it('a rejected order edited without a status change resumes nothing', async () => {
    const id = await submittedOrder(h, 'AU', accountId, carrierId, { number: '+61732120108' });
    await carrierEvent(h, id, { type: 'rejected', reasonCode: 'ACCT_MISMATCH', reason: 'Account number does not match' });
    await waitFor(id, { status: 'rejected', transferDate: null });
    h.engine.resumes.length = 0;
    await updatePortIn(h.deps, OPERATOR, id, { losingCarrierAccountNumber: 'ACC-2002' });
    expect(h.engine.resumes).toEqual([]);
    expect((await h.deps.repository.getWorkflowWait(id))?.status).toBe('rejected');
  });
});
