// What happens to an accepted port-out (rulebook "Port-out"): the gaining carrier completes it (the
// numbers leave us and their charges stop) or withdraws it (the numbers stay); the customer can never
// cancel it. Pure: `now` is passed in, errors carry stable codes for the HTTP layer.
import { isValidIsoDate, marketDate } from '../calendar.ts';
import { InvalidTransitionError, RuleViolationError } from '../errors.ts';
import { monthlyNumberChargeChange } from '../fees.ts';
import { policyFor as defaultPolicyFor } from '../markets.ts';
import type { IsoDate, Market, PlanPrices } from '../types.ts';
import type { PortOutContext } from './evaluate.ts';
import type { PortOutDecision, PortOutEvent, PortOutEventType, PortOutRequest } from './types.ts';

export const PORT_OUT_NOT_CANCELLABLE_MESSAGE =
  'An accepted port-out cannot be cancelled: the gaining carrier started it and we must release the numbers. If it was a mistake, ask the gaining carrier to withdraw its request; once the numbers have left, you can port them back with a new port-in order (the port-back fee applies).';

const numbersOf = (portOut: PortOutRequest): string[] => portOut.lines.map((l) => l.e164);

function event(ctx: PortOutContext, type: PortOutEventType, data: Record<string, unknown>): PortOutEvent {
  return { type, at: ctx.now.toISOString(), actor: ctx.actor, data };
}

function expectAccepted(portOut: PortOutRequest, command: string): { accountId: string; market: Market } {
  if (portOut.status !== 'accepted') {
    throw new InvalidTransitionError('port_out_not_accepted', `This port-out is ${portOut.status}: only an accepted port-out can be ${command}.`);
  }
  // An accepted port-out always names its account (every number was active on it).
  if (portOut.accountId === null || portOut.market === null) throw new Error(`Accepted port-out ${portOut.id} names no account`);
  return { accountId: portOut.accountId, market: portOut.market };
}

function invalidCompletionDate(message: string, fix: string): RuleViolationError {
  return new RuleViolationError('completion_date_invalid', message, [{ code: 'completion_date_invalid', path: 'completedOn', message: fix }]);
}

export function completePortOut(
  portOut: PortOutRequest,
  completedOn: IsoDate,
  ctx: PortOutContext & { account: { plan: PlanPrices; activeNumberCount: number } },
): PortOutDecision {
  const { accountId, market } = expectAccepted(portOut, 'completed');
  const policy = (ctx.policyFor ?? defaultPolicyFor)(market);
  if (!isValidIsoDate(completedOn)) throw invalidCompletionDate(`${completedOn} is not a calendar date (YYYY-MM-DD).`, 'Give the date the numbers left, as YYYY-MM-DD.');
  // Dates are market dates: the port-out was accepted on one, and today is one.
  const acceptedOn = marketDate(new Date(portOut.createdAt), market);
  const today = marketDate(ctx.now, market);
  if (completedOn < acceptedOn) {
    throw invalidCompletionDate(`The completion date ${completedOn} is before the port-out was accepted (${acceptedOn}, market time).`, `Give a date on or after ${acceptedOn}.`);
  }
  if (completedOn > today) {
    throw invalidCompletionDate(`The completion date ${completedOn} is after today (${today}, market time).`, `Give a date on or before ${today}.`);
  }
  const numbers = numbersOf(portOut);
  const before = ctx.account.activeNumberCount;
  const monthlyChargeChange = monthlyNumberChargeChange(policy, ctx.account.plan, before, Math.max(0, before - numbers.length));
  return {
    portOut: {
      ...portOut,
      status: 'completed',
      completedOn,
      monthlyChargeChange,
      updatedAt: ctx.now.toISOString(),
      version: portOut.version + 1,
    },
    events: [event(ctx, 'completed', { completedOn, numbers: numbers.length, monthlyChargeChange })],
    lock: [],
    release: numbers,
    portedOut: { accountId, numbers, on: completedOn },
  };
}

export function withdrawPortOut(portOut: PortOutRequest, reason: string | null, ctx: PortOutContext): PortOutDecision {
  expectAccepted(portOut, 'withdrawn');
  const withdrawnReason = reason === null || reason.trim() === '' ? null : reason.trim();
  return {
    portOut: { ...portOut, status: 'withdrawn', withdrawnReason, updatedAt: ctx.now.toISOString(), version: portOut.version + 1 },
    events: [event(ctx, 'withdrawn', { reason: withdrawnReason })],
    lock: [],
    release: numbersOf(portOut),
    portedOut: null,
  };
}

/** Always throws InvalidTransitionError (409): port_out_not_cancellable for accepted, port_out_final otherwise. */
export function refuseCancellation(portOut: PortOutRequest): never {
  if (portOut.status === 'accepted') throw new InvalidTransitionError('port_out_not_cancellable', PORT_OUT_NOT_CANCELLABLE_MESSAGE);
  throw new InvalidTransitionError('port_out_final', `This port-out is ${portOut.status}: there is nothing to cancel.`);
}
