// Bus events from real order decisions: one PortIn.StatusChanged per status change, stable ids,
// valid against the v1 schema (whose JSON Schema file must be up to date), no personal data.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildLines, createDraft, decide, type Decision, type PortInCommand } from '../../shared/rules/port-in/order.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { AccountFacts, Market, PortInOrder } from '../../shared/rules/types.ts';
import { busEventsFor, eventSchemaFiles, PortInStatusChangedV1 } from '../../shared/app/events.ts';
import type { BusEvent } from '../../shared/app/ports.ts';
import { SAMPLE_NUMBER, command, ctx, details, facts, line, signCommand } from '../rules/port-in-fixtures.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCHEMA_DIR = join(REPO, 'schemas', 'events');
const REGENERATE = 'UPDATE_SCHEMAS=1 npx vitest run test/webhooks/events.test.ts';

// Personal data in the order: none of it may appear in an event.
const PERSONAL = {
  accountHolder: { firstName: 'Philippa', lastName: 'Quennell', businessName: 'Quennell Plumbing Pty Ltd' },
  serviceAddress: { line1: '77 Wattlebird Crescent', locality: 'Kangaroo Point', postcode: '4169', country: 'AU' },
  submitterEmail: 'philippa@quennell.example.test',
  pin: 'PIN8842',
  losingCarrierAccountNumber: 'LCAN-559911',
};
const SIGNER = 'Philippa Quennell';
const REJECTION_TEXT = 'Customer Philippa Quennell not found at 77 Wattlebird Crescent';

interface Step {
  at: string;
  command: PortInCommand;
}

function run(market: Market, start: string, steps: Step[], accountOverrides: Partial<AccountFacts> = {}) {
  const postcode = { AU: '4169', GB: 'SW1A 1AA', FR: '75001' }[market];
  const base = details(market, { ...PERSONAL, serviceAddress: { ...PERSONAL.serviceAddress, postcode, country: market } });
  const created = createDraft(
    { id: `pin_${market.toLowerCase()}test`, details: base, lines: buildLines([line(SAMPLE_NUMBER[market]), line(SAMPLE_NUMBER[market].replace(/6$/, '7').replace(/0$/, '1'))], policyFor(market)) },
    ctx(market, start, accountOverrides),
    facts(),
  );
  const decisions: Decision[] = [created];
  let order: PortInOrder = created.order;
  for (const step of steps) {
    const decision = decide(order, step.command, ctx(market, step.at, accountOverrides));
    decisions.push(decision);
    order = decision.order;
  }
  return decisions;
}

const eventsOf = (decisions: Decision[]): BusEvent[] => decisions.flatMap((d) => busEventsFor(d.order, d.events));

const submit: PortInCommand = command.submit;
const sign: PortInCommand = signCommand('sig_1', SIGNER);
const reject: PortInCommand = { type: 'carrier_rejected', reasonCode: 'ACCT_MISMATCH', reason: REJECTION_TEXT };

const auLifecycle = () =>
  run('AU', '2026-03-02T00:00:00Z', [
    { at: '2026-03-02T00:00:00Z', command: { type: 'update', details: details('AU', { ...PERSONAL, termsAccepted: true }), lines: buildLines([line(SAMPLE_NUMBER.AU), line('+61732123457')], policyFor('AU')), facts: facts(), signing: null } },
    { at: '2026-03-02T00:00:00Z', command: submit },
    { at: '2026-03-02T00:00:00Z', command: sign },
    { at: '2026-03-02T00:00:00Z', command: { type: 'carrier_transfer_date', transferDate: '2026-03-16' } },
    { at: '2026-03-03T00:00:00Z', command: { type: 'carrier_transfer_date', transferDate: '2026-03-17' } },
    { at: '2026-03-17T03:00:00Z', command: { type: 'carrier_completed', completedOn: '2026-03-17' } },
  ]);

const rejectionPath = () =>
  run('AU', '2026-03-02T00:00:00Z', [
    { at: '2026-03-02T00:00:00Z', command: submit },
    { at: '2026-03-02T00:00:00Z', command: sign },
    { at: '2026-03-03T00:00:00Z', command: reject },
    { at: '2026-03-04T00:00:00Z', command: { type: 'resubmit', facts: facts() } },
    { at: '2026-03-05T00:00:00Z', command: reject },
  ]);

