// Workflow step PlaceTestCall (FR): { orderId } -> TestCallResult (placed, answered).
import { deps } from '../lib/deps.ts';
import { OrderStepInput, placeTestCall } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('PlaceTestCall', OrderStepInput, (input) => placeTestCall(deps, input.orderId));
