// Workflow step SubmitToCarrier: { orderId } -> SubmitResult (channels used, what the next wait expects).
import { deps } from '../lib/deps.ts';
import { SubmitInput, submitToCarrier } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('SubmitToCarrier', SubmitInput, (input) => submitToCarrier(deps, input.orderId));
