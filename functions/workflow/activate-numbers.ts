// Workflow step ActivateNumbers: { orderId } -> ActivationResult (market, numbers checked and activated).
import { deps } from '../lib/deps.ts';
import { OrderStepInput, activateNumbers } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('ActivateNumbers', OrderStepInput, (input) => activateNumbers(deps, input.orderId));
