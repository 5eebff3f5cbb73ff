// Workflow step RecordException: { orderId, failure: { <state>: { Error, Cause } } } -> ExceptionResult.
import { deps } from '../lib/deps.ts';
import { RecordExceptionInput, recordException } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('RecordException', RecordExceptionInput, (input) => recordException(deps, input));
