// What an API client sees of an order: the stored order plus what follows from "now" (overdue,
// transfer-date confirmation, live compensation). Computed on read, so it is never stale.
import type { Compensation, PortInOrder } from '../types.ts';
import { policyFor } from '../markets.ts';
import { isOverdue, isTransferDateConfirmed } from '../deadlines.ts';
import { compensationOf } from './order.ts';
import { zeroMoney } from '../money.ts';

// A rejected order waits on the customer (resubmission window), not the carrier: it is not flagged overdue.
const LIVE_WITH_CARRIER = new Set(['submitted', 'scheduled']);

export function viewOrder(order: PortInOrder, now: Date) {
  const policy = policyFor(order.market);
  const { details, lines, signingRequests, ...rest } = order;
  const portBacks = new Set(order.portBackNumbers);
  const transferDateConfirmed =
    order.transferDate !== null && isTransferDateConfirmed(order.transferDate, now, order.market);
  const compensation: Compensation =
    order.finalCompensation ??
    compensationOf(order.status === 'scheduled' ? order : { ...order, transferDate: null }, now, policy, null);
  return {
    ...rest,
    carrierId: details.carrierId,
    losingCarrierAccountNumber: details.losingCarrierAccountNumber,
    // The PIN is a secret of the customer's old account: say whether it is set, never echo it.
    pinProvided: details.pin !== null && details.pin !== '',
    accountHolder: details.accountHolder,
    serviceAddress: details.serviceAddress,
    submitterEmail: details.submitterEmail,
    primaryNumber: details.primaryNumber,
    internetConnection: details.internetConnection,
    temporaryNumber: details.temporaryNumber,
    termsAccepted: details.termsAccepted,
    numberCount: lines.length,
    // The links' hashes stay inside: a client needs the state, not the means to check a link.
    signingRequests: signingRequests.map(({ tokenHashes: _hashes, ...request }) => request),
    numbers: lines.map((line) => ({
      number: line.e164 ?? line.input,
      input: line.input,
      valid: line.e164 !== null,
      lineType: line.lineType,
      services: line.services,
      acknowledgedServiceLoss: line.acknowledgedServiceLoss,
      dslSeparated: line.dslSeparated,
      portBack: line.e164 !== null && portBacks.has(line.e164),
    })),
    overdue: order.dueDate !== null && LIVE_WITH_CARRIER.has(order.status) && isOverdue(order.dueDate, now, order.market),
    transferDateConfirmed,
    compensation,
    cancellationFee:
      order.status === 'cancelled'
        ? (order.charges.find((c) => c.kind === 'cancellation_fee')?.amount ?? zeroMoney(policy.currency))
        : null,
  };
}

export type OrderView = ReturnType<typeof viewOrder>;
