// Orders in flight survive a restart of the local runtime (`npm start` stopped and started again):
// executions are persisted by the local Step Functions runner and resume at their waiting step
// with a new task token, and the order goes on to completion through the API as usual.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { findFreePort } from '../../local/dynamodb-local.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { accountBody, portInBody } from '../support/api.ts';

let current: TestRuntime | undefined;
afterAll(async () => current?.close());

it('carries an order that was waiting for the carrier on to completion after a restart', async () => {
  // The same data dir, table and ports both times, as `npm start` run twice in one folder.
  const settings = {
    dataDir: mkdtempSync(join(tmpdir(), 'portdesk-restart-')),
    tableName: `portdesk-restart-${randomUUID().slice(0, 8)}`,
    port: await findFreePort(),
    awsPort: await findFreePort(),
  };
  current = await startTestRuntime(settings);
  let t = current;
  await t.setClock('2026-03-02T00:00:00Z');
  const carrier = await t.ok('POST', '/v1/carriers', { body: { name: 'Losing Carrier', portingEmail: 'porting@losing-carrier.example.test' } });
  const account = await t.ok('POST', '/v1/accounts', { body: accountBody('AU') });
  const order = await t.ok('POST', '/v1/port-ins', { key: account.apiKey, body: portInBody('AU', carrier.id) });
  await t.ok('POST', `/v1/port-ins/${order.id}/submit`, { key: account.apiKey });
  await t.ok('POST', `/v1/port-ins/${order.id}/signature`, { key: account.apiKey, body: { signerName: 'Alex Martin', agreed: true } });
  await t.settle();
  await t.ok('POST', `/v1/port-ins/${order.id}/carrier-events`, { key: carrier.apiKey, body: { type: 'transfer_date', transferDate: '2026-03-12' } });
  await t.settle();
  expect((await t.execution(order.id)).states.at(-1)).toBe('WaitForCompletion');
  const tokenBefore = (await t.repository.getWorkflowWait(order.id))?.taskToken;
  expect(tokenBefore).toBeTruthy();

  await t.close();
  current = undefined;
  current = await startTestRuntime({ ...settings, operatorKey: t.operatorKey });
  t = current;
  await t.settle();
  const run = await t.execution(order.id);
  expect(run.status).toBe('RUNNING');
  const tokenAfter = (await t.repository.getWorkflowWait(order.id))?.taskToken;
  expect(tokenAfter).toBeTruthy();
  expect(tokenAfter).not.toBe(tokenBefore); // the waiting step ran again and stored a new token

  await t.setClock('2026-03-12T01:00:00Z');
  await t.ok('POST', `/v1/port-ins/${order.id}/carrier-events`, { key: carrier.apiKey, body: { type: 'completed', completedOn: '2026-03-12' } });
  await t.settle();
  const done = await t.execution(order.id);
  expect(done.status).toBe('SUCCEEDED');
  expect(done.states.slice(-3)).toEqual(['ActivateNumbers', 'FrenchOrder', 'NotifyCompletion', 'Completed'].slice(-3));
  expect((await t.ok('GET', `/v1/port-ins/${order.id}`)).status).toBe('completed');
}, 120_000);
