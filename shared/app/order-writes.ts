// The one way an order decision is written, whoever made it (API, workflow step, scheduled check):
// the change, its bus events, the workflow start/resume and any emails go in one transaction
// (transactional outbox); then the messages are tried at once. What fails after the write is
// retried by the outbox dispatcher, never lost and never fatal to the caller.
import type { Decision } from '../rules/port-in/order.ts';
import type { PortInOrder } from '../rules/types.ts';
import type { UseCaseDeps } from './context.ts';
import type { DocumentRecord, OutboxItem } from './ports.ts';
import { busEventsFor } from './events.ts';
import { deliverAll, newOutboxItem } from './outbox.ts';
import { signalFor } from './use-cases/workflow.ts';
import { logger } from './logger.ts';

/** Bus events of a decision's status changes, as outbox items (id = the event's id: written once). */
export function busEventItems(order: PortInOrder, decision: Pick<Decision, 'events'>, now: Date): OutboxItem[] {
  return busEventsFor(order, decision.events).map((event) =>
    newOutboxItem({ id: event.detail.id, purpose: event.detailType, subjectId: order.id, message: { kind: 'bus_event', event } }, now),
  );
}

/**
 * The workflow signal a change needs (start when the order first goes to the carrier; resume the
 * waiting step with the order as this change left it), as an outbox item written with the change.
 */
export function workflowItems(deps: UseCaseDeps, before: PortInOrder | null, after: PortInOrder, now: Date): OutboxItem[] {
  if (deps.services.workflow === null || before === null) return [];
  const signal = signalFor(before, after);
  if (signal === null) return [];
  const id = signal.action === 'start' ? `${after.id}.workflow.start` : `${after.id}.workflow.${after.version}`;
  return [newOutboxItem({ id, purpose: `workflow_${signal.action}`, subjectId: after.id, message: { kind: 'workflow', ...signal } }, now)];
}

/**
 * Writes `decision` (made from `before`) with its outbox and the descriptions of the documents it
 * produced (their files are stored before). Throws what saveOrder throws (conflicts,
 * concurrent modification): nothing was written then. After a successful write nothing throws.
 */
export async function saveDecision(
  deps: UseCaseDeps,
  before: PortInOrder | null,
  decision: Decision,
  emails: OutboxItem[] = [],
  documents: DocumentRecord[] = [],
): Promise<void> {
  const now = deps.clock.now();
  const outbox = [...workflowItems(deps, before, decision.order, now), ...busEventItems(decision.order, decision, now), ...emails];
  await deps.repository.saveOrder({ ...decision, expectedVersion: before?.version ?? null, outbox, documents });
  try {
    await deliverAll(deps, outbox);
  } catch (error) {
    logger.error('outbox delivery after an order write failed; the dispatcher will retry', { orderId: decision.order.id, error: errorName(error) });
  }
}

const errorName = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));
