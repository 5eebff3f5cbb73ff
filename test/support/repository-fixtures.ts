// Records for the repository tests against DynamoDB Local (fictitious data only): one builder per
// record, so that a new field is added in one place. Each test file gets its own copy of this module
// (vitest isolates files), so the serials below start afresh per file.
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountRecord, ApiKeyRecord, InventoryNumber, NumberLock } from '../../shared/app/ports.ts';
import type { PortInLine } from '../../shared/rules/types.ts';
import type { TestTable } from './dynamo.ts';

/** Distinct numbers `prefix` + seven digits (e.g. '+6173' for Brisbane), never repeated by the returned function. */
export function numberSource(prefix: string): (count: number) => string[] {
  let serial = 0;
  return (count) => {
    const start = serial;
    serial += count;
    return Array.from({ length: count }, (_, i) => `${prefix}${String(start + i).padStart(7, '0')}`);
  };
}

let instantSerial = 0;
/** Strictly increasing instants (a second apart from 2 March 2026), so "newest first" is well defined. */
export function nextInstant(): string {
  instantSerial += 1;
  return new Date(Date.UTC(2026, 2, 2, 0, 0, 0) + instantSerial * 1000).toISOString();
}

/** A plain fixed line of a port-in, already normalised. */
export function line(e164: string): PortInLine {
  return { input: e164, e164, lineType: 'pstn', services: [], acknowledgedServiceLoss: false, dslSeparated: false };
}

export function makeAccount(overrides: Partial<AccountRecord> = {}): AccountRecord {
  return {
    id: `acc_${randomUUID().slice(0, 8)}`,
    name: 'Acme Pty Ltd',
    market: 'AU',
    adminEmail: 'admin@acme.test',
    plan: { active: true, portingEnabled: true, monthlyFee: { currency: 'AUD', amountMinor: 3000 } },
    losingCarrierAccountNumber: null,
    portOutPinHash: null,
    terminationDate: null,
    terminationWarnedAt: null,
    numbersReleasedAt: null,
    firstInboundCallAt: null,
    firstOutboundCallAt: null,
    activeNumberCount: 0,
    createdAt: nextInstant(),
    version: 1,
    ...overrides,
  };
}

/** A customer key of `accountId` (null: none), unless `overrides` say otherwise. */
export function makeKey(accountId: string | null, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return { keyHash: randomUUID().replaceAll('-', ''), role: 'customer', accountId, carrierId: null, createdAt: nextInstant(), ...overrides };
}

/** An active, provisioned number of `accountId`'s inventory. */
export function inventory(accountId: string, e164: string, overrides: Partial<InventoryNumber> = {}): InventoryNumber {
  return {
    e164,
    accountId,
    origin: 'provisioned',
    status: 'active',
    activeSince: '2026-01-05T00:00:00.000Z',
    portedOutAt: null,
    portOutId: null,
    chargesStopOn: null,
    ...overrides,
  };
}

/** A number lock written straight to the table with no order behind it (what a crash between the two writes leaves). */
export async function putOrphanLock(table: TestTable, lock: NumberLock): Promise<void> {
  await table.client.send(new PutCommand({ TableName: table.tableName, Item: { pk: `NUMBER#${lock.e164}`, sk: 'LOCK', ...lock } }));
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