describe('busEventsFor', () => {
  it('publishes one PortIn.StatusChanged per status change of the AU lifecycle, none for other events', () => {
    const events = eventsOf(auLifecycle());
    expect(events.map((e) => [e.detail.from, e.detail.to, e.detail.eventType])).toEqual([
      ['draft', 'awaiting_signature', 'submitted'],
      ['awaiting_signature', 'submitted', 'sent_to_carrier'],
      ['submitted', 'scheduled', 'transfer_date_set'],
      ['scheduled', 'completed', 'completed'],
    ]);
    for (const event of events) {
      expect(event.source).toBe('portdesk');
      expect(event.detailType).toBe('PortIn.StatusChanged');
      expect(event.detail).toMatchObject({ version: '1', orderId: 'pin_autest', accountId: 'acc_test', market: 'AU', carrierId: 'car_losing', numberCount: 2 });
    }
    expect(events[3]!.detail.occurredAt).toBe('2026-03-17T03:00:00.000Z');
  });

  it('names each event <order id>.<order version>.<index of the event in the change>: stable, unique', () => {
    const decisions = auLifecycle();
    const first = eventsOf(decisions);
    expect(eventsOf(decisions)).toEqual(first);
    // submit (version 3): the status change is event 0, the charge event 1.
    expect(first[0]!.detail.id).toBe('pin_autest.3.0');
    // sign (version 4): 'signed' is event 0, the move to submitted event 1.
    expect(first[1]!.detail.id).toBe('pin_autest.4.1');
    expect(new Set(first.map((e) => e.detail.id)).size).toBe(first.length);
  });

  it('gives machine reasons only: the rejection code, the hold reason; never the carrier\'s free text', () => {
    const events = eventsOf(rejectionPath());
    expect(events.map((e) => [e.detail.from, e.detail.to, e.detail.reason])).toEqual([
      ['draft', 'awaiting_signature', undefined],
      ['awaiting_signature', 'submitted', undefined],
      ['submitted', 'rejected', 'ACCT_MISMATCH'],
      ['rejected', 'submitted', undefined],
      ['submitted', 'withdrawn', 'ACCT_MISMATCH'],
    ]);
    expect(events.every((e) => !('reason' in e.detail) || typeof e.detail.reason === 'string')).toBe(true);

    const gb = eventsOf(
      run('GB', '2026-03-02T09:00:00Z', [
        { at: '2026-03-02T09:00:00Z', command: submit },
        { at: '2026-03-02T09:00:00Z', command: sign },
      ], { hasInboundCall: false, hasOutboundCall: false }),
    );
    expect(gb.at(-1)!.detail).toMatchObject({ from: 'awaiting_signature', to: 'on_hold', eventType: 'put_on_hold', reason: 'activation_prerequisites', market: 'GB' });
  });

  it('drops a carrier reason code that is not a plain code', () => {
    const decisions = run('AU', '2026-03-02T00:00:00Z', [
      { at: '2026-03-02T00:00:00Z', command: submit },
      { at: '2026-03-02T00:00:00Z', command: sign },
      { at: '2026-03-03T00:00:00Z', command: { type: 'carrier_rejected', reasonCode: 'see Philippa Quennell', reason: REJECTION_TEXT } },
    ]);
    const rejected = eventsOf(decisions).at(-1)!;
    expect(rejected.detail.to).toBe('rejected');
    expect(rejected.detail).not.toHaveProperty('reason');
  });

  it('covers cancellation and a draft without a carrier', () => {
    const cancelled = eventsOf(run('AU', '2026-03-02T00:00:00Z', [{ at: '2026-03-02T00:00:00Z', command: { type: 'cancel' } }]));
    expect(cancelled.map((e) => [e.detail.from, e.detail.to])).toEqual([['draft', 'cancelled']]);
    const created = createDraft({ id: 'pin_nocarrier', details: details('FR', { carrierId: null }), lines: [] }, ctx('FR', '2026-03-02T00:00:00Z'), facts());
    const decision = decide(created.order, { type: 'cancel' }, ctx('FR', '2026-03-02T00:00:00Z'));
    expect(busEventsFor(decision.order, decision.events)[0]!.detail).toMatchObject({ carrierId: null, numberCount: 0, market: 'FR' });
  });

  it('every event matches the v1 schema and carries no personal data (numbers: a count only)', () => {
    const all = [...eventsOf(auLifecycle()), ...eventsOf(rejectionPath())];
    expect(all.length).toBeGreaterThan(5);
    const personal = [
      ...Object.values(PERSONAL.accountHolder),
      ...Object.values(PERSONAL.serviceAddress).filter((v) => v.length > 2),
      PERSONAL.submitterEmail,
      PERSONAL.pin,
      PERSONAL.losingCarrierAccountNumber,
      SIGNER,
      REJECTION_TEXT,
      'Philippa',
      'Quennell',
      'Wattlebird',
    ];
    for (const event of all) {
      expect(PortInStatusChangedV1.safeParse(event.detail).success).toBe(true);
      const text = JSON.stringify(event);
      for (const value of personal) expect(text).not.toContain(value);
      // No phone number in any form (E.164, national digits).
      expect(text).not.toMatch(/\+?61\s?7\s?3?2123456|732123456|0732123456/);
      expect(text).not.toMatch(/\d{8,}/);
    }
  });

  it('the schema refuses extra fields and a personal free-text reason', () => {
    const [event] = eventsOf(rejectionPath());
    expect(PortInStatusChangedV1.safeParse({ ...event!.detail, accountHolder: PERSONAL.accountHolder }).success).toBe(false);
    expect(PortInStatusChangedV1.safeParse({ ...event!.detail, reason: REJECTION_TEXT }).success).toBe(false);
    expect(PortInStatusChangedV1.safeParse({ ...event!.detail, to: 'teleported' }).success).toBe(false);
  });
});

describe('schemas/events: the JSON Schema files', () => {
  const files = eventSchemaFiles();

  it.each(Object.keys(files))('%s is up to date with the zod schema', (file) => {
    const path = join(SCHEMA_DIR, file);
    const expected = files[file]!;
    if (process.env.UPDATE_SCHEMAS === '1') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, expected);
    }
    const actual = existsSync(path) ? readFileSync(path, 'utf8') : '(missing)';
    expect(actual, `schemas/events/${file} is out of date. Regenerate it with: ${REGENERATE}`).toBe(expected);
  });

  it('describe a closed object with every field of the detail', () => {
    const schema = JSON.parse(files['PortIn.StatusChanged.v1.json']!) as { type: string; additionalProperties: boolean; required: string[]; properties: Record<string, unknown> };
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required.sort()).toEqual(['accountId', 'carrierId', 'eventType', 'from', 'id', 'market', 'numberCount', 'occurredAt', 'orderId', 'to', 'version']);
    expect(Object.keys(schema.properties)).toContain('reason');
  });
});
