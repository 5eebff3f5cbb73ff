// The Lambda handler as EventBridge Scheduler calls it: functions/schedule/deadline-check.ts with its
// composition root (functions/lib/deps.ts) configured from the environment, on this file's own
// DynamoDB Local table. Only the outside services on the composed deps are swapped for the
// capturing fakes. "Now" is the scheduled event's `time`, not the wall clock.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { AccountRecord } from '../../shared/app/ports.ts';
import { countDynamoRequests, type DynamoRequestCounter } from '../../shared/adapters/dynamo/client.ts';
import {
  SUBMITTER_EMAIL,
  createHarness,
  eventsOf,
  newAccount,
  newCarrier,
  orderOf,
  orderWithCarrier,
  reject,
  signingRequestSubject,
  writesIn,
  type Harness,
} from './support.ts';

const OPERATOR_FROM_ENV = 'ops-from-env@portdesk.test';

describe('handler({ time }) of functions/schedule/deadline-check.ts', () => {
  let h: Harness;
  let handler: (event: { time: string }) => Promise<{ now: string; due: number; changed: number; unchanged: number; failed: number }>;
  let requests: DynamoRequestCounter;
  let account: AccountRecord;
  let carrierId: string;

  beforeAll(async () => {
    h = await createHarness();
    // The composition root reads its settings when first imported.
    Object.assign(process.env, {
      TABLE_NAME: h.table.tableName,
      DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
      AWS_REGION: 'ap-southeast-2',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      PORTDESK_OPERATOR_EMAIL: OPERATOR_FROM_ENV,
      PUBLIC_BASE_URL: 'https://api.portdesk.test',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    delete process.env.STATE_MACHINE_ARN;
    const composed = await import('../../functions/lib/deps.ts');
    ({ handler } = await import('../../functions/schedule/deadline-check.ts'));
    // Outside services only: the repository and webhook store stay the composed DynamoDB ones.
    Object.assign(composed.deps.services, { mailer: h.mailer, bus: h.bus, workflow: h.engine, webhooks: h.webhooks, voice: h.voice });
    expect(composed.deps.services.settings.operatorEmail).toBe(OPERATOR_FROM_ENV);
    requests = countDynamoRequests(composed.dynamoClient);

    account = await newAccount(h, 'AU', { at: '2026-11-01T00:00:00Z' });
    carrierId = await newCarrier(h, '2026-11-01T00:00:00Z');
  });

  it('acts as of the event time: an order due on Christmas Day is left alone at 23:59 Brisbane and flagged at 00:00 Boxing Day, once', async () => {
    const id = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-11-24T23:00:00Z');
    expect(await orderOf(h, id)).toMatchObject({ dueDate: '2026-12-25' });

    expect(await handler({ time: '2026-12-25T13:59:00Z' })).toEqual({ now: '2026-12-25T13:59:00.000Z', due: 0, changed: 0, unchanged: 0, failed: 0 });
    expect(await handler({ time: '2026-12-25T14:00:00Z' })).toEqual({ now: '2026-12-25T14:00:00.000Z', due: 1, changed: 1, unchanged: 0, failed: 0 });

    const order = await orderOf(h, id);
    expect(order).toMatchObject({ overdueSince: '2026-12-26', dueAt: null });
    expect((await eventsOf(h, id)).at(-1)).toEqual({
      type: 'overdue',
      at: '2026-12-25T14:00:00.000Z', // the scheduled instant, although the wall clock says otherwise
      actor: { kind: 'system', id: 'scheduled-check' },
      data: { dueDate: '2026-12-25', overdueSince: '2026-12-26' },
    });
    // The operator address comes from PORTDESK_OPERATOR_EMAIL. Before it, only the signing request
    // sent at submit (signed at once, so never reminded).
    expect(h.mailer.notices(id).map((e) => e.to)).toEqual([[OPERATOR_FROM_ENV]]);
    expect(h.mailer.signing(id).map((e) => [e.to, e.subject])).toEqual([[[SUBMITTER_EMAIL], signingRequestSubject('AU', id)]]);
    const emails = [...h.mailer.about(id)];
    expect(emails).toHaveLength(2);

    // A re-delivered event for the same instant: nothing to do, nothing written, nothing sent.
    requests.reset();
    expect(await handler({ time: '2026-12-25T14:00:00Z' })).toMatchObject({ due: 0, changed: 0, failed: 0 });
    expect(writesIn(requests.byCommand())).toBe(0);
    expect(h.mailer.about(id)).toEqual(emails);
  });

  it('withdraws a rejected order at the end of its window and resumes its workflow through the composed deps', async () => {
    const id = await orderWithCarrier(h, 'AU', account.id, carrierId, '2026-12-01T04:00:00Z');
    await reject(h, id, '2026-12-22T00:00:00Z');
    await h.deps.repository.putWorkflowWait({ orderId: id, taskToken: 'token-handler', status: 'rejected', transferDate: null, step: 'AwaitOrderChange', since: '2026-12-22T00:00:01.000Z' });
    expect((await orderOf(h, id)).resubmitBy).toBe('2026-12-31T14:00:00.000Z');

    expect(await handler({ time: '2026-12-31T13:59:59Z' })).toMatchObject({ due: 0 });
    expect(await handler({ time: '2026-12-31T14:00:00Z' })).toMatchObject({ due: 1, changed: 1, failed: 0 });
    expect((await orderOf(h, id)).status).toBe('withdrawn');
    expect(h.engine.resumes.filter((r) => r.taskToken === 'token-handler').map((r) => r.output.status)).toEqual(['withdrawn']);
    expect(h.bus.about(id).filter((e) => e.detail.to === 'withdrawn')).toHaveLength(1);
  });

  it('refuses an event without a valid time (rather than acting as of "now")', async () => {
    await expect(handler({ time: 'not a time' })).rejects.toThrow(/valid time/);
    await expect(handler({} as { time: string })).rejects.toThrow(/valid time/);
  });
});
