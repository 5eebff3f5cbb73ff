// Signing the Letter of Authority: which request is current, whether the order waits for a
// signature, and when the one reminder is due. Pure; the commands that change requests are in order.ts.
import type { PortInOrder, SigningRequest } from '../types.ts';

/** Signing links work this long; the API can still sign after, and a new link can be asked for. */
export const SIGNING_LINK_DAYS = 7;
/** An unsigned request is reminded once, this long after it was made. */
export const SIGNING_REMINDER_DAYS = 3;

/** The order's newest signing request (the one its links must open), or null before submission. */
export function currentSigningRequest(order: Pick<PortInOrder, 'signingRequests'>): SigningRequest | null {
  return order.signingRequests.at(-1) ?? null;
}

/** Whether the order waits for the account holder's signature (after submit, or after an edit voided it). */
export function awaitsSignature(order: PortInOrder): boolean {
  if (order.signature !== null) return false;
  return order.status === 'awaiting_signature' || (order.status === 'rejected' && order.signingRequests.length > 0);
}

/** When the one reminder of an unsigned request is due; null when none is (signed, reminded, replaced). */
export function signingReminderDueAt(order: PortInOrder): Date | null {
  const current = currentSigningRequest(order);
  if (!awaitsSignature(order) || !current || current.state !== 'pending' || current.remindedAt !== null) return null;
  const due = new Date(Date.parse(current.createdAt) + SIGNING_REMINDER_DAYS * 86_400_000);
  return due.getTime() < Date.parse(current.expiresAt) ? due : null;
}

