// Every kind through the registry, in every market: the order reference in every order email's
// subject, subjects on one line, and hostile input escaped in every HTML part.
import { describe, expect, it } from 'vitest';
import {
  composeNotification,
  NOTIFICATION_KINDS,
  NOTIFICATIONS,
  type ComposedEmail,
  type NotificationInputs,
  type NotificationKind,
} from '../../shared/notifications/index.ts';
import { lateTransferCompensation } from '../../shared/rules/compensation.ts';
import { resubmissionDeadline } from '../../shared/rules/deadlines.ts';
import { policyFor } from '../../shared/rules/markets.ts';
import type { Market, PortInOrder } from '../../shared/rules/types.ts';
import { htmlText, LINKS, NUMBERS, order, signingInput } from './fixtures.ts';

const MARKETS: Market[] = ['AU', 'GB', 'FR'];
const SCRIPT = '<script>alert("pd")</script>';
const IMG = '<img src=x onerror=alert(1)>';

/** An order whose every free-text field is hostile. */
function hostileOrder(market: Market): PortInOrder {
  const base = order(market);
  return order(market, {
    status: 'rejected',
    details: {
      ...base.details,
      pin: `"><b>${SCRIPT}`,
      accountHolder: { businessName: `Acme ${SCRIPT}`, firstName: 'Robin', lastName: IMG },
      serviceAddress: { line1: `1 ${IMG} Street`, locality: `Town & <Co>`, postcode: '4000', country: policyFor(market).country },
      losingCarrierAccountNumber: `LC-${SCRIPT}`,
      submitterEmail: `robin+${SCRIPT}@customer.example.test`,
      internetConnection: SCRIPT,
    },
    lastRejection: { reasonCode: `bad_${SCRIPT}\r\nBcc: evil@example.test`, reason: `Rejected: ${SCRIPT}`, rejectedOn: '2026-03-05', at: '2026-03-05T01:00:00.000Z' },
    resubmitBy: resubmissionDeadline(market, '2026-03-05').toISOString(),
    rejectionCount: 1,
    transferDate: '2026-03-16',
    confirmedTransferDate: '2026-03-16',
    completedOn: '2026-03-20',
    finalCompensation: { eligible: true, daysLate: 3, amount: { currency: policyFor(market).currency, amountMinor: 296 }, accruesFrom: '2026-03-18' },
    exception: { step: `Submit${SCRIPT}`, error: `Err${IMG}`, cause: `cause ${SCRIPT}`, at: '2026-03-02T01:00:00.000Z' },
  });
}

function inputs(market: Market): { [K in NotificationKind]: NotificationInputs[K] } {
  const o = hostileOrder(market);
  const links = LINKS;
  const account = { id: 'acc_0001', name: `Quokka ${SCRIPT}`, market };
  const compensation = lateTransferCompensation({
    market: 'GB',
    monthlyFee: { currency: 'GBP', amountMinor: 3000 },
    confirmedTransferDate: '2026-03-16',
    completedOn: null,
    today: '2026-03-20',
  });
  return {
    rejection: { order: o, links },
    transfer_date: { order: o, links, previousTransferDate: '2026-03-13' },
    completion: { order: o, links, testCall: { number: `+331${SCRIPT}`, answered: true }, temporaryNumber: { number: IMG, outcome: 'kept' } },
    cancellation: { order: o, links, stage: 'withCarrier', fee: { currency: policyFor(market).currency, amountMinor: 4500 } },
    withdrawal: { order: o, links, reason: 'second_rejection' },
    compensation_started: { order: o, links, compensation: { ...compensation, amount: { currency: policyFor(market).currency, amountMinor: 296 } }, asOf: '2026-03-20' },
    signing_request: signingInput(o, { reason: 'order_edited', accountHolderName: `Acme ${SCRIPT}`, carrierName: `Bilby ${IMG}` }),
    signing_reminder: signingInput(o, { reason: 'submitted', accountHolderName: `Robin ${IMG}`, carrierName: `Bilby ${SCRIPT}` }),
    overdue: { order: o, links, carrier: { id: 'car_0001', name: `Bilby ${SCRIPT}` }, today: '2026-04-02' },
    exception: { order: o, links },
    termination_warning: { account: { id: 'acc_0001', name: `Quokka ${SCRIPT}`, market }, terminationDate: '2026-05-29', remainingNumbers: 3, links: { numbers: 'javascript:alert(1)' } },
    carrier_submission: { order: o, links, carrier: { id: 'car_0001', name: `Bilby ${SCRIPT}` }, accountName: `Account ${IMG}` },
    carrier_resubmission: { order: o, links, carrier: { id: 'car_0001', name: `Bilby ${SCRIPT}` } },
    port_out_accepted: {
      account,
      portOut: { id: 'pout_0001', carrierName: `Bilby ${SCRIPT}`, requestedDate: '2026-03-16', authorizedName: `Robin ${IMG}` },
      numbers: NUMBERS[market].map((e164, i) => ({ e164, portedIn: i === 0 })),
      portBackFee: { currency: policyFor(market).currency, amountMinor: 2500 },
      links: { portOut: 'javascript:alert(1)', portIns: `${LINKS.order}/new` },
    },
    port_out_completed: {
      account,
      portOut: { id: 'pout_0001', carrierName: `Bilby ${IMG}`, completedOn: '2026-03-20' },
      numbers: NUMBERS[market],
      monthlyChargeChange: market === 'FR' ? { currency: 'EUR', amountMinor: -995 } : null,
      links: { numbers: 'javascript:alert(1)' },
    },
    port_out_withdrawn: { account, portOut: { id: 'pout_0001', carrierName: `Bilby ${SCRIPT}`, reason: `Changed ${IMG}` }, numbers: NUMBERS[market] },
    numbers_released: { account, terminationDate: '2026-05-29', releasedOn: '2026-07-08', numbers: NUMBERS[market] },
    port_out_answer: {
      market,
      portOut: {
        id: 'pout_0001',
        status: 'rejected',
        requestedDate: '2026-03-16',
        numbers: NUMBERS[market],
        rejection: { code: `bad_${SCRIPT}\r\nBcc: evil@example.test`, message: `Rejected: ${IMG}`, numbers: NUMBERS[market].slice(0, 1) },
      },
    },
  };
}

