// Workflow steps WaitForCarrierAnswer, WaitForResubmission, WaitForCompletion (`.waitForTaskToken`):
// { orderId, taskToken, step, expected } -> stores the wait; the step resumes with a WorkflowResume
// when the order moves on (at once if it already has).
import { deps } from '../lib/deps.ts';
import { AwaitInput, awaitOrderChange } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('AwaitOrderChange', AwaitInput, (input) => awaitOrderChange(deps, input));
