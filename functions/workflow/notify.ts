// Workflow steps NotifyRejection, NotifyTransferDate, NotifyCompletion, NotifyCancellation,
// NotifyWithdrawal: { orderId, notice, key? } -> NotifyResult (sent once per occurrence via the outbox).
import { deps } from '../lib/deps.ts';
import { NotifyInput, notify } from '../../shared/app/use-cases/workflow.ts';
import { workflowStep } from './step.ts';

export const handler = workflowStep('Notify', NotifyInput, (input) => notify(deps, input));
