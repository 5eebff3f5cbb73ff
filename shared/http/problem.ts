// RFC 9457 problem details: the one place where errors become HTTP answers. Every 4xx carries a
// stable `code` and says what to fix; a 5xx says nothing about internals (the log has the rest).
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConcurrentModificationError,
  DomainError,
  InvalidTransitionError,
  InventoryConflictError,
  NotFoundError,
  NumberConflictError,
  RuleViolationError,
} from '../rules/errors.ts';
import type { Issue } from '../rules/types.ts';

/** Errors of the HTTP edge itself (bad JSON, schema violations, roles, idempotency). */
export class HttpError extends DomainError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    issues: Issue[] = [],
  ) {
    super(message);
    this.issues.push(...issues);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
};

export function statusOf(error: DomainError): number {
  if (error instanceof HttpError) return error.status;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof RuleViolationError) return 422;
  if (
    error instanceof InvalidTransitionError ||
    error instanceof NumberConflictError ||
    error instanceof InventoryConflictError ||
    error instanceof ConcurrentModificationError
  ) {
    return 409;
  }
  // Any other named domain error (e.g. an invalid cursor) is a client mistake.
  return 400;
}

export function problemResponse(
  status: number,
  code: string,
  detail: string,
  errors: Issue[] = [],
  extra: Record<string, unknown> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({
      type: 'about:blank',
      title: TITLES[status] ?? 'Error',
      status,
      code,
      detail,
      errors: errors.map(({ path, code: c, message }) => ({ path, code: c, message })),
      ...extra,
    }),
  };
}

export function toProblem(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    const extra: Record<string, unknown> = {};
    if (error instanceof NumberConflictError) Object.assign(extra, { number: error.number, conflictingOrderId: error.conflictingOrderId });
    if (error instanceof InvalidTransitionError && error.status) extra.orderStatus = error.status;
    return problemResponse(statusOf(error), error.code, error.message, error.issues, extra);
  }
  return problemResponse(500, 'internal_error', 'Something went wrong on our side. Retry later; if it persists, contact support with the request id.');
}