const KINDS = Object.keys(NOTIFICATIONS) as NotificationKind[];
/** Kinds about an account rather than one order or port-out. */
const ACCOUNT_KINDS: NotificationKind[] = ['termination_warning', 'numbers_released'];

function composeAll(market: Market): Array<[NotificationKind, ComposedEmail]> {
  const all = inputs(market);
  return KINDS.map((kind) => [kind, composeNotification(kind, all[kind] as never)]);
}

describe('the registry', () => {
  it('has a composer and an audience for every kind', () => {
    expect(KINDS.sort()).toEqual(
      [
        'cancellation',
        'carrier_resubmission',
        'carrier_submission',
        'compensation_started',
        'completion',
        'exception',
        'overdue',
        'rejection',
        'signing_reminder',
        'signing_request',
        'termination_warning',
        'transfer_date',
        'withdrawal',
        'port_out_accepted',
        'port_out_completed',
        'port_out_withdrawn',
        'numbers_released',
        'port_out_answer',
      ].sort(),
    );
    expect(Object.keys(NOTIFICATION_KINDS).sort()).toEqual(KINDS.sort());
    expect(KINDS.filter((k) => NOTIFICATION_KINDS[k].containsSecrets).sort()).toEqual([
      'carrier_resubmission',
      'carrier_submission',
      'signing_reminder',
      'signing_request',
    ]);
  });

  describe.each(MARKETS)('%s', (market) => {
    const emails = composeAll(market);

    it.each(emails.filter(([kind]) => !ACCOUNT_KINDS.includes(kind)))('%s: the subject carries [PD-<order or port-out id>]', (kind, email) => {
      expect(email.subject).toContain(kind.startsWith('port_out_') ? '[PD-pout_0001]' : `[PD-pin_${market.toLowerCase()}0001]`);
    });

    it.each(emails.filter(([kind]) => ACCOUNT_KINDS.includes(kind)))('%s: an account email, with no [PD-…] reference', (_kind, email) => {
      expect(email.subject).not.toContain('[PD-');
    });

    it.each(emails)('%s: the subject is one line, whatever the input', (_kind, email) => {
      expect(email.subject).not.toMatch(/[\r\n]/);
    });

    it.each(emails)('%s: hostile input is escaped in the HTML, never live markup or a script link', (_kind, email) => {
      expect(email.html).not.toMatch(/<script|<img|<b>|<Co>|href="javascript:/i);
      expect(email.html).toMatch(/^<!DOCTYPE html>\n<html lang="(en-AU|en-GB|fr-FR)">/);
      // Escaped once, not twice: the reader sees the text as it was given.
      expect(htmlText(email.html)).not.toMatch(/&(lt|gt|amp|quot|#39);/);
    });

    // Kinds that show a free-text field of the input (the others show none of the hostile fields).
    it.each(emails.filter(([kind]) => !['transfer_date', 'cancellation', 'compensation_started'].includes(kind)))(
      '%s: what was escaped still reads as the original text',
      (_kind, email) => {
        const visible = htmlText(email.html);
        expect(visible.includes(SCRIPT) || visible.includes(IMG)).toBe(true);
      },
    );

    it.each(emails)('%s: a text part readable on its own (no markup of ours)', (_kind, email) => {
      const withoutInput = email.text.split(SCRIPT).join('').split(IMG).join('').replace(/<Co>/g, '');
      expect(withoutInput).not.toMatch(/<\/?(p|table|td|tr|strong|a|br|h1|pre|span)\b/);
      expect(email.text.endsWith('\n')).toBe(true);
    });
  });
});
