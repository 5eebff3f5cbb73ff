// Workflow step SettleTemporaryNumber (FR): { orderId } -> { orderId, outcome: released | kept | none }.
import { deps } from '../lib/deps.ts';
import { OrderStepInput, settleTemporaryNumber } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('SettleTemporaryNumber', OrderStepInput, (input) => settleTemporaryNumber(deps, input.orderId));
