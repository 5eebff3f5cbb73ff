// Named domain errors, each with a stable machine code. The HTTP layer maps them to problem
// details in one place (shared/http/problem.ts); nothing else chooses a status code.
import type { Issue, OrderStatus } from './types.ts';

export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** Per-field problems, shown as `errors` in problem details. */
  readonly issues: Issue[] = [];
}

/** The thing does not exist, or the caller may not see it (another account's order is a 404 too). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  constructor(readonly resource: string, readonly id: string) {
    super(`No ${resource} with id ${id} exists (or you may not see it).`);
  }
}

/** The request is well-formed but breaks a business rule; `issues` lists every problem. */
export class RuleViolationError extends DomainError {
  constructor(readonly code: string, message: string, issues: Issue[] = []) {
    super(message);
    this.issues.push(...issues);
  }
}

/** The command is not allowed in the order's current status (or at this time). */
export class InvalidTransitionError extends DomainError {
  constructor(readonly code: string, message: string, readonly status?: OrderStatus) {
    super(message);
  }
}

/** A number is already held by another active order (port-in or port-out). */
export class NumberConflictError extends DomainError {
  readonly code = 'number_in_active_order';
  constructor(readonly number: string, readonly conflictingOrderId: string) {
    super(`${number} is already in active order ${conflictingOrderId}; finish or cancel that order first.`);
  }
}

/** A number cannot be added to the inventory: it is active on an account already. */
export class InventoryConflictError extends DomainError {
  readonly code = 'number_already_active';
  constructor(readonly number: string) {
    super(`${number} is already active on an account.`);
  }
}

/** Optimistic locking failed: someone else changed the item since it was read. */
export class ConcurrentModificationError extends DomainError {
  readonly code = 'concurrent_modification';
  constructor(resource: string, id: string) {
    super(`The ${resource} ${id} was changed by another request at the same time; read it again and retry.`);
  }
}
